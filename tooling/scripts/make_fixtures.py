#!/usr/bin/python3
"""PyTorch oracle fixtures for @wn.

Regenerate (from the repository root) with:

    /usr/bin/python3 tooling/scripts/make_fixtures.py                      # every file
    /usr/bin/python3 tooling/scripts/make_fixtures.py public_ops.json      # only the named files

Another build of the same torch version can move a float32 convolution sum by an ulp, so
regenerate only the files whose cases you changed (see tooling/fixtures/README.md). Needs only PyTorch (Debian's python3-torch 1.13 is what produced the committed files); numpy and
the `safetensors` package are NOT needed. CI never runs this script: the JSON / safetensors files it
writes into tooling/fixtures/ are committed and read by the TypeScript tests. The file format is
documented in tooling/fixtures/README.md.

Every case seeds torch with a seed derived from its name (crc32), so adding, removing or reordering
cases never changes the numbers of the other cases. All computation is float32 (torch's default);
random inputs are float32 values, and numbers are written as the shortest decimal string that
rounds back to the same float32 (parse, then Math.fround / store in a Float32Array).
"""
import json
import math
import os
import struct
import sys
import zlib

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import weight_norm

torch.set_default_dtype(torch.float32)
torch.set_num_threads(1)  # reduction order is then fixed, so reruns give identical files

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(os.path.dirname(HERE), 'fixtures')
GENERATOR = 'tooling/scripts/make_fixtures.py'
REGENERATE = '/usr/bin/python3 tooling/scripts/make_fixtures.py'
TORCH_VERSION = torch.__version__


# ----------------------------------------------------------------------------------------------
# number / tensor serialization
# ----------------------------------------------------------------------------------------------

class Raw(str):
    """A string written into the JSON text verbatim (used for pre-formatted numbers)."""


def _f32(v):
    return struct.unpack('<f', struct.pack('<f', v))[0]


def f32_str(v):
    """Shortest decimal that rounds (to nearest float32) back to the float32 value v."""
    v = float(v)
    if not math.isfinite(v):
        raise ValueError('non-finite value in fixture: %r' % v)
    v = _f32(v)
    for p in range(1, 10):
        s = '%.*g' % (p, v)
        if _f32(float(s)) == v:
            return Raw(repr(float(s)))
    raise AssertionError('unreachable: 9 significant digits always round-trip float32')


def T(t):
    """Tensor -> {"shape", ["dtype",] "data"} (row-major / C order). float32 has no dtype key."""
    t = t.detach().contiguous()
    shape = list(t.shape)
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.float32:
        return {'shape': shape, 'data': [f32_str(v) for v in flat]}
    if t.dtype == torch.bool:
        return {'shape': shape, 'dtype': 'bool', 'data': [1 if v else 0 for v in flat]}
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': shape, 'dtype': 'int64', 'data': [int(v) for v in flat]}
    raise TypeError('unsupported dtype %s' % t.dtype)


def _is_scalar(v):
    return v is None or isinstance(v, (bool, int, float, str))


def dumps(obj, indent=0):
    """JSON with structure indented but every tensor / flat list on one line."""
    pad = '  ' * indent
    if isinstance(obj, Raw):
        return str(obj)
    if _is_scalar(obj):
        return json.dumps(obj)
    if isinstance(obj, (list, tuple)):
        if all(_is_scalar(v) for v in obj):
            return '[' + ','.join(dumps(v) for v in obj) + ']'
        return '[\n' + ',\n'.join(pad + '  ' + dumps(v, indent + 1) for v in obj) + '\n' + pad + ']'
    if isinstance(obj, dict):
        if 'shape' in obj and 'data' in obj:  # a tensor: one line
            return '{' + ', '.join('%s: %s' % (json.dumps(k), dumps(v)) for k, v in obj.items()) + '}'
        if all(_is_scalar(v) or (isinstance(v, (list, tuple)) and all(_is_scalar(x) for x in v))
               for v in obj.values()) and len(obj) <= 8:
            return '{' + ', '.join('%s: %s' % (json.dumps(k), dumps(v)) for k, v in obj.items()) + '}'
        return '{\n' + ',\n'.join('%s  %s: %s' % (pad, json.dumps(k), dumps(v, indent + 1))
                                  for k, v in obj.items()) + '\n' + pad + '}'
    raise TypeError('cannot serialize %r' % type(obj))


def write_json(filename, description, cases_key, cases, extra=None):
    doc = {
        'generator': GENERATOR,
        'regenerate': REGENERATE,
        'torch': TORCH_VERSION,
        'dtype': 'float32',
        'description': description,
    }
    if extra:
        doc.update(extra)
    doc[cases_key] = cases
    path = os.path.join(OUT_DIR, filename)
    with open(path, 'w') as f:
        f.write(dumps(doc) + '\n')
    return path


def seed_of(name):
    return zlib.crc32(name.encode('utf-8')) & 0x7FFFFFFF


def rn(*shape):
    return torch.randn(tuple(shape))


def runif(lo, hi, *shape):
    return lo + (hi - lo) * torch.rand(tuple(shape))


def away_from_zero(*shape, lo=0.5, hi=1.5):
    """Random values with |v| in [lo, hi) and a random sign (safe divisors / kink-free inputs)."""
    sign = torch.where(torch.rand(tuple(shape)) < 0.5, -1.0, 1.0)
    return sign * runif(lo, hi, *shape)


# ----------------------------------------------------------------------------------------------
# generic forward/backward case
# ----------------------------------------------------------------------------------------------

def run_case(name, op, attrs, build, fn, upstream='random', extra_out=None, differentiable=True):
    """build() -> {input name: tensor}; fn(inputs, attrs) -> output or (output, intermediates).

    Every floating-point input is differentiated; integer/bool inputs (labels, indices, conditions)
    are not. grads[k] = d sum(output * upstream) / d inputs[k].
    """
    seed = seed_of(name)
    torch.manual_seed(seed)
    raw = build()
    leaves = {}
    for k, v in raw.items():
        v = v.detach().clone()
        if v.is_floating_point() and differentiable:
            v.requires_grad_(True)
        leaves[k] = v
    res = fn(leaves, attrs)
    inter = None
    if isinstance(res, tuple):
        res, inter = res
    if upstream == 'random':
        up = torch.randn(res.shape)
    else:
        up = torch.ones(res.shape)
    if differentiable:
        (res * up).sum().backward()
    case = {
        'name': name,
        'op': op,
        'seed': seed,
        'attrs': attrs,
        'inputs': {k: T(v) for k, v in raw.items()},
        'output': T(res),
    }
    if inter:
        case['intermediates'] = {k: T(v) for k, v in inter.items()}
    case['upstream'] = T(up)
    grads = {}
    for k, v in leaves.items():
        if v.requires_grad:
            assert v.grad is not None, (name, k)
            grads[k] = T(v.grad)
    case['grads'] = grads
    if not differentiable:
        case['differentiable'] = False  # piecewise constant or a backward kernel: no gradients
    if extra_out:
        case.update(extra_out(leaves, attrs))
    return case


# ----------------------------------------------------------------------------------------------
# 1. ops.json
# ----------------------------------------------------------------------------------------------

def _dims(x, dim):
    return tuple(range(x.dim())) if dim is None else tuple(dim)


def _t(x, flag):
    return x.transpose(-1, -2) if flag else x


UNARY = {
    'neg': lambda x, a: torch.neg(x),
    'exp': lambda x, a: torch.exp(x),
    'log': lambda x, a: torch.log(x),
    'sqrt': lambda x, a: torch.sqrt(x),
    'reciprocal': lambda x, a: torch.reciprocal(x),
    'sin': lambda x, a: torch.sin(x),
    'cos': lambda x, a: torch.cos(x),
    'tanh': lambda x, a: torch.tanh(x),
    'sigmoid': lambda x, a: torch.sigmoid(x),
    'abs': lambda x, a: torch.abs(x),
    'relu': lambda x, a: F.relu(x),
    'leaky_relu': lambda x, a: F.leaky_relu(x, a['negative_slope']),
    'elu': lambda x, a: F.elu(x, a['alpha']),
    'softplus': lambda x, a: F.softplus(x, a['beta'], a['threshold']),
}

BINARY = {
    'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div,
    'maximum': torch.maximum, 'minimum': torch.minimum, 'pow': torch.pow,
}


def op_impl(op):
    """The single PyTorch implementation of each op name; it reads everything from attrs."""
    if op == 'conv2d':
        def f(t, a):
            x = t['x']
            if 'pad' in a:
                x = F.pad(x, a['pad'])
            return F.conv2d(x, t['w'], t.get('b'), stride=a['stride'], padding=a['padding'],
                            dilation=a['dilation'], groups=a['groups'])
        return f
    if op == 'conv_transpose2d':
        return lambda t, a: F.conv_transpose2d(
            t['x'], t['w'], t.get('b'), stride=a['stride'], padding=a['padding'],
            output_padding=a['output_padding'], groups=a['groups'], dilation=a['dilation'])
    if op == 'max_pool2d':
        return lambda t, a: F.max_pool2d(t['x'], a['kernel_size'], a['stride'], a['padding'],
                                         a['dilation'], ceil_mode=a['ceil_mode'])
    if op == 'avg_pool2d':
        return lambda t, a: F.avg_pool2d(t['x'], a['kernel_size'], a['stride'], a['padding'],
                                         ceil_mode=a['ceil_mode'],
                                         count_include_pad=a['count_include_pad'])
    if op == 'adaptive_avg_pool2d':
        return lambda t, a: F.adaptive_avg_pool2d(t['x'], a['output_size'])
    if op == 'matmul':
        return lambda t, a: torch.matmul(_t(t['a'], a['transpose_a']), _t(t['b'], a['transpose_b']))
    if op == 'softmax':
        return lambda t, a: F.softmax(t['x'], dim=a['dim'])
    if op == 'log_softmax':
        return lambda t, a: F.log_softmax(t['x'], dim=a['dim'])
    if op == 'logsumexp':
        return lambda t, a: torch.logsumexp(t['x'], dim=a['dim'], keepdim=a['keepdim'])
    if op == 'cross_entropy':
        return lambda t, a: F.cross_entropy(t['logits'], t['labels'], reduction=a['reduction'])
    if op == 'binary_cross_entropy_with_logits':
        return lambda t, a: F.binary_cross_entropy_with_logits(t['logits'], t['targets'],
                                                               reduction=a['reduction'])
    if op in UNARY:
        return lambda t, a: UNARY[op](t['x'], a)
    if op in BINARY:
        return lambda t, a: BINARY[op](t['a'], t['b'])
    if op == 'sum':
        return lambda t, a: torch.sum(t['x'], dim=_dims(t['x'], a['dim']), keepdim=a['keepdim'])
    if op == 'mean':
        return lambda t, a: torch.mean(t['x'], dim=_dims(t['x'], a['dim']), keepdim=a['keepdim'])
    if op == 'max':
        return lambda t, a: torch.amax(t['x'], dim=_dims(t['x'], a['dim']), keepdim=a['keepdim'])
    if op == 'var':
        return lambda t, a: torch.var(t['x'], dim=_dims(t['x'], a['dim']), unbiased=a['unbiased'],
                                      keepdim=a['keepdim'])
    if op == 'where':
        return lambda t, a: torch.where(t['cond'], t['a'], t['b'])
    if op == 'gather':
        return lambda t, a: torch.gather(t['x'], a['dim'], t['index'])
    if op == 'index_select':
        return lambda t, a: torch.index_select(t['x'], a['dim'], t['index'])
    if op == 'pad':
        return lambda t, a: F.pad(t['x'], a['pad'], mode=a['mode'], value=a['value'])
    if op == 'transpose':
        return lambda t, a: torch.transpose(t['x'], a['dim0'], a['dim1'])
    if op == 'permute':
        return lambda t, a: t['x'].permute(*a['dims'])
    if op == 'concat':
        return lambda t, a: torch.cat([t['x%d' % i] for i in range(len(t))], dim=a['dim'])
    raise KeyError(op)


def ops_cases():
    cases = []

    def add(name, op, attrs, build):
        cases.append(run_case(name, op, attrs, build, op_impl(op)))

    # --- conv2d: x [N, Cin, H, W], w [Cout, Cin/groups, kh, kw], b [Cout] ----------------------
    def conv(stride=(1, 1), padding=(0, 0), dilation=(1, 1), pad=None):
        a = {'stride': list(stride), 'padding': list(padding), 'dilation': list(dilation), 'groups': 1}
        if pad is not None:
            a['pad'] = list(pad)
        return a

    def conv_in(x, w, bias=True):
        def b():
            d = {'x': rn(*x), 'w': rn(*w) * 0.5}
            if bias:
                d['b'] = rn(w[0])
            return d
        return b

    add('conv2d_3x3_stride1_pad0', 'conv2d', conv(), conv_in([2, 3, 5, 5], [4, 3, 3, 3]))
    add('conv2d_3x3_stride1_pad1', 'conv2d', conv(padding=(1, 1)), conv_in([2, 3, 5, 5], [4, 3, 3, 3]))
    add('conv2d_3x3_stride2_pad1', 'conv2d', conv((2, 2), (1, 1)), conv_in([2, 3, 7, 7], [4, 3, 3, 3]))
    add('conv2d_3x3_stride2_pad0_even_input', 'conv2d', conv((2, 2)), conv_in([2, 3, 6, 6], [4, 3, 3, 3]))
    add('conv2d_3x3_stride2_nonsquare_input', 'conv2d', conv((2, 2), (1, 1)),
        conv_in([2, 3, 6, 9], [4, 3, 3, 3]))
    add('conv2d_2x3_kernel_stride2x1_pad1x0', 'conv2d', conv((2, 1), (1, 0)),
        conv_in([2, 3, 5, 6], [4, 3, 2, 3]))
    add('conv2d_3x3_dilation2_pad0', 'conv2d', conv(dilation=(2, 2)), conv_in([2, 3, 7, 7], [4, 3, 3, 3]))
    add('conv2d_3x3_dilation2_pad2', 'conv2d', conv(padding=(2, 2), dilation=(2, 2)),
        conv_in([2, 3, 5, 6], [4, 3, 3, 3]))
    add('conv2d_1x1', 'conv2d', conv(), conv_in([2, 3, 4, 5], [4, 3, 1, 1]))
    add('conv2d_1x1_stride2', 'conv2d', conv((2, 2)), conv_in([2, 3, 5, 6], [4, 3, 1, 1]))
    add('conv2d_no_bias', 'conv2d', conv(padding=(1, 1)), conv_in([2, 3, 4, 4], [4, 3, 3, 3], bias=False))
    # asymmetric zero padding: F.pad(x, pad) with pad = [left, right, top, bottom], then conv2d
    add('conv2d_asym_pad_l0_r1_t1_b2', 'conv2d', conv(pad=(0, 1, 1, 2)),
        conv_in([2, 3, 5, 5], [4, 3, 3, 3]))
    add('conv2d_asym_pad_same_stride2', 'conv2d', conv((2, 2), pad=(0, 1, 0, 1)),
        conv_in([2, 3, 6, 6], [4, 3, 3, 3]))

    # --- conv_transpose2d: x [N, Cin, H, W], w [Cin, Cout/groups, kh, kw], b [Cout] -------------
    def convt(stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1)):
        return {'stride': list(stride), 'padding': list(padding), 'output_padding': list(output_padding),
                'dilation': list(dilation), 'groups': 1}

    def convt_in(x, w, bias=True):
        def b():
            d = {'x': rn(*x), 'w': rn(*w) * 0.5}
            if bias:
                d['b'] = rn(w[1])
            return d
        return b

    add('conv_transpose2d_3x3_stride1_pad0', 'conv_transpose2d', convt(), convt_in([2, 3, 3, 4], [3, 4, 3, 3]))
    add('conv_transpose2d_3x3_stride2_pad1_outpad1', 'conv_transpose2d', convt((2, 2), (1, 1), (1, 1)),
        convt_in([2, 3, 3, 4], [3, 4, 3, 3]))
    add('conv_transpose2d_4x4_stride2_pad1', 'conv_transpose2d', convt((2, 2), (1, 1)),
        convt_in([2, 3, 3, 3], [3, 4, 4, 4]))
    add('conv_transpose2d_2x3_stride2x1_pad0', 'conv_transpose2d', convt((2, 1)),
        convt_in([2, 3, 3, 4], [3, 4, 2, 3]))
    add('conv_transpose2d_3x3_stride2_pad0_no_bias', 'conv_transpose2d', convt((2, 2)),
        convt_in([2, 3, 2, 3], [3, 4, 3, 3], bias=False))

    # --- pooling -------------------------------------------------------------------------------
    def maxp(k, s, p):
        return {'kernel_size': list(k), 'stride': list(s), 'padding': list(p), 'dilation': [1, 1],
                'ceil_mode': False}

    def avgp(k, s, p, cip=True):
        return {'kernel_size': list(k), 'stride': list(s), 'padding': list(p), 'ceil_mode': False,
                'count_include_pad': cip}

    add('max_pool2d_k2_s2', 'max_pool2d', maxp((2, 2), (2, 2), (0, 0)), lambda: {'x': rn(2, 3, 6, 6)})
    add('max_pool2d_k2_s2_odd_input', 'max_pool2d', maxp((2, 2), (2, 2), (0, 0)), lambda: {'x': rn(2, 3, 5, 7)})
    add('max_pool2d_k3_s2_p1', 'max_pool2d', maxp((3, 3), (2, 2), (1, 1)), lambda: {'x': rn(2, 3, 7, 7)})
    add('max_pool2d_k3_s2_p1_nonsquare', 'max_pool2d', maxp((3, 3), (2, 2), (1, 1)), lambda: {'x': rn(2, 2, 6, 9)})
    add('avg_pool2d_k2_s2', 'avg_pool2d', avgp((2, 2), (2, 2), (0, 0)), lambda: {'x': rn(2, 3, 6, 6)})
    add('avg_pool2d_k3_s1_p1_count_include_pad', 'avg_pool2d', avgp((3, 3), (1, 1), (1, 1), True),
        lambda: {'x': rn(2, 3, 5, 5)})
    add('avg_pool2d_k3_s2_p1_exclude_pad', 'avg_pool2d', avgp((3, 3), (2, 2), (1, 1), False),
        lambda: {'x': rn(2, 3, 5, 6)})
    add('adaptive_avg_pool2d_global', 'adaptive_avg_pool2d', {'output_size': [1, 1]},
        lambda: {'x': rn(2, 3, 4, 5)})
    add('adaptive_avg_pool2d_global_1x1_input', 'adaptive_avg_pool2d', {'output_size': [1, 1]},
        lambda: {'x': rn(2, 4, 1, 1)})
    add('adaptive_avg_pool2d_2x3_divisible', 'adaptive_avg_pool2d', {'output_size': [2, 3]},
        lambda: {'x': rn(2, 3, 4, 6)})
    add('global_avg_pool_as_mean_hw', 'mean', {'dim': [2, 3], 'keepdim': False},
        lambda: {'x': rn(2, 3, 4, 5)})

    # --- matmul --------------------------------------------------------------------------------
    def mm(name, sa, sb, ta=False, tb=False):
        add(name, 'matmul', {'transpose_a': ta, 'transpose_b': tb}, lambda: {'a': rn(*sa), 'b': rn(*sb)})

    mm('matmul_2d', [3, 4], [4, 5])
    mm('matmul_2d_transpose_a', [4, 3], [4, 5], ta=True)
    mm('matmul_2d_transpose_b', [3, 4], [5, 4], tb=True)
    mm('matmul_2d_transpose_a_b', [4, 3], [5, 4], ta=True, tb=True)
    mm('matmul_batched_3d', [2, 3, 4], [2, 4, 5])
    mm('matmul_batched_3d_transpose_b', [2, 3, 4], [2, 5, 4], tb=True)
    mm('matmul_batched_3d_transpose_a', [2, 4, 3], [2, 4, 5], ta=True)
    mm('matmul_broadcast_3d_by_2d', [2, 3, 4], [4, 5])
    mm('matmul_broadcast_2d_by_3d', [3, 4], [2, 4, 5])
    mm('matmul_broadcast_batch1', [1, 3, 4], [2, 4, 5])
    mm('matmul_broadcast_4d', [2, 1, 3, 4], [3, 4, 2])

    # --- softmax family ------------------------------------------------------------------------
    add('softmax_dim_last', 'softmax', {'dim': -1}, lambda: {'x': rn(3, 5) * 2})
    add('softmax_4d_dim1', 'softmax', {'dim': 1}, lambda: {'x': rn(2, 3, 2, 2) * 2})
    add('softmax_large_logits', 'softmax', {'dim': -1}, lambda: {'x': away_from_zero(3, 4, lo=40, hi=80)})
    add('log_softmax_dim_last', 'log_softmax', {'dim': -1}, lambda: {'x': rn(3, 5) * 2})
    add('log_softmax_4d_dim1', 'log_softmax', {'dim': 1}, lambda: {'x': rn(2, 3, 2, 2) * 2})
    add('log_softmax_large_logits', 'log_softmax', {'dim': -1},
        lambda: {'x': away_from_zero(3, 4, lo=40, hi=80)})
    add('logsumexp_dim_last', 'logsumexp', {'dim': -1, 'keepdim': False}, lambda: {'x': rn(3, 5) * 2})
    add('logsumexp_dim1_keepdim', 'logsumexp', {'dim': 1, 'keepdim': True}, lambda: {'x': rn(2, 3, 4) * 2})
    add('logsumexp_large', 'logsumexp', {'dim': -1, 'keepdim': False},
        lambda: {'x': away_from_zero(3, 4, lo=60, hi=100)})

    # --- losses --------------------------------------------------------------------------------
    add('cross_entropy_mean', 'cross_entropy', {'reduction': 'mean'},
        lambda: {'logits': rn(6, 4) * 2, 'labels': torch.randint(0, 4, (6,))})
    add('cross_entropy_sum', 'cross_entropy', {'reduction': 'sum'},
        lambda: {'logits': rn(5, 3) * 2, 'labels': torch.randint(0, 3, (5,))})
    add('cross_entropy_extreme_logits_80', 'cross_entropy', {'reduction': 'mean'},
        lambda: {'logits': torch.where(torch.rand(6, 4) < 0.5, -80.0, 80.0),
                 'labels': torch.tensor([0, 1, 2, 3, 1, 2])})
    add('binary_cross_entropy_with_logits_mean', 'binary_cross_entropy_with_logits', {'reduction': 'mean'},
        lambda: {'logits': rn(4, 3) * 2, 'targets': torch.rand(4, 3)})
    add('binary_cross_entropy_with_logits_hard_targets', 'binary_cross_entropy_with_logits',
        {'reduction': 'mean'},
        lambda: {'logits': rn(5,) * 3, 'targets': (torch.rand(5) < 0.5).float()})
    add('binary_cross_entropy_with_logits_extreme_80', 'binary_cross_entropy_with_logits',
        {'reduction': 'mean'},
        lambda: {'logits': torch.tensor([80.0, -80.0, 80.0, -80.0, 30.0, -30.0]),
                 'targets': torch.tensor([1.0, 0.0, 0.0, 1.0, 0.25, 0.75])})

    # --- elementwise unary ---------------------------------------------------------------------
    add('exp', 'exp', {}, lambda: {'x': rn(3, 4)})
    add('log', 'log', {}, lambda: {'x': runif(0.05, 4.0, 3, 4)})
    add('sqrt', 'sqrt', {}, lambda: {'x': runif(0.05, 4.0, 3, 4)})
    add('tanh', 'tanh', {}, lambda: {'x': rn(3, 4) * 2})
    add('sigmoid', 'sigmoid', {}, lambda: {'x': rn(3, 4) * 3})
    add('abs', 'abs', {}, lambda: {'x': away_from_zero(3, 4, lo=0.05, hi=2)})
    add('relu', 'relu', {}, lambda: {'x': away_from_zero(3, 4, lo=0.05, hi=2)})
    add('leaky_relu_0.1', 'leaky_relu', {'negative_slope': 0.1}, lambda: {'x': away_from_zero(3, 4, lo=0.05, hi=2)})
    add('elu', 'elu', {'alpha': 1.0}, lambda: {'x': away_from_zero(3, 4, lo=0.05, hi=3)})
    add('softplus', 'softplus', {'beta': 1.0, 'threshold': 20.0}, lambda: {'x': rn(3, 4) * 3})
    add('softplus_beyond_threshold', 'softplus', {'beta': 1.0, 'threshold': 20.0},
        lambda: {'x': torch.tensor([-40.0, -25.0, -19.5, 19.5, 20.5, 25.0, 40.0, 0.0])})
    add('neg', 'neg', {}, lambda: {'x': rn(3, 4)})
    add('reciprocal', 'reciprocal', {}, lambda: {'x': away_from_zero(3, 4)})
    add('sin', 'sin', {}, lambda: {'x': rn(3, 4) * 2})
    add('cos', 'cos', {}, lambda: {'x': rn(3, 4) * 2})

    # --- binary with broadcasting --------------------------------------------------------------
    add('add_broadcast_2x3x1_4', 'add', {}, lambda: {'a': rn(2, 3, 1), 'b': rn(4)})
    add('sub_broadcast_2x3x1_4', 'sub', {}, lambda: {'a': rn(2, 3, 1), 'b': rn(4)})
    add('mul_broadcast_2x3x1_4', 'mul', {}, lambda: {'a': rn(2, 3, 1), 'b': rn(4)})
    add('div_broadcast_2x3x1_4', 'div', {}, lambda: {'a': rn(2, 3, 1), 'b': away_from_zero(4)})
    add('maximum_broadcast_2x3x1_4', 'maximum', {}, lambda: {'a': rn(2, 3, 1), 'b': rn(4)})
    add('minimum_broadcast_2x3x1_4', 'minimum', {}, lambda: {'a': rn(2, 3, 1), 'b': rn(4)})
    add('pow_broadcast_2x3x1_4', 'pow', {}, lambda: {'a': runif(0.2, 2.0, 2, 3, 1), 'b': rn(4)})
    add('add_same_shape', 'add', {}, lambda: {'a': rn(2, 3), 'b': rn(2, 3)})
    add('mul_broadcast_3x1_1x4', 'mul', {}, lambda: {'a': rn(3, 1), 'b': rn(1, 4)})
    add('div_broadcast_scalar_shape', 'div', {}, lambda: {'a': rn(2, 3), 'b': away_from_zero()})

    # --- reductions ----------------------------------------------------------------------------
    for op in ('sum', 'mean', 'max', 'var'):
        for dim, keepdim in ((None, False), ([1], False), ([0, 2], True), ([-1], True)):
            attrs = {'dim': dim, 'keepdim': keepdim}
            if op == 'var':
                attrs['unbiased'] = False
            tag = 'all' if dim is None else 'dim' + '_'.join(str(d).replace('-', 'neg') for d in dim)
            add('%s_%s%s' % (op, tag, '_keepdim' if keepdim else ''), op, attrs, lambda: {'x': rn(2, 3, 4)})

    # --- where / gather / index_select / pad / transpose / permute / concat --------------------
    add('where_same_shape', 'where', {}, lambda: {'cond': torch.rand(2, 3) < 0.5, 'a': rn(2, 3), 'b': rn(2, 3)})
    add('where_broadcast', 'where', {},
        lambda: {'cond': torch.rand(2, 3, 1) < 0.5, 'a': rn(2, 3, 4), 'b': rn(4)})
    add('gather_dim1', 'gather', {'dim': 1},
        lambda: {'x': rn(3, 4), 'index': torch.tensor([[0, 3], [2, 2], [1, 0]])})
    add('gather_dim0', 'gather', {'dim': 0},
        lambda: {'x': rn(3, 4), 'index': torch.tensor([[2, 0, 1, 2], [2, 2, 0, 1]])})
    add('gather_dim_last_3d', 'gather', {'dim': -1},
        lambda: {'x': rn(2, 3, 4), 'index': torch.randint(0, 4, (2, 3, 3))})
    add('index_select_dim0', 'index_select', {'dim': 0},
        lambda: {'x': rn(4, 3), 'index': torch.tensor([2, 0, 2, 3, 1])})
    add('index_select_dim1', 'index_select', {'dim': 1},
        lambda: {'x': rn(2, 4, 3), 'index': torch.tensor([3, 3, 0])})
    add('pad_last_dim', 'pad', {'pad': [1, 2], 'mode': 'constant', 'value': 0.0}, lambda: {'x': rn(2, 3, 3)})
    add('pad_last_two_dims_value', 'pad', {'pad': [1, 0, 2, 1], 'mode': 'constant', 'value': 1.5},
        lambda: {'x': rn(2, 3, 3)})
    add('pad_4d_three_dims', 'pad', {'pad': [0, 1, 1, 1, 2, 0], 'mode': 'constant', 'value': 0.0},
        lambda: {'x': rn(1, 2, 3, 3)})
    add('transpose_0_2', 'transpose', {'dim0': 0, 'dim1': 2}, lambda: {'x': rn(2, 3, 4)})
    add('transpose_last_two', 'transpose', {'dim0': -2, 'dim1': -1}, lambda: {'x': rn(2, 3, 4)})
    add('permute_2_0_1', 'permute', {'dims': [2, 0, 1]}, lambda: {'x': rn(2, 3, 4)})
    add('permute_nchw_to_nhwc', 'permute', {'dims': [0, 2, 3, 1]}, lambda: {'x': rn(2, 3, 2, 4)})
    add('concat_dim1', 'concat', {'dim': 1}, lambda: {'x0': rn(2, 3), 'x1': rn(2, 1), 'x2': rn(2, 2)})
    add('concat_dim0', 'concat', {'dim': 0}, lambda: {'x0': rn(1, 3), 'x1': rn(2, 3)})
    add('concat_dim_last_3d', 'concat', {'dim': -1}, lambda: {'x0': rn(2, 2, 3), 'x1': rn(2, 2, 1)})
    return cases


# ----------------------------------------------------------------------------------------------
# 1b. public_ops.json: every public @wn/tensor op that ops.json does not cover
# ----------------------------------------------------------------------------------------------

FUSED_UNARY = {
    'neg': torch.neg, 'exp': torch.exp, 'log': torch.log, 'sqrt': torch.sqrt, 'abs': torch.abs,
    'sign': torch.sign, 'tanh': torch.tanh, 'sigmoid': torch.sigmoid, 'reciprocal': torch.reciprocal,
    'sin': torch.sin, 'cos': torch.cos, 'floor': torch.floor,
}
FUSED_BINARY = {
    'add': torch.add, 'sub': torch.sub, 'mul': torch.mul, 'div': torch.div, 'pow': torch.pow,
    'maximum': torch.maximum, 'minimum': torch.minimum,
    'equal': lambda a, b: (a == b).float(), 'less': lambda a, b: (a < b).float(),
    'greater': lambda a, b: (a > b).float(),
}


def run_program(program, inputs):
    """A @wn FusedProgram ({inputs, body}) evaluated instruction by instruction with torch ops."""
    values = list(inputs)
    for ins in program['body']:
        op = ins['op']
        if op == 'const':
            values.append(torch.tensor(float(ins['value'])))
        elif op == 'where':
            c, a, b = (values[i] for i in ins['args'])
            values.append(torch.where(c != 0, a, b))
        elif op in FUSED_UNARY:
            values.append(FUSED_UNARY[op](values[ins['args'][0]]))
        else:
            a, b = (values[i] for i in ins['args'])
            values.append(FUSED_BINARY[op](a, b))
    return values


def _conv_attrs_torch(a):
    """@wn Conv2dAttrs (pad [top, bottom, left, right]) -> F.pad order and conv2d keywords."""
    t, b, l, r = a['pad']
    return [l, r, t, b], {'stride': a['stride'], 'dilation': a['dilation']}


def public_op_impl(op):
    if op == 'square':
        return lambda t, a: torch.square(t['x'])
    if op in ('sign', 'floor'):
        return lambda t, a: getattr(torch, op)(t['x'])
    if op in ('equal', 'less', 'greater'):
        return lambda t, a: FUSED_BINARY[op](t['a'], t['b'])
    if op == 'min':
        return lambda t, a: torch.amin(t['x'], dim=_dims(t['x'], a['dim']), keepdim=a['keepdim'])
    if op == 'argmax':
        return lambda t, a: torch.argmax(t['x'], dim=a['dim'], keepdim=a['keepdim'])
    if op == 'l2_normalize':
        # x / max(‖x‖₂, eps) over `dim` (F.normalize for one axis, vector_norm for several)
        def f(t, a):
            x = t['x']
            if len(a['dim']) == 1:
                return F.normalize(x, p=2.0, dim=a['dim'][0], eps=a['eps'])
            return x / torch.linalg.vector_norm(x, 2, dim=a['dim'], keepdim=True).clamp_min(a['eps'])
        return f
    if op == 'split':
        def f(t, a):
            parts = torch.split(t['x'], a['sizes'], dim=a['dim'])
            return (torch.cat([p.reshape(-1) for p in parts]),
                    {'part%d' % i: p for i, p in enumerate(parts)})
        return f
    if op == 'stack':
        return lambda t, a: torch.stack([t['x%d' % i] for i in range(len(t))], dim=a['dim'])
    if op == 'slice':
        def f(t, a):
            y = t['x']
            for d, (b, n) in enumerate(zip(a['begin'], a['size'])):
                y = y.narrow(d, b, n)
            return y
        return f
    if op == 'squeeze':
        def f(t, a):
            x = t['x']
            if a['dim'] is None:
                return torch.squeeze(x)
            keep = [s for i, s in enumerate(x.shape) if i not in [d % x.dim() for d in a['dim']]]
            return x.reshape(keep)
        return f
    if op == 'unsqueeze':
        return lambda t, a: torch.unsqueeze(t['x'], a['dim'])
    if op == 'flatten':
        return lambda t, a: torch.flatten(t['x'], start_dim=a['start_dim'])
    if op == 'reshape':
        return lambda t, a: torch.reshape(t['x'], a['shape'])
    if op == 'broadcast_to':
        return lambda t, a: torch.broadcast_to(t['x'], a['shape'])
    if op == 'one_hot':
        return lambda t, a: F.one_hot(t['labels'], a['num_classes']).float()
    if op == 'index_add':
        # scatterAdd(updates, index, dim, shape) = zeros(shape).index_add(dim, index, updates)
        return lambda t, a: torch.zeros(a['shape']).index_add(a['dim'], t['index'], t['updates'])
    if op in ('fused_elementwise', 'fused_decomposition'):
        def f(t, a):
            values = run_program(a['program'], [t['x%d' % i] for i in range(a['program']['inputs'])])
            y = values[-1]
            inter = {'value%d' % k: v for k, v in enumerate(values) if k >= a['program']['inputs']}
            return (y, inter) if op == 'fused_decomposition' else y
        return f
    if op == 'conv2d_with_attrs':
        def f(t, a):
            pad, kw = _conv_attrs_torch(a)
            return F.conv2d(F.pad(t['x'], pad), t['w'], **kw)
        return f
    if op == 'conv2d_backprop_input':
        def f(t, a):
            pad, kw = _conv_attrs_torch(a)
            xp = torch.zeros(a['input_shape'][:2] + [a['input_shape'][2] + pad[2] + pad[3],
                                                     a['input_shape'][3] + pad[0] + pad[1]])
            # the input gradient of conv2d(pad(x), w) at upstream dy, as a differentiable function
            # of dy and w: conv2d is linear in x, so it is the vector-Jacobian product below
            x = torch.zeros(a['input_shape'], requires_grad=True)
            y = F.conv2d(F.pad(x, pad), t['w'], **kw)
            (dx,) = torch.autograd.grad(y, x, t['dy'], create_graph=True)
            del xp
            return dx
        return f
    if op == 'conv2d_backprop_filter':
        def f(t, a):
            pad, kw = _conv_attrs_torch(a)
            w = torch.zeros(a['weight_shape'], requires_grad=True)
            y = F.conv2d(F.pad(t['x'], pad), w, **kw)
            (dw,) = torch.autograd.grad(y, w, t['dy'])
            return dw
        return f
    if op == 'weight_normalize':
        # w = v * (g / ||v||) per index of `dim`: what torch.nn.utils.weight_norm computes
        return lambda t, a: torch._weight_norm(t['v'], t['g'], a['dim'])
    if op == 'weight_normalize_backward':
        # the gradient of v or g at upstream dw, by torch's own weight-norm backward
        def f(t, a):
            v = t['v'].detach().requires_grad_(True)
            g = t['g'].detach().requires_grad_(True)
            w = torch._weight_norm(v, g, a['dim'])
            (gv, gg) = torch.autograd.grad(w, (v, g), t['dw'])
            return gv if a['wrt'] == 'v' else gg
        return f
    if op == 'batch_normalize':
        # training-mode batch norm with the batch's statistics (no running statistics)
        return lambda t, a: torch.nn.functional.batch_norm(t['x'], None, None, t['weight'], t['bias'], training=True, eps=a['eps'])
    if op == 'batch_normalize_backward':
        # the gradient of x, weight or bias at upstream dy, by torch's own batch-norm backward
        def f(t, a):
            x = t['x'].detach().requires_grad_(True)
            w = t['weight'].detach().requires_grad_(True)
            b = torch.zeros_like(w, requires_grad=True)
            y = torch.nn.functional.batch_norm(x, None, None, w, b, training=True, eps=a['eps'])
            gx, gw, gb = torch.autograd.grad(y, (x, w, b), t['dy'])
            return {'x': gx, 'weight': gw, 'bias': gb}[a['wrt']]
        return f
    if op in ('lstm_cell', 'lstm_cell_state', 'lstm_cell_output'):
        # PyTorch's own LSTM cell on the gates: input = gates, W_ih = I, W_hh = 0, no biases, so
        # its gates are ours exactly; lstm_cell gives [h', c'] joined along axis 1, lstm_cell_output
        # h' = sigmoid(o)*tanh(c_next) (with c_next given, not computed)
        def f(t, a):
            if op == 'lstm_cell_output':
                o = t['gates'].chunk(4, 1)[3]
                return torch.sigmoid(o) * torch.tanh(t['c_next'])
            n, h = t['c'].shape
            h1, c1 = torch.lstm_cell(t['gates'], (torch.zeros(n, h), t['c']), torch.eye(4 * h), torch.zeros(4 * h, h))
            return {'lstm_cell': lambda: torch.cat([h1, c1], 1), 'lstm_cell_state': lambda: c1}[op]()
        return f
    if op in ('gaussian_filterbank', 'gaussian_filterbank_backward'):
        # DRAW's filterbank (Gregor et al. 2015, eq. 25-26 with 0-indexed filters), rows divided by
        # max(sum, floor); the backward is torch's autograd of it, the three gradients as rows of [3, B]
        def bank(c, d, s, a):
            n, length = a['n'], a['length']
            b = c.numel()
            offsets = (torch.arange(n, dtype=torch.float32) - (n / 2 - 0.5)).view(1, n, 1)
            mu = c.reshape(b, 1, 1) + offsets * d.reshape(b, 1, 1)
            pixels = torch.arange(length, dtype=torch.float32).view(1, 1, length)
            e = torch.exp((pixels - mu) ** 2 / (s.reshape(b, 1, 1) * -2))
            return e / torch.clamp_min(e.sum(2, keepdim=True), a['floor'])
        if op == 'gaussian_filterbank':
            return lambda t, a: bank(t['centre'], t['delta'], t['sigma2'], a)

        def f(t, a):
            xs = [t[k].detach().requires_grad_(True) for k in ('centre', 'delta', 'sigma2')]
            grads = torch.autograd.grad(bank(*xs, a), xs, t['dy'])
            return torch.stack([g.reshape(-1) for g in grads])
        return f
    if op in ('lstm_cell_state_backward', 'lstm_cell_output_backward'):
        # the gradient of the gates or of c (c_next) at upstream dy, by torch's autograd
        def f(t, a):
            gates = t['gates'].detach().requires_grad_(True)
            state = t['c' if op == 'lstm_cell_state_backward' else 'c_next'].detach().requires_grad_(True)
            i, fg, g, o = gates.chunk(4, 1)
            y = torch.sigmoid(fg) * state + torch.sigmoid(i) * torch.tanh(g) if op == 'lstm_cell_state_backward' else torch.sigmoid(o) * torch.tanh(state)
            dg, dc = torch.autograd.grad(y, (gates, state), t['dy'])
            return dg if a['wrt'] == 'gates' else dc
        return f
    if op == 'batch_moments':
        # each channel's mean and biased variance over every axis but 1, as rows of [2, C]
        def f(t, a):
            dims = [d for d in range(t['x'].dim()) if d != 1]
            return torch.stack([t['x'].mean(dims), t['x'].var(dims, unbiased=False)])
        return f
    if op == 'pool2d_backward':
        def f(t, a):
            x = t['x'].detach().requires_grad_(True)
            t_, b_, l_, r_ = a['pad']
            if a['mode'] == 'max':
                y = F.max_pool2d(F.pad(x, [l_, r_, t_, b_], value=-math.inf), a['kernel'], a['stride'])
            else:
                y = F.avg_pool2d(F.pad(x, [l_, r_, t_, b_]), a['kernel'], a['stride'])
            (dx,) = torch.autograd.grad(y, x, t['dy'])
            return dx
        return f
    raise KeyError(op)


def public_ops_cases():
    cases = []

    def add(name, op, attrs, build, differentiable=True):
        c = run_case(name, op, attrs, build, public_op_impl(op), differentiable=differentiable)
        cases.append(c)

    def distinct(lo, hi, *shape):
        """Values in [lo, hi) at least 0.05 away from every integer (floor has no ties)."""
        v = runif(lo, hi, *shape)
        return torch.floor(v) + 0.05 + 0.9 * (v - torch.floor(v))

    def with_ties(*shape):
        a = rn(*shape)
        b = torch.where(torch.rand(shape) < 0.3, a, rn(*shape))
        return {'a': a, 'b': b}

    add('square', 'square', {}, lambda: {'x': rn(3, 5)})
    add('sign', 'sign', {}, lambda: {'x': away_from_zero(3, 5, lo=0.05, hi=2)})
    add('floor', 'floor', {}, lambda: {'x': distinct(-3, 3, 3, 5)})
    for op in ('equal', 'less', 'greater'):
        add(op + '_with_ties', op, {}, lambda: with_ties(4, 5), differentiable=False)
    add('equal_broadcast', 'equal', {}, lambda: {'a': torch.tensor([[1.0], [2.0], [3.0]]),
                                                  'b': torch.tensor([3.0, 2.0, 1.0, 2.0])}, differentiable=False)
    add('min_all', 'min', {'dim': None, 'keepdim': False}, lambda: {'x': rn(2, 3, 4)})
    add('min_dim1', 'min', {'dim': [1], 'keepdim': False}, lambda: {'x': rn(2, 3, 4)})
    add('min_dim0_2_keepdim', 'min', {'dim': [0, 2], 'keepdim': True}, lambda: {'x': rn(2, 3, 4)})
    add('argmax_dim_last', 'argmax', {'dim': -1, 'keepdim': False}, lambda: {'x': rn(3, 5)}, differentiable=False)
    add('argmax_dim0_keepdim', 'argmax', {'dim': 0, 'keepdim': True}, lambda: {'x': rn(4, 2, 3)}, differentiable=False)
    add('l2_normalize_dim1', 'l2_normalize', {'dim': [1], 'eps': 1e-12}, lambda: {'x': rn(2, 3, 4)})
    add('l2_normalize_dims_1_2', 'l2_normalize', {'dim': [1, 2], 'eps': 1e-12}, lambda: {'x': rn(2, 3, 4)})
    add('l2_normalize_dim_last_scaled', 'l2_normalize', {'dim': [-1], 'eps': 1e-12}, lambda: {'x': rn(4, 5) * 30})
    add('split_equal_dim1', 'split', {'sizes': [2, 2, 2], 'dim': 1}, lambda: {'x': rn(2, 6, 3)})
    add('split_sizes_dim_last', 'split', {'sizes': [1, 3, 1], 'dim': -1}, lambda: {'x': rn(3, 5)})
    add('stack_dim0', 'stack', {'dim': 0}, lambda: {'x0': rn(2, 3), 'x1': rn(2, 3), 'x2': rn(2, 3)})
    add('stack_dim_last', 'stack', {'dim': -1}, lambda: {'x0': rn(2, 3), 'x1': rn(2, 3)})
    add('slice_3d', 'slice', {'begin': [1, 0, 2], 'size': [2, 3, 2]}, lambda: {'x': rn(3, 4, 5)})
    add('squeeze_all', 'squeeze', {'dim': None}, lambda: {'x': rn(1, 3, 1, 4)})
    add('squeeze_dim_2', 'squeeze', {'dim': [2]}, lambda: {'x': rn(1, 3, 1, 4)})
    add('unsqueeze_dim1', 'unsqueeze', {'dim': 1}, lambda: {'x': rn(3, 4)})
    add('unsqueeze_dim_last', 'unsqueeze', {'dim': -1}, lambda: {'x': rn(3, 4)})
    add('flatten_start1', 'flatten', {'start_dim': 1}, lambda: {'x': rn(2, 3, 2, 2)})
    add('flatten_start2', 'flatten', {'start_dim': 2}, lambda: {'x': rn(2, 3, 2, 2)})
    add('reshape_infer', 'reshape', {'shape': [4, -1]}, lambda: {'x': rn(2, 3, 2, 2)})
    add('broadcast_to_3d', 'broadcast_to', {'shape': [2, 3, 4]}, lambda: {'x': rn(3, 1)})
    add('broadcast_to_same_rank', 'broadcast_to', {'shape': [3, 4]}, lambda: {'x': rn(1, 4)})
    add('one_hot_depth4', 'one_hot', {'num_classes': 4}, lambda: {'labels': torch.tensor([2, 0, 1, 3, 1])},
        differentiable=False)
    add('index_add_dim0_repeats', 'index_add', {'dim': 0, 'shape': [4, 3]},
        lambda: {'updates': rn(5, 3), 'index': torch.tensor([3, 0, 3, 1, 3])})
    add('index_add_dim1_3d', 'index_add', {'dim': 1, 'shape': [2, 4, 3]},
        lambda: {'updates': rn(2, 3, 3), 'index': torch.tensor([2, 0, 2])})

    # fused programs, as @wn's { inputs, body } data; every operand stays in its op's domain
    adam_like = {'inputs': 6, 'body': [
        {'op': 'sqrt', 'args': [2]}, {'op': 'div', 'args': [6, 3]}, {'op': 'add', 'args': [7, 4]},
        {'op': 'div', 'args': [1, 8]}, {'op': 'mul', 'args': [9, 5]}, {'op': 'sub', 'args': [0, 10]}]}
    every_op = {'inputs': 3, 'body': [
        # a: any sign; b: positive (log, sqrt, pow base); c: |c| >= 0.5 (divisor)
        {'op': 'neg', 'args': [0]}, {'op': 'exp', 'args': [0]}, {'op': 'log', 'args': [1]},
        {'op': 'sqrt', 'args': [1]}, {'op': 'abs', 'args': [0]}, {'op': 'sign', 'args': [2]},
        {'op': 'tanh', 'args': [0]}, {'op': 'sigmoid', 'args': [0]}, {'op': 'reciprocal', 'args': [2]},
        {'op': 'sin', 'args': [0]}, {'op': 'cos', 'args': [0]}, {'op': 'floor', 'args': [2]},
        {'op': 'add', 'args': [3, 4]}, {'op': 'sub', 'args': [15, 5]}, {'op': 'mul', 'args': [16, 6]},
        {'op': 'div', 'args': [17, 2]}, {'op': 'pow', 'args': [1, 0]}, {'op': 'maximum', 'args': [18, 9]},
        {'op': 'minimum', 'args': [20, 10]}, {'op': 'add', 'args': [21, 11]}, {'op': 'add', 'args': [22, 12]},
        {'op': 'add', 'args': [23, 13]}, {'op': 'add', 'args': [24, 14]}, {'op': 'add', 'args': [25, 19]},
        {'op': 'equal', 'args': [8, 14]}, {'op': 'less', 'args': [0, 2]}, {'op': 'greater', 'args': [1, 2]},
        {'op': 'const', 'value': 0.75}, {'op': 'mul', 'args': [28, 30]}, {'op': 'add', 'args': [26, 31]},
        {'op': 'where', 'args': [29, 32, 27]}, {'op': 'add', 'args': [33, 7]}]}
    add('fused_adam_like', 'fused_elementwise', {'program': adam_like},
        lambda: {'x0': rn(5, 7), 'x1': rn(5, 7), 'x2': runif(0.25, 2.25, 5, 7),
                 'x3': torch.tensor(0.97), 'x4': torch.tensor(1e-3), 'x5': torch.tensor(0.01)})
    add('fused_every_op_broadcast', 'fused_elementwise', {'program': every_op},
        lambda: {'x0': rn(2, 3, 4), 'x1': runif(0.25, 2.25, 4), 'x2': away_from_zero(3, 1)})
    add('fused_every_op_decomposition', 'fused_decomposition', {'program': every_op},
        lambda: {'x0': rn(3, 4), 'x1': runif(0.25, 2.25, 3, 4), 'x2': away_from_zero(3, 4)})

    # the conv and pool kernels' backward entry points, with @wn's attrs (pad = [top, bottom, left, right])
    def cattrs(stride, pad, dilation=(1, 1)):
        return {'stride': list(stride), 'pad': list(pad), 'dilation': list(dilation)}

    add('conv2d_with_attrs_asym_pad_stride2', 'conv2d_with_attrs', cattrs((2, 2), (0, 1, 1, 0)),
        lambda: {'x': rn(2, 3, 6, 6), 'w': rn(4, 3, 3, 3) * 0.5})
    add('conv2d_backprop_input_stride2_pad1', 'conv2d_backprop_input',
        dict(cattrs((2, 2), (1, 1, 1, 1)), input_shape=[2, 3, 7, 7]),
        lambda: {'dy': rn(2, 4, 4, 4), 'w': rn(4, 3, 3, 3) * 0.5})
    add('conv2d_backprop_input_dilation2_asym', 'conv2d_backprop_input',
        dict(cattrs((1, 1), (0, 1, 2, 0), (2, 2)), input_shape=[1, 2, 6, 5]),
        lambda: {'dy': rn(1, 3, 3, 3), 'w': rn(3, 2, 3, 3) * 0.5})
    add('conv2d_backprop_filter_stride2_pad1', 'conv2d_backprop_filter',
        dict(cattrs((2, 2), (1, 1, 1, 1)), weight_shape=[4, 3, 3, 3]),
        lambda: {'x': rn(2, 3, 7, 7), 'dy': rn(2, 4, 4, 4)}, differentiable=False)
    add('conv2d_backprop_filter_large_output', 'conv2d_backprop_filter',
        dict(cattrs((1, 1), (1, 1, 1, 1)), weight_shape=[3, 2, 3, 3]),
        lambda: {'x': rn(2, 2, 18, 17), 'dy': rn(2, 3, 18, 17)}, differentiable=False)
    add('pool2d_backward_max_k3_s2_p1', 'pool2d_backward',
        {'mode': 'max', 'kernel': [3, 3], 'stride': [2, 2], 'pad': [1, 1, 1, 1]},
        lambda: {'dy': rn(2, 3, 4, 4), 'x': rn(2, 3, 7, 7)}, differentiable=False)
    add('pool2d_backward_avg_k2_s2', 'pool2d_backward',
        {'mode': 'avg', 'kernel': [2, 2], 'stride': [2, 2], 'pad': [0, 0, 0, 0]},
        lambda: {'dy': rn(2, 3, 3, 3), 'x': rn(2, 3, 6, 7)}, differentiable=False)
    # weight norm as one op: a Linear weight (dim 0, g as PyTorch's weight_g [out, 1]), a conv
    # weight, and a ConvTranspose2d weight normalized per output channel (dim 1)
    add('weight_normalize_linear_dim0', 'weight_normalize', {'dim': 0},
        lambda: {'v': rn(5, 7), 'g': runif(0.5, 2.0, 5, 1)})
    add('weight_normalize_conv_dim0', 'weight_normalize', {'dim': 0},
        lambda: {'v': rn(4, 3, 3, 3), 'g': runif(0.5, 2.0, 4, 1, 1, 1)})
    add('weight_normalize_convtranspose_dim1', 'weight_normalize', {'dim': 1},
        lambda: {'v': rn(3, 4, 2, 2), 'g': runif(0.5, 2.0, 1, 4, 1, 1)})
    for wrt in ('v', 'g'):
        add('weight_normalize_backward_conv_dim0_' + wrt, 'weight_normalize_backward', {'dim': 0, 'wrt': wrt},
            lambda: {'dw': rn(4, 3, 3, 3), 'v': rn(4, 3, 3, 3), 'g': runif(0.5, 2.0, 4, 1, 1, 1)}, differentiable=False)
        add('weight_normalize_backward_dim1_' + wrt, 'weight_normalize_backward', {'dim': 1, 'wrt': wrt},
            lambda: {'dw': rn(3, 4, 5), 'v': rn(3, 4, 5), 'g': runif(0.5, 2.0, 1, 4, 1)}, differentiable=False)
    # batch norm as one op (training statistics): BatchNorm1d's [N, C], BatchNorm2d's [N, C, H, W]
    # (values off zero, so the mean matters), and its gradients by the direct rule
    add('batch_normalize_2d', 'batch_normalize', {'eps': 1e-5},
        lambda: {'x': rn(4, 3, 3, 5) * 2 + 1, 'weight': runif(0.5, 2.0, 3), 'bias': rn(3)})
    add('batch_normalize_1d_eps', 'batch_normalize', {'eps': 0.1},
        lambda: {'x': rn(6, 4), 'weight': runif(0.5, 2.0, 4), 'bias': rn(4)})
    for wrt in ('x', 'weight', 'bias'):
        add('batch_normalize_backward_2d_' + wrt, 'batch_normalize_backward', {'eps': 1e-5, 'wrt': wrt},
            lambda: {'dy': rn(4, 3, 3, 5), 'x': rn(4, 3, 3, 5) * 2 + 1, 'weight': runif(0.5, 2.0, 3)}, differentiable=False)
    # the LSTM cell's fused ops (gates [N, 4H] in PyTorch's order i, f, g, o), H = 4 and H = 3,
    # gates spread over ±4 so the activations leave their linear ranges, and their gradient kernels
    add('lstm_cell_h4', 'lstm_cell', {}, lambda: {'gates': rn(3, 16) * 2, 'c': rn(3, 4)})
    add('lstm_cell_h3', 'lstm_cell', {}, lambda: {'gates': rn(2, 12) * 2, 'c': rn(2, 3)})
    add('lstm_cell_state_h4', 'lstm_cell_state', {}, lambda: {'gates': rn(3, 16) * 2, 'c': rn(3, 4)})
    add('lstm_cell_output_h4', 'lstm_cell_output', {}, lambda: {'gates': rn(3, 16) * 2, 'c_next': rn(3, 4)})
    for wrt in ('gates', 'c'):
        add('lstm_cell_state_backward_h4_' + wrt, 'lstm_cell_state_backward', {'wrt': wrt},
            lambda: {'dy': rn(3, 4), 'gates': rn(3, 16) * 2, 'c': rn(3, 4)}, differentiable=False)
        add('lstm_cell_output_backward_h3_' + wrt, 'lstm_cell_output_backward', {'wrt': wrt},
            lambda: {'dy': rn(2, 3), 'gates': rn(2, 12) * 2, 'c_next': rn(2, 3)}, differentiable=False)
    # DRAW's Gaussian filterbank: read (N = 2) and write (N = 5) banks over 28 pixels, centres
    # across the image and a little off it, one window far off the image (its row sums under the floor)
    add('gaussian_filterbank_read', 'gaussian_filterbank', {'n': 2, 'length': 28, 'floor': 1e-8},
        lambda: {'centre': runif(-2, 30, 4, 1), 'delta': runif(0.5, 8, 4, 1), 'sigma2': runif(0.3, 6, 4, 1)})
    add('gaussian_filterbank_write_far', 'gaussian_filterbank', {'n': 5, 'length': 28, 'floor': 1e-8},
        lambda: {'centre': torch.cat([runif(0, 28, 2), torch.tensor([400.0])]), 'delta': runif(0.5, 4, 3), 'sigma2': runif(0.3, 3, 3)})
    add('gaussian_filterbank_backward', 'gaussian_filterbank_backward', {'n': 5, 'length': 28, 'floor': 1e-8},
        lambda: {'dy': rn(3, 5, 28), 'centre': runif(0, 28, 3, 1), 'delta': runif(0.5, 4, 3, 1), 'sigma2': runif(0.3, 3, 3, 1)}, differentiable=False)
    add('batch_moments_2d', 'batch_moments', {}, lambda: {'x': rn(4, 3, 3, 5) * 2 + 1}, differentiable=False)
    add('batch_moments_1d', 'batch_moments', {}, lambda: {'x': rn(6, 4)}, differentiable=False)
    return cases


# ----------------------------------------------------------------------------------------------
# 2. mlp.json
# ----------------------------------------------------------------------------------------------

def mlp_cases():
    name = 'mlp_linear5x7_tanh_linear7x3_cross_entropy'

    def build():
        fc1 = nn.Linear(5, 7)
        fc2 = nn.Linear(7, 3)
        return {
            'x': rn(8, 5),
            'labels': torch.randint(0, 3, (8,)),
            'fc1.weight': fc1.weight.detach().clone(),
            'fc1.bias': fc1.bias.detach().clone(),
            'fc2.weight': fc2.weight.detach().clone(),
            'fc2.bias': fc2.bias.detach().clone(),
        }

    def fn(t, a):
        pre = F.linear(t['x'], t['fc1.weight'], t['fc1.bias'])
        hidden = torch.tanh(pre)
        logits = F.linear(hidden, t['fc2.weight'], t['fc2.bias'])
        loss = F.cross_entropy(logits, t['labels'], reduction='mean')
        return loss, {'fc1_out': pre, 'hidden': hidden, 'logits': logits}

    attrs = {'layers': ['Linear(5,7)', 'tanh', 'Linear(7,3)', 'cross_entropy(reduction=mean)'],
             'reduction': 'mean'}
    return [run_case(name, 'mlp', attrs, build, fn, upstream='ones')]


# ----------------------------------------------------------------------------------------------
# 3. layers.json
# ----------------------------------------------------------------------------------------------

def _perturb_g(module):
    """weight_norm initialises g = ||v|| (so w == v); rescale g so the fixtures can tell w from v."""
    with torch.no_grad():
        module.weight_g.mul_(runif(0.5, 1.5, *module.weight_g.shape))


def wn_layer_case(name, op, attrs, make_module, x_shape):
    seed = seed_of(name)
    torch.manual_seed(seed)
    m = weight_norm(make_module(), name='weight', dim=attrs['dim'])
    _perturb_g(m)
    with torch.no_grad():
        m.bias.copy_(rn(*m.bias.shape) * 0.1)
    x = rn(*x_shape).requires_grad_(True)
    y = m(x)
    up = torch.randn(y.shape)
    (y * up).sum().backward()
    return {
        'name': name, 'op': op, 'seed': seed, 'attrs': attrs,
        'inputs': {'x': T(x), 'weight_g': T(m.weight_g), 'weight_v': T(m.weight_v), 'bias': T(m.bias)},
        'output': T(y),
        'intermediates': {'weight': T(m.weight)},
        'upstream': T(up),
        'grads': {'x': T(x.grad), 'weight_g': T(m.weight_g.grad), 'weight_v': T(m.weight_v.grad),
                  'bias': T(m.bias.grad)},
    }


def bn_case(name, num_features, x_shape, training):
    seed = seed_of(name)
    torch.manual_seed(seed)
    bn = (nn.BatchNorm1d if len(x_shape) in (2, 3) else nn.BatchNorm2d)(num_features, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(1.0 + 0.3 * rn(num_features))
        bn.bias.copy_(0.3 * rn(num_features))
        bn.running_mean.copy_(0.2 * rn(num_features))
        bn.running_var.copy_(runif(0.5, 1.5, num_features))
    run_mean0 = bn.running_mean.clone()
    run_var0 = bn.running_var.clone()
    bn.train(training)
    x = (rn(*x_shape) * 1.5 + 0.5).requires_grad_(True)
    y = bn(x)
    up = torch.randn(y.shape)
    (y * up).sum().backward()
    reduce_dims = [0] + list(range(2, len(x_shape)))
    case = {
        'name': name,
        'op': 'batch_norm',
        'seed': seed,
        'attrs': {'training': training, 'momentum': 0.1, 'eps': 1e-5, 'num_features': num_features,
                  'reduce_dims': reduce_dims},
        'inputs': {'x': T(x), 'weight': T(bn.weight), 'bias': T(bn.bias),
                   'running_mean': T(run_mean0), 'running_var': T(run_var0)},
        'output': T(y),
    }
    if training:
        xd = x.detach()
        case['intermediates'] = {
            'batch_mean': T(xd.mean(dim=reduce_dims)),
            'batch_var_biased': T(xd.var(dim=reduce_dims, unbiased=False)),
            'batch_var_unbiased': T(xd.var(dim=reduce_dims, unbiased=True)),
        }
    case['upstream'] = T(up)
    case['grads'] = {'x': T(x.grad), 'weight': T(bn.weight.grad), 'bias': T(bn.bias.grad)}
    case['state_after'] = {'running_mean': T(bn.running_mean), 'running_var': T(bn.running_var),
                           'num_batches_tracked': int(bn.num_batches_tracked)}
    return case


def layers_cases():
    cases = []
    # weight norm: w = g * v / ||v||, the norm taken over every axis except `dim`
    cases.append(wn_layer_case(
        'weight_norm_linear_6x4_dim0', 'linear_weight_norm',
        {'in_features': 6, 'out_features': 4, 'dim': 0},
        lambda: nn.Linear(6, 4), [5, 6]))
    cases.append(wn_layer_case(
        'weight_norm_conv2d_3x5_k3_dim0', 'conv2d_weight_norm',
        {'in_channels': 3, 'out_channels': 5, 'kernel_size': [3, 3], 'stride': [1, 1], 'padding': [0, 0],
         'dilation': [1, 1], 'dim': 0},
        lambda: nn.Conv2d(3, 5, 3), [2, 3, 6, 6]))
    cases.append(wn_layer_case(
        'weight_norm_conv2d_3x5_k3_stride2_pad1_dim0', 'conv2d_weight_norm',
        {'in_channels': 3, 'out_channels': 5, 'kernel_size': [3, 3], 'stride': [2, 2], 'padding': [1, 1],
         'dilation': [1, 1], 'dim': 0},
        lambda: nn.Conv2d(3, 5, 3, stride=2, padding=1), [2, 3, 5, 5]))
    cases.append(wn_layer_case(
        'weight_norm_conv_transpose2d_4x3_k3_s2_p1_op1_dim1', 'conv_transpose2d_weight_norm',
        {'in_channels': 4, 'out_channels': 3, 'kernel_size': [3, 3], 'stride': [2, 2], 'padding': [1, 1],
         'output_padding': [1, 1], 'dilation': [1, 1], 'dim': 1},
        lambda: nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1), [2, 4, 3, 3]))

    # the bare reparameterisation w = g * v / ||v|| (torch._weight_norm, what weight_norm calls)
    def wn_fn(v_shape, dim):
        def build():
            v = rn(*v_shape)
            g_shape = [v_shape[i] if i == dim else 1 for i in range(len(v_shape))]
            return {'v': v, 'g': runif(0.5, 2.0, *g_shape)}
        return build

    for v_shape, dim in (([4, 6], 0), ([5, 3, 3, 3], 0), ([4, 3, 3, 3], 1), ([6, 4], 1)):
        name = 'weight_norm_fn_%s_dim%d' % ('x'.join(map(str, v_shape)), dim)
        cases.append(run_case(name, 'weight_norm', {'dim': dim}, wn_fn(v_shape, dim),
                              lambda t, a: torch._weight_norm(t['v'], t['g'], a['dim'])))

    # batch norm
    cases.append(bn_case('batch_norm1d_train', 5, [8, 5], True))
    cases.append(bn_case('batch_norm1d_train_3d_input', 5, [4, 5, 3], True))
    cases.append(bn_case('batch_norm2d_train', 3, [4, 3, 4, 4], True))
    cases.append(bn_case('batch_norm1d_eval', 5, [8, 5], False))
    cases.append(bn_case('batch_norm2d_eval', 3, [4, 3, 4, 4], False))

    # mean-only batch norm (Salimans & Kingma 2016, sec. 3): y = x - mean_batch(x) + bias
    def mobn(t, a):
        x = t['x']
        mean = x.mean(dim=a['reduce_dims'], keepdim=True)
        shape = [1] * x.dim()
        shape[1] = x.shape[1]
        return x - mean + t['bias'].reshape(shape), {'batch_mean': mean.reshape(-1)}

    cases.append(run_case('mean_only_batch_norm_2d', 'mean_only_batch_norm', {'reduce_dims': [0]},
                          lambda: {'x': rn(8, 5) * 1.5 + 0.5, 'bias': 0.3 * rn(5)}, mobn))
    cases.append(run_case('mean_only_batch_norm_4d', 'mean_only_batch_norm', {'reduce_dims': [0, 2, 3]},
                          lambda: {'x': rn(4, 3, 4, 4) * 1.5 + 0.5, 'bias': 0.3 * rn(3)}, mobn))
    return cases


# ----------------------------------------------------------------------------------------------
# 4. optim.json
# ----------------------------------------------------------------------------------------------

OPTIMIZERS = {
    'sgd': (torch.optim.SGD, ('momentum_buffer',)),
    'adam': (torch.optim.Adam, ('step', 'exp_avg', 'exp_avg_sq')),
    'adamax': (torch.optim.Adamax, ('step', 'exp_avg', 'exp_inf')),
    'rmsprop': (torch.optim.RMSprop, ('step', 'square_avg', 'grad_avg', 'momentum_buffer')),
}


OPTIM_SEED = 20160225


def optim_case(name, optimizer, hyper, n_steps=3):
    # same initial parameter and gradient sequence for every optimizer, so the seed is shared
    seed = OPTIM_SEED
    g = torch.Generator().manual_seed(seed)
    p0 = torch.randn(2, 3, generator=g)
    grads = [torch.randn(2, 3, generator=g) for _ in range(n_steps)]
    cls, state_keys = OPTIMIZERS[optimizer]
    p = nn.Parameter(p0.clone())
    opt = cls([p], **hyper)
    steps = []
    for i, gr in enumerate(grads):
        opt.zero_grad()
        p.grad = gr.clone()
        opt.step()
        st = opt.state[p]
        state = {}
        for k in state_keys:
            if k not in st or st[k] is None:
                continue
            v = st[k]
            if k == 'step':
                state[k] = int(v.item() if torch.is_tensor(v) else v)
            else:
                state[k] = T(v)
        steps.append({'step': i + 1, 'param': T(p), 'state': state})
    return {
        'name': name, 'optimizer': optimizer, 'seed': seed, 'hyperparams': hyper,
        'initial_param': T(p0), 'grads': [T(x) for x in grads], 'steps': steps,
    }


def optim_cases():
    sgd0 = {'lr': 0.1, 'momentum': 0.0, 'dampening': 0.0, 'weight_decay': 0.0, 'nesterov': False}
    adam0 = {'lr': 1e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.0, 'amsgrad': False}
    adamax0 = {'lr': 2e-3, 'betas': [0.9, 0.999], 'eps': 1e-8, 'weight_decay': 0.0}
    rms0 = {'lr': 1e-2, 'alpha': 0.99, 'eps': 1e-8, 'weight_decay': 0.0, 'momentum': 0.0, 'centered': True}
    return [
        optim_case('sgd_plain', 'sgd', dict(sgd0)),
        optim_case('sgd_momentum_0.9', 'sgd', dict(sgd0, momentum=0.9)),
        optim_case('sgd_momentum_0.9_nesterov', 'sgd', dict(sgd0, momentum=0.9, nesterov=True)),
        optim_case('sgd_momentum_0.9_weight_decay_0.05', 'sgd', dict(sgd0, momentum=0.9, weight_decay=0.05)),
        optim_case('adam', 'adam', dict(adam0)),
        optim_case('adam_lr_0.1', 'adam', dict(adam0, lr=0.1)),
        optim_case('adamax', 'adamax', dict(adamax0)),
        optim_case('rmsprop_centered', 'rmsprop', dict(rms0)),
        optim_case('rmsprop_uncentered', 'rmsprop', dict(rms0, centered=False)),
    ]


# ----------------------------------------------------------------------------------------------
# 4b. learning.json: short training runs (loss trajectories) and gradient-norm clipping
# ----------------------------------------------------------------------------------------------

class MeanOnlyBN(nn.Module):
    """Mean-only batch norm (paper section 3): y = x - mean over (N, H, W) + bias, training mode."""

    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        dims = [0] + list(range(2, x.dim()))
        shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
        return x - x.mean(dim=dims, keepdim=True) + self.bias.reshape(shape)


def _unit(main, p, units):
    """@wn's convUnit/denseUnit layout: main (conv/linear) -> norm -> act, as a named Sequential."""
    layers = {}
    if p.startswith('weightnorm'):
        main = weight_norm(main, dim=0)
    layers['main'] = main
    if p == 'batchnorm':
        layers['norm'] = (nn.BatchNorm2d if isinstance(main, nn.Conv2d) else nn.BatchNorm1d)(units, eps=1e-5, momentum=0.1)
    elif p == 'weightnorm+meanonlybn':
        layers['norm'] = MeanOnlyBN(units)
    return layers


class UnitsNet(nn.Module):
    """The CIFAR-style net of packages/layers/test/units.test.ts:
    c1 conv 3->6 k3 pad1 [+norm] + leaky 0.1, 2x2 max pool, c2 conv 6->6 k3 pad1 [+norm] + leaky 0.1,
    global average pool, fc 6->10 (weight norm for the batch-norm parameterizations)."""

    def __init__(self, p):
        super().__init__()
        with_norm = p in ('batchnorm', 'weightnorm+meanonlybn')
        self.c1 = nn.ModuleDict(_unit(nn.Conv2d(3, 6, 3, padding=1, bias=not with_norm), p, 6))
        self.c2 = nn.ModuleDict(_unit(nn.Conv2d(6, 6, 3, padding=1, bias=not with_norm), p, 6))
        fc_p = 'weightnorm' if with_norm else p
        self.fc = nn.ModuleDict(_unit(nn.Linear(6, 10), fc_p, 10))

    @staticmethod
    def _run(unit, x, act=True):
        for k in ('main', 'norm'):
            if k in unit:
                x = unit[k](x)
        return F.leaky_relu(x, 0.1) if act else x

    def forward(self, x):
        h = F.max_pool2d(self._run(self.c1, x), 2)
        h = self._run(self.c2, h).mean(dim=(2, 3))
        return self._run(self.fc, h, act=False)

    def wn_layers(self):
        """(unit, layer) in forward order, for data-dependent init."""
        return [(u['main'], u) for u in (self.c1, self.c2, self.fc)]


def data_init(net, x):
    """Data-dependent init as @wn's initFromData: per weight-normalized layer in forward order,
    t = layer(x) with g = 1, b = 0 (so t = v.x/|v|), then g = 1/sqrt(var_biased(t) + 1e-10), b = -mean(t)*g."""
    with torch.no_grad():
        h = x
        for i, unit in enumerate((net.c1, net.c2, net.fc)):
            layer = unit['main']
            layer.weight_g.fill_(1.0)
            layer.bias.zero_()
            inp = h
            if i == 2:
                inp = h.mean(dim=(2, 3))
            t = layer(inp)
            dims = [0] + list(range(2, t.dim()))
            mu = t.mean(dim=dims)
            sigma = torch.sqrt(t.var(dim=dims, unbiased=False) + 1e-10)
            layer.weight_g.copy_((1.0 / sigma).reshape(layer.weight_g.shape))
            layer.bias.copy_(-mu / sigma)
            out = layer(inp)
            if i == 0:
                h = F.max_pool2d(F.leaky_relu(out, 0.1), 2)
            elif i == 1:
                h = F.leaky_relu(out, 0.1)


def _state(net):
    """Parameters under @wn's names (units are named Sequentials: c1.main.weight_v, c1.norm.bias, ...)."""
    return {k: T(v) for k, v in net.named_parameters()}


def units_run(p, steps=8):
    name = 'units_%s_adam' % p.replace('+', '_')
    seed = seed_of(name)
    torch.manual_seed(seed)
    net = UnitsNet(p)
    if p == 'weightnorm+init':
        with torch.no_grad():  # the paper's init, as @wn's 'weightnorm+init' units: v ~ N(0, 0.05^2)
            for layer, _ in net.wn_layers():
                layer.weight_v.copy_(0.05 * torch.randn(layer.weight_v.shape))
                layer.weight_g.fill_(1.0)
                layer.bias.zero_()
    else:
        with torch.no_grad():
            for prm in net.parameters():
                if prm.dim() == 1 and prm.shape[0] in (6, 10):
                    prm.add_(0.1 * torch.randn(prm.shape))  # nonzero biases / bn affine, like a trained net
    x = rn(4, 3, 8, 8)
    labels = torch.tensor([1, 3, 5, 7])
    initial = _state(net)
    if p == 'weightnorm+init':
        data_init(net, x)
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        opt.step()
        losses.append(f32_str(loss.item()))
    return {
        'name': name, 'kind': 'units', 'parameterization': p, 'seed': seed,
        'optimizer': {'name': 'adam', 'lr': 3e-3, 'betas': [0.9, 0.999], 'eps': 1e-8},
        'data_init': p == 'weightnorm+init',
        'initial_state': initial, 'x': T(x), 'labels': T(labels),
        'losses': losses, 'final_state': _state(net),
    }


class WnMlp(nn.Module):
    """fc1 = weight_norm(Linear(4, 8)) -> tanh -> fc2 = weight_norm(Linear(8, 3))."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.ModuleDict({'main': weight_norm(nn.Linear(4, 8), dim=0)})
        self.fc2 = nn.ModuleDict({'main': weight_norm(nn.Linear(8, 3), dim=0)})

    def forward(self, x):
        return self.fc2['main'](torch.tanh(self.fc1['main'](x)))


def clip_run(name, optimizer, hyper, max_norm, steps=5):
    """trainStep with clipping: loss.backward(); norm = clip_grad_norm_(params, max_norm); step()."""
    seed = seed_of(name)
    torch.manual_seed(seed)
    net = WnMlp()
    x = rn(6, 4) * 2
    labels = torch.randint(0, 3, (6,))
    initial = _state(net)
    opt = {'sgd': torch.optim.SGD, 'adam': torch.optim.Adam}[optimizer](net.parameters(), **hyper)
    losses, norms, after = [], [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), labels)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm)
        opt.step()
        losses.append(f32_str(loss.item()))
        norms.append(f32_str(float(norm)))
        after.append(_state(net))
    return {
        'name': name, 'kind': 'clip', 'seed': seed, 'optimizer': dict(hyper, name=optimizer), 'max_norm': max_norm,
        'initial_state': initial, 'x': T(x), 'labels': T(labels),
        'losses': losses, 'grad_norms': norms, 'state_after_step': after,
    }


def learning_cases():
    cases = [units_run(p) for p in ('standard', 'weightnorm', 'weightnorm+init', 'batchnorm', 'weightnorm+meanonlybn')]
    cases.append(clip_run('clip_sgd_momentum_max_norm_0.5', 'sgd', {'lr': 0.5, 'momentum': 0.9}, 0.5))
    cases.append(clip_run('clip_adam_max_norm_0.25', 'adam', {'lr': 0.05}, 0.25))
    return cases


# ----------------------------------------------------------------------------------------------
# 5. wn_net.safetensors + wn_net.json
# ----------------------------------------------------------------------------------------------

class WNNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = weight_norm(nn.Conv2d(3, 4, 3, padding=1), dim=0)
        self.fc = weight_norm(nn.Linear(4, 3), dim=0)

    def forward(self, x):
        conv = self.conv(x)
        act = F.relu(conv)
        pooled = act.mean(dim=(2, 3))  # global average pool: [N, 4, H, W] -> [N, 4]
        return self.fc(pooled), {'conv_out': conv, 'relu_out': act, 'pooled': pooled}


def write_safetensors(path, tensors, metadata=None):
    """Minimal pure-Python safetensors writer (F32 only)."""
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for k in sorted(tensors):
        t = tensors[k].detach().contiguous()
        assert t.dtype == torch.float32
        flat = t.reshape(-1).tolist()
        blob = struct.pack('<%df' % len(flat), *flat)
        header[k] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    hjson = json.dumps(header, separators=(',', ':')).encode('utf-8')
    hjson += b' ' * ((8 - len(hjson) % 8) % 8)  # pad the header to 8-byte alignment (as safetensors does)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    (n,) = struct.unpack('<Q', raw[:8])
    header = json.loads(raw[8:8 + n].decode('utf-8'))
    base = 8 + n
    out = {}
    for k, v in header.items():
        if k == '__metadata__':
            continue
        s, e = v['data_offsets']
        vals = struct.unpack('<%df' % ((e - s) // 4), raw[base + s:base + e])
        out[k] = torch.tensor(vals, dtype=torch.float32).reshape(v['shape'])
    return out, header.get('__metadata__')


def wn_net():
    name = 'wn_net'
    seed = seed_of(name)
    torch.manual_seed(seed)
    net = WNNet()
    _perturb_g(net.conv)
    _perturb_g(net.fc)
    sd = {k: v.detach().clone() for k, v in net.state_dict().items()}
    expected_keys = ['conv.bias', 'conv.weight_g', 'conv.weight_v', 'fc.bias', 'fc.weight_g', 'fc.weight_v']
    assert sorted(sd) == expected_keys, sorted(sd)
    st_path = os.path.join(OUT_DIR, 'wn_net.safetensors')
    write_safetensors(st_path, sd, {'format': 'pt', 'generator': GENERATOR, 'torch': TORCH_VERSION})

    # round-trip check with the reader above, and a reload into a fresh module
    back, _ = read_safetensors(st_path)
    assert sorted(back) == expected_keys
    for k in expected_keys:
        assert torch.equal(back[k], sd[k]), k
    fresh = WNNet()
    fresh.load_state_dict(back)

    x = rn(2, 3, 5, 5).requires_grad_(True)
    logits, inter = fresh(x)
    up = torch.randn(logits.shape)
    (logits * up).sum().backward()
    params = dict(fresh.named_parameters())
    doc_case = {
        'name': name,
        'seed': seed,
        'architecture': [
            'conv = weight_norm(Conv2d(3, 4, kernel_size=3, stride=1, padding=1), dim=0)',
            'relu',
            'global average pool over H, W: [N, 4, H, W] -> [N, 4]',
            'fc = weight_norm(Linear(4, 3), dim=0)',
        ],
        'safetensors': 'wn_net.safetensors',
        'state_dict_keys': expected_keys,
        'state_dict': {k: T(sd[k]) for k in expected_keys},
        'effective_weights': {'conv.weight': T(fresh.conv.weight), 'fc.weight': T(fresh.fc.weight)},
        'input': T(x),
        'intermediates': {k: T(v) for k, v in inter.items()},
        'logits': T(logits),
        'upstream': T(up),
        'grads': dict([('input', T(x.grad))] + [(k, T(params[k].grad)) for k in expected_keys]),
    }
    return doc_case


# ----------------------------------------------------------------------------------------------

def _json_file(filename, description, cases):
    return lambda: write_json(filename, description, 'cases', cases())


def _wn_net_files():
    case = wn_net()
    path = os.path.join(OUT_DIR, 'wn_net.json')
    doc = {'generator': GENERATOR, 'regenerate': REGENERATE, 'torch': TORCH_VERSION, 'dtype': 'float32',
           'description': 'A small weight-normalized network whose PyTorch state_dict is wn_net.safetensors.'}
    doc.update(case)
    with open(path, 'w') as f:
        f.write(dumps(doc) + '\n')
    return [path, os.path.join(OUT_DIR, 'wn_net.safetensors')]


# file name -> writer (returns the path or paths written)
FILES = {
    'ops.json': _json_file('ops.json', 'Primitive and composite tensor ops with forward output and gradients '
                           '(issue: foundation).', ops_cases),
    'public_ops.json': _json_file('public_ops.json', 'The public @wn/tensor ops ops.json does not cover: '
                                  'square, sign, floor, comparisons, min, argmax, l2Normalize, split, stack, '
                                  'slice, squeeze, expandDims, flatten, reshape, broadcastTo, oneHot, scatterAdd, '
                                  'fused programs, the conv/pool backward kernels.', public_ops_cases),
    'mlp.json': _json_file('mlp.json', 'A small two-layer network: Linear(5,7) -> tanh -> Linear(7,3) -> '
                           'cross-entropy.', mlp_cases),
    'layers.json': _json_file('layers.json', 'Weight-normalized layers, batch norm (train/eval), mean-only batch '
                              'norm (@wn/layers).', layers_cases),
    'optim.json': _json_file('optim.json', 'Three optimizer steps from a fixed parameter and a fixed gradient '
                             'sequence.', optim_cases),
    'learning.json': _json_file('learning.json', 'Short training runs: the first losses of the units.test.ts net under '
                                'every parameterization with Adam, and trainStep with clip_grad_norm_.', learning_cases),
    'wn_net.json': _wn_net_files,
}


def main(argv):
    """With no arguments, rewrites every file; otherwise only the named ones (e.g. public_ops.json).

    Regenerating a file on another torch build can move float32 sums by an ulp (a different
    BLAS / conv path), so add cases in a new file or regenerate only the files you changed.
    """
    os.makedirs(OUT_DIR, exist_ok=True)
    names = argv or list(FILES)
    unknown = [n for n in names if n not in FILES]
    if unknown:
        raise SystemExit('unknown fixture file(s) %s; known: %s' % (', '.join(unknown), ', '.join(FILES)))
    written = []
    for n in names:
        out = FILES[n]()
        written.extend(out if isinstance(out, list) else [out])

    # sanity: valid JSON, shapes agree with data lengths
    for p in written:
        if p.endswith('.json'):
            with open(p) as f:
                _check_tensors(json.load(f), p)
        print('%-40s %8d bytes' % (os.path.relpath(p, os.path.dirname(os.path.dirname(OUT_DIR))),
                                   os.path.getsize(p)))


def _check_tensors(obj, where):
    if isinstance(obj, dict):
        if 'shape' in obj and 'data' in obj:
            n = 1
            for s in obj['shape']:
                n *= s
            assert n == len(obj['data']), (where, obj['shape'], len(obj['data']))
            return
        for k, v in obj.items():
            _check_tensors(v, where + '.' + str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _check_tensors(v, '%s[%d]' % (where, i))


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
