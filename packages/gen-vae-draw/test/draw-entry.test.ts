/** DRAW through the package's model interface, and its canvas sequence as arrays, GIF and PNG. */
import { describe, expect, it } from 'vitest';
import { dispose, mean, Rng, tensor, tidy, type Tensor } from '@wn/tensor';
import { noGrad } from '@wn/autograd';
import { MODELS } from '../src/model.js';
import { Draw, DRAW_ENTRY, drawSettingsConfig } from '../src/draw/entry.js';
import { canvasSequenceFiles, canvasSequenceGif, canvasSequenceStrip, drawSequence, gridFrame } from '../src/draw/sequence.js';

const SMALL = { steps: 3, encoder: 16, decoder: 12, latent: 4, read: 2, write: 3 };

function images(n: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from(rng.uniformArray(n * 784), (u) => (u < 0.3 ? 1 : 0)), [n, 1, 28, 28]);
}

describe('DRAW registry entry', () => {
  it('is registered as draw, with the paper preset (T 64, 256, z 100, read 2, write 5, Adam 3e-4, clip 10) and a stated quick preset', () => {
    expect(MODELS.draw).toBe(DRAW_ENTRY);
    const paper = DRAW_ENTRY.presets.paper;
    expect(paper).toMatchObject({ optimizer: 'adam', lr: 3e-4, clipNorm: 10, batchSize: 100, epochs: 100 });
    expect(paper.settings).toEqual({ steps: 64, encoder: 256, decoder: 256, latent: 100, read: 2, write: 5 });
    expect(DRAW_ENTRY.presets.quick.settings.steps).toBe(16);
    expect(DRAW_ENTRY.describe(DRAW_ENTRY.presets.quick.settings)).toMatch(/^T 16 \(paper 64\), LSTMs 256\/256/);
    expect(drawSettingsConfig({ ...SMALL, read: 0, write: 0 })).toMatchObject({ readPatch: null, writePatch: null });
    expect(() => drawSettingsConfig({ ...SMALL, width: 2 })).toThrow(/unknown setting 'width'/);
    expect(() => drawSettingsConfig({ ...SMALL, read: 1 })).toThrow(/setting 'read': expected 0 \(no attention\) or an integer ≥ 2/);
    expect(() => DRAW_ENTRY.build({ variant: 'weightnorm+init', rng: new Rng(1), settings: SMALL })).toThrow(/variant: expected one of standard, weightnorm/);
  });

  it('implements the interface: loss = −mean ELBO, logWeights [k, N], samples and reconstructions as probabilities', () => {
    const model = DRAW_ENTRY.build({ variant: 'weightnorm', rng: new Rng(1), settings: SMALL });
    expect(model.kind).toBe('draw');
    expect(model.variant.name).toBe('weightnorm');
    const x = images(5, 2);
    const { loss, parts } = model.loss(x, new Rng(3));
    const elbo = noGrad(() => model.elbo(x, new Rng(3)));
    expect(loss.item()).toBeCloseTo(-mean(elbo).item(), 3);
    expect(loss.item()).toBeCloseTo(parts.reconstruction + parts.kl, 3);
    expect(parts.reconstruction).toBeGreaterThan(400); // ≈ 784·log 2 at the start
    const w = noGrad(() => model.logWeights(x, 3, new Rng(4)));
    expect(w.shape).toEqual([3, 5]);
    // the k = 1 weights with the generator of the ELBO differ from it only by the KL's Monte-Carlo noise
    const w1 = noGrad(() => model.logWeights(x, 1, new Rng(3))).toArray();
    elbo.toArray().forEach((e, i) => expect(Math.abs(w1[i] - e)).toBeLessThan(10));
    for (const p of [noGrad(() => model.sample(4, new Rng(5))), noGrad(() => model.reconstruct(x, new Rng(6)))]) {
      expect(p.shape.slice(1)).toEqual([1, 28, 28]);
      expect(p.toArray().every((v) => v > 0 && v < 1)).toBe(true);
    }
    expect(() => model.initFromData(x)).toThrow(/DRAW has no data-dependent init/);
    expect(() => model.logWeights(x, 0, new Rng(1))).toThrow(/k: expected an integer ≥ 1, got 0/);
    dispose([loss, elbo, w, x]);
    model.dispose();
  });
});

describe('canvas sequence', () => {
  const model = DRAW_ENTRY.build({ variant: 'standard', rng: new Rng(8), settings: { ...SMALL, steps: 4 } }) as Draw;
  // a visible drawing: the write adds a bright patch at every step
  noGrad(() => model.module.write.bias!.update(tensor(new Array(9).fill(3))));

  it('holds σ(c_t) for each of the T steps; the last equals the sample from the same generator', () => {
    const seq = drawSequence(model, 3, new Rng(11));
    expect(seq.steps.length).toBe(4);
    expect(seq.steps[0].length).toBe(3 * 784);
    const sample = noGrad(() => tidy(() => model.sample(3, new Rng(11)).toArray()));
    seq.steps[3].forEach((v, i) => expect(v).toBeCloseTo(sample[i], 6));
    // the canvas accumulates: the brightest pixel brightens from step to step
    const peaks = seq.steps.map((s) => Math.max(...s));
    peaks.slice(1).forEach((p, t) => expect(p).toBeGreaterThan(peaks[t]));
    expect(() => drawSequence(model, 0)).toThrow(/n must be a positive integer/);
  });

  it('renders an animated GIF with one frame per step and a PNG strip of images × steps', () => {
    const seq = drawSequence(model, 4, 12);
    const gif = canvasSequenceGif(seq, { scale: 2 });
    expect(new TextDecoder().decode(gif.slice(0, 6))).toBe('GIF89a');
    const frame = gridFrame(seq, 0, { scale: 2 });
    expect([frame.width, frame.height]).toEqual([2 * 56 + 3, 2 * 56 + 3]); // 2×2 grid, 1-pixel gaps
    expect(gif[6] | (gif[7] << 8)).toBe(frame.width);
    // one graphic control extension (0x21 0xF9 0x04) per frame
    let frames = 0;
    for (let i = 0; i + 2 < gif.length; i++) if (gif[i] === 0x21 && gif[i + 1] === 0xf9 && gif[i + 2] === 0x04) frames++;
    expect(frames).toBe(4);
    const png = canvasSequenceStrip(seq, { scale: 1 });
    expect(Array.from(png.slice(1, 4))).toEqual([0x50, 0x4e, 0x47]); // 'PNG'
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([4 * 28 + 5, 4 * 28 + 5]); // 4 steps × 4 images
    expect(() => gridFrame(seq, 4)).toThrow(/step must be an integer in 0..3/);
    const files = canvasSequenceFiles(model, { n: 9, stripImages: 2, seed: 12 });
    expect(files.map((f) => f.name)).toEqual(['canvas-sequence.gif', 'canvas-sequence.png']);
    const stripView = new DataView(files[1].bytes.buffer, files[1].bytes.byteOffset);
    expect([stripView.getUint32(16), stripView.getUint32(20)]).toEqual([4 * 56 + 5, 2 * 56 + 3]); // 4 steps × 2 images, scale 2
  });
});
