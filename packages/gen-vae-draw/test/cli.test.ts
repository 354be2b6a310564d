/** wn-gen: help, option errors, and train → eval → sample end to end on a tiny model. */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main, parseSettings } from '../src/cli.js';

const root = mkdtempSync(join(tmpdir(), 'wn-gen-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

function capture(err: string[] = []): string[] {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err.push(String(s));
    return true;
  });
  return out;
}

describe('wn-gen CLI', () => {
  it('--help lists the commands, the options, both presets (quick stated in full) and the binarization', async () => {
    const out = capture();
    expect(await main(['--help'])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^Usage: wn-gen \[start\|train\|compare\|eval\|report\|sample\|draw-sequence\]/);
    expect(text).toMatch(/draw quick: T 16 \(paper 64\)/);
    for (const flag of ['--model', '--preset', '--variant', '--setting', '--epochs', '--ema-decay', '--k', '--run', '--seeds', '--resume', '--overwrite', '--dataset']) expect(text).toContain(flag);
    expect(text).toMatch(/vae quick: channels 8\/16 \(paper 16\/32\), hidden 128 \(paper 450\).*2000 training \/ 500 test images, 3 epochs/);
    expect(text).toContain('dynamically binarized');
  });

  it('refuses unknown models, variants, settings and contradictions, naming the option', async () => {
    await expect(main(['train', '--model', 'pixelcnn'])).rejects.toThrow(/--model: expected one of vae.*got 'pixelcnn'/);
    await expect(main(['train', '--variant', 'batchnorm'])).rejects.toThrow(/--variant: vae supports standard, weightnorm, weightnorm\+init, got 'batchnorm'/);
    await expect(main(['train', '--variant', 'standard,weightnorm'])).rejects.toThrow(/train takes one variant/);
    await expect(main(['train', '--setting', 'depth=3'])).rejects.toThrow(/--setting: unknown setting 'depth'/);
    await expect(main(['train', '--setting', 'width=wide'])).rejects.toThrow(/--setting: width: expected a number, got 'wide'/);
    await expect(main(['train', '--resume', '--overwrite'])).rejects.toThrow('--overwrite: and --resume contradict each other');
    await expect(main(['train', '--backend', 'nope'])).rejects.toThrow(/--backend: expected one of .*wasm.*, got 'nope'/);
    await expect(main(['train', '--threads', '0'])).rejects.toThrow("--threads: expected an integer ≥ 1, got '0'");
    await expect(main(['eval'])).rejects.toThrow(/--run: eval needs --run DIR/);
    await expect(main(['eval', '--run', join(root, 'nothing')])).rejects.toThrow(/--run: .*nothing has no run to read \(neither model.safetensors of a finished run nor checkpoint.safetensors of one in progress\)/);
    await expect(main(['draw-sequence'])).rejects.toThrow(/--run: draw-sequence needs --run DIR/);
    await expect(main(['train', '--images', '4'])).rejects.toThrow('--images: applies to draw-sequence, not train');
    await expect(main(['train', '--lr', '0'])).rejects.toThrow("--lr: expected a number > 0, got '0'");
  });

  it('parses settings: numbers, fractions, booleans', () => {
    expect(parseSettings(['width=1/4', 'hidden=16'], { width: 1, hidden: 450, flag: false })).toEqual({ width: 0.25, hidden: 16, flag: false });
    expect(parseSettings(['flag=true'], { flag: false })).toEqual({ flag: true });
  });

  it('train on the embedded subset, then eval (ELBO and IW bound) and sample the saved model', async () => {
    const run = join(root, 'run');
    const tiny = ['--setting', 'width=1/4,hidden=16,latent=4,blocks=1', '--dataset', 'embedded', '--train-limit', '40', '--test-limit', '10', '--batch-size', '20', '--init-batch', '20'];
    const err: string[] = [];
    let out = capture(err);
    expect(await main(['train', ...tiny, '--epochs', '1', '--k', '2', '--k-images', '2', '--out', run, '--quiet'])).toBe(0);
    // --quiet: one line per epoch with the bounds, the throughput and the ETA
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^\[vae weightnorm\+init\] epoch 1\/1 {2}train ELBO -[\d.]+ \(KL [\d.]+\) {2}test ELBO -[\d.]+ \(raw weights -[\d.]+\) {2}IW\(k=2, 2 img\) -[\d.]+ {2}[\d.]+ s {2}\d+ img\/s {2}ETA (0:00|estimating)\n$/);
    expect(out.join('')).toMatch(/Training vae weightnorm\+init, seed 1[\s\S]*Fashion-MNIST \(embedded subset\): 40 training images, 10 test images[\s\S]*preset quick[\s\S]*Final test ELBO -\d+\.\d\d nats, IW bound \(k = 2\)/);
    expect(readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    vi.restoreAllMocks();

    out = capture();
    expect(await main(['eval', '--run', run, '--k', '4', '--k-images', '3'])).toBe(0);
    const line = out.join('').match(/on the 3 images: ELBO (-[\d.]+), IW bound \(k = 4\) (-[\d.]+)/);
    expect(line).not.toBeNull();
    vi.restoreAllMocks();

    capture();
    expect(await main(['sample', '--run', run, '--out', join(root, 'grids')])).toBe(0);
    expect(existsSync(join(root, 'grids', 'samples.png'))).toBe(true);
    expect(existsSync(join(root, 'grids', 'reconstructions.png'))).toBe(true);
    vi.restoreAllMocks();

    // a run still training has no model.safetensors yet: eval reads its checkpoint (here the last
    // one, so the same Polyak-averaged weights and the same numbers as the finished model)
    const inProgress = join(root, 'in-progress');
    cpSync(run, inProgress, { recursive: true });
    rmSync(join(inProgress, 'model.safetensors'));
    out = capture();
    expect(await main(['eval', '--run', inProgress, '--k', '4', '--k-images', '3'])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/checkpoint\.safetensors after epoch 1 of 1, Polyak-averaged weights/);
    expect(text.match(/on the 3 images: ELBO (-[\d.]+), IW bound \(k = 4\) (-[\d.]+)/)?.slice(1)).toEqual(line!.slice(1));
    expect(text).toMatch(/\d+\.\d\d s per image for the IW bound/);
    await expect(main(['draw-sequence', '--run', run])).rejects.toThrow(/draw-sequence draws DRAW's canvas; .* is a vae run/);
    vi.restoreAllMocks();

    // the folder holding both: each evaluated, then one table row for the variant (the same weights: sd 0)
    out = capture();
    expect(await main(['eval', '--run', root, '--k', '4', '--k-images', '3'])).toBe(0);
    const all = out.join('');
    expect(all.match(/^Evaluating vae weightnorm\+init \((in-progress|run): /gm)).toHaveLength(2);
    expect(all).toMatch(/\| vae \| weightnorm\+init \| 2 \| 1 \| -[\d.]+ ± 0\.00 \| -[\d.]+ ± 0\.00 \|/);
    vi.restoreAllMocks();

    // eval saved each result beside the run; report reads them with the curves
    const saved = JSON.parse(readFileSync(join(run, 'eval-k4-n3.json'), 'utf8'));
    expect(saved).toMatchObject({ k: 4, k_images: 3, test_images: 10, epochs: 1, averaged: true });
    expect(saved.iw.toFixed(2)).toBe(line![2]);
    capture();
    expect(await main(['report', '--run', root, '--out', join(root, 'report')])).toBe(0);
    const report = readFileSync(join(root, 'report', 'report.md'), 'utf8');
    expect(report).toContain('## vae');
    expect(report).toMatch(new RegExp(`\\| weightnorm\\+init \\| 1 \\| 1 / 1 \\| -[\\d.]+ \\| -[\\d.]+ \\| [\\d.]+ \\| ${line![2]} \\(k = 4, 3 images, epoch 1\\)`));
    expect(existsSync(join(root, 'report', 'report-vae-test-elbo-vs-epoch.png'))).toBe(true);
    await expect(main(['report'])).rejects.toThrow(/--run: report needs a folder of wn-gen runs/);
    await expect(main(['report', '--run', join(root, 'grids')])).rejects.toThrow(/holds no wn-gen run/);
  });

  it('draw-sequence writes the canvas of a DRAW run over its T steps: a GIF with one frame per step and a PNG strip', async () => {
    const run = join(root, 'draw');
    const tiny = ['--model', 'draw', '--variant', 'weightnorm', '--setting', 'steps=3,encoder=8,decoder=8,latent=4,read=2,write=3', '--dataset', 'embedded', '--train-limit', '20', '--test-limit', '4', '--batch-size', '10', '--k', '0'];
    capture();
    expect(await main(['train', ...tiny, '--epochs', '1', '--out', run, '--quiet'])).toBe(0);
    vi.restoreAllMocks();
    const out = capture();
    const pics = join(root, 'draw-pics');
    expect(await main(['draw-sequence', '--run', run, '--out', pics, '--images', '4'])).toBe(0);
    expect(out.join('')).toMatch(/draw weightnorm \(model\.safetensors \(finished, 1 epochs\)\): 4 images drawn in T = 3 steps/);
    const gif = readFileSync(join(pics, 'canvas-sequence.gif'));
    expect(new TextDecoder().decode(gif.subarray(0, 6))).toBe('GIF89a');
    let frames = 0;
    for (let i = 0; i + 2 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 0x04) frames++;
    expect(frames).toBe(3);
    expect(gif[6] | (gif[7] << 8)).toBe(2 * 3 * 28 + 3); // 2×2 images at scale 3, 1-pixel separators
    const png = readFileSync(join(pics, 'canvas-sequence.png'));
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([3 * 2 * 28 + 4, 4 * 2 * 28 + 5]); // 3 steps × 4 images at scale 2
  }, 60_000);
});
