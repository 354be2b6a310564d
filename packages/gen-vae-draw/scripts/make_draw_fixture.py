#!/usr/bin/python3
"""PyTorch oracle for DRAW: writes packages/gen-vae-draw/test/fixtures/draw.json.

Regenerate from the repository root with

    /usr/bin/python3 packages/gen-vae-draw/scripts/make_draw_fixture.py

A tiny DRAW with attention (T = 3 on a 7x6 image, encoder 6, decoder 5, z 3, read 2x2, write 3x3),
written here from shared/specs/draw.md with torch ops (not from the TypeScript code): the loss, its
two terms per image, and the gradient of the mean loss for every parameter, under the standard
parameterization and under weight norm on every weight (w = g v / ||v||, one g per output row,
starting at g = ||v||: the same loss, other gradients). Random weights are larger than DRAW's
N(0, 0.01^2) init so that every path carries signal. The noise eps_t is part of the fixture.
Everything is float32; numbers are written with repr() of the float32 value (exact). CI never
runs this script; the test reads the committed JSON.
"""
import json
import os

import torch

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)

H, W, T, ENC, DEC, Z, NR, NW, B = 7, 6, 3, 6, 5, 3, 2, 3, 2
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'test', 'fixtures', 'draw.json')

gen = torch.Generator().manual_seed(20160225)


def rn(*shape, std=1.0):
    return torch.randn(*shape, generator=gen) * std


SHAPES = [
    ('encoder.weight_ih', (4 * ENC, 2 * NR * NR + DEC), 0.4), ('encoder.weight_hh', (4 * ENC, ENC), 0.4),
    ('encoder.bias_ih', (4 * ENC,), 0.2), ('encoder.bias_hh', (4 * ENC,), 0.2),
    ('decoder.weight_ih', (4 * DEC, Z), 0.4), ('decoder.weight_hh', (4 * DEC, DEC), 0.4),
    ('decoder.bias_ih', (4 * DEC,), 0.2), ('decoder.bias_hh', (4 * DEC,), 0.2),
    ('mu.weight', (Z, ENC), 0.4), ('mu.bias', (Z,), 0.2),
    ('logSigma.weight', (Z, ENC), 0.4), ('logSigma.bias', (Z,), 0.2),
    ('readWindow.weight', (5, DEC), 0.3), ('readWindow.bias', (5,), 0.1),
    ('writeWindow.weight', (5, DEC), 0.3), ('writeWindow.bias', (5,), 0.1),
    ('write.weight', (NW * NW, DEC), 0.5), ('write.bias', (NW * NW,), 0.2),
]
PARAMS = {name: rn(*shape, std=std) for name, shape, std in SHAPES}
X = (torch.rand(B, H * W, generator=gen) < 0.4).float()
EPS = [rn(B, Z) for _ in range(T)]


def lstm(inp, h, c, p, prefix):
    gates = inp @ p[prefix + '.weight_ih'].t() + p[prefix + '.bias_ih'] + h @ p[prefix + '.weight_hh'].t() + p[prefix + '.bias_hh']
    i, f, g, o = gates.chunk(4, 1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def filterbank(centre, delta, sigma2, n, length):
    mu = centre[:, None] + (torch.arange(n).float() - n / 2 + 0.5)[None, :] * delta[:, None]  # [B, N]
    d = torch.arange(length).float()[None, None, :] - mu[:, :, None]
    f = torch.exp(-d * d / (2 * sigma2[:, None, None]))
    return f / f.sum(2, keepdim=True).clamp_min(1e-8)


def window(raw, n):
    gx, gy, log_s2, log_d, log_g = raw.unbind(1)
    delta = (max(H, W) - 1) / (n - 1) * torch.exp(log_d)
    s2 = torch.exp(log_s2)
    fx = filterbank((W + 1) / 2 * (gx + 1), delta, s2, n, W)
    fy = filterbank((H + 1) / 2 * (gy + 1), delta, s2, n, H)
    return fx, fy, torch.exp(log_g)


def linear(x, p, name):
    return x @ p[name + '.weight'].t() + p[name + '.bias']


def draw_loss(p):
    h_enc = torch.zeros(B, ENC); c_enc = torch.zeros(B, ENC)
    h_dec = torch.zeros(B, DEC); c_dec = torch.zeros(B, DEC)
    canvas = torch.zeros(B, H * W)
    kl = torch.zeros(B)
    for t in range(T):
        x_hat = X - torch.sigmoid(canvas)
        fx, fy, gamma = window(linear(h_dec, p, 'readWindow'), NR)
        glimpse = lambda img: (fy @ img.view(B, H, W) @ fx.transpose(1, 2)).reshape(B, NR * NR)
        r = torch.cat([glimpse(X), glimpse(x_hat)], 1) * gamma[:, None]
        h_enc, c_enc = lstm(torch.cat([r, h_dec], 1), h_enc, c_enc, p, 'encoder')
        mu, log_sigma = linear(h_enc, p, 'mu'), linear(h_enc, p, 'logSigma')
        z = mu + torch.exp(log_sigma) * EPS[t]
        kl = kl + (0.5 * (mu * mu + torch.exp(2 * log_sigma)) - log_sigma - 0.5).sum(1)
        h_dec, c_dec = lstm(z, h_dec, c_dec, p, 'decoder')
        fx, fy, gamma = window(linear(h_dec, p, 'writeWindow'), NW)
        patch = linear(h_dec, p, 'write').view(B, NW, NW)
        canvas = canvas + (fy.transpose(1, 2) @ patch @ fx).reshape(B, H * W) / gamma[:, None]
    recon = torch.nn.functional.binary_cross_entropy_with_logits(canvas, X, reduction='none').sum(1)
    return (recon + kl).mean(), recon, kl


def values(t):
    return {'shape': list(t.shape), 'values': [float(v) for v in t.detach().reshape(-1).tolist()]}


def standard_case():
    p = {k: v.clone().requires_grad_(True) for k, v in PARAMS.items()}
    loss, recon, kl = draw_loss(p)
    loss.backward()
    return {'loss': float(loss), 'reconstruction': values(recon), 'kl': values(kl), 'grads': {k: values(v.grad) for k, v in p.items()}}


def weightnorm_case():
    leaves = {}
    for k, v in PARAMS.items():
        if v.dim() == 2:  # every weight, LSTM input and recurrent matrices included: one g per output row
            leaves[k + '_g'] = v.norm(dim=1, keepdim=True).clone().requires_grad_(True)
            leaves[k + '_v'] = v.clone().requires_grad_(True)
        else:
            leaves[k] = v.clone().requires_grad_(True)
    p = {}
    for k in PARAMS:
        p[k] = leaves[k + '_g'] * leaves[k + '_v'] / leaves[k + '_v'].norm(dim=1, keepdim=True) if k + '_v' in leaves else leaves[k]
    loss, _, _ = draw_loss(p)
    loss.backward()
    return {'loss': float(loss), 'grads': {k: values(v.grad) for k, v in leaves.items()}}


fixture = {
    'generator': 'packages/gen-vae-draw/scripts/make_draw_fixture.py',
    'torch': torch.__version__,
    'config': {'steps': T, 'encoderSize': ENC, 'decoderSize': DEC, 'latentSize': Z, 'readPatch': NR, 'writePatch': NW, 'height': H, 'width': W},
    'params': {k: values(v) for k, v in PARAMS.items()},
    'x': values(X),
    'eps': [values(e) for e in EPS],
    'standard': standard_case(),
    'weightnorm': weightnorm_case(),
}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, 'w') as f:
    json.dump(fixture, f)
    f.write('\n')
print('wrote', OUT)
