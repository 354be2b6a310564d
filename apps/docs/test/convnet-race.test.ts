/**
 * The convnet demo's training (demo/convnet-race.ts) in Node, on the default backend: both
 * parameterizations' training losses go down over a few dozen steps on the same batches, and
 * held-out accuracy beats chance. The browser test runs the same code in a Web Worker.
 */
import { loadEmbeddedFashionMnist } from '@wn/data';
import { memory } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { ConvnetRace, RACE_VARIANTS, smallConvNet } from '../demo/convnet-race.js';

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('ConvnetRace (the convnet demo\'s training)', () => {
  it('trains both parameterizations on the same batches; both losses go down, accuracy beats chance', () => {
    const { train, test } = loadEmbeddedFashionMnist();
    const before = memory().tensors;
    const race = new ConvnetRace(train, test, { batchSize: 32, evalImages: 256 });
    const losses = { standard: [] as number[], 'weightnorm+init': [] as number[] };
    const steps = 40;
    for (let k = 0; k < steps; k++) {
      const s = race.trainStep();
      expect(s.step).toBe(k + 1);
      for (const v of RACE_VARIANTS) {
        expect(Number.isFinite(s.loss[v])).toBe(true);
        expect(s.ms[v]).toBeGreaterThan(0);
        losses[v].push(s.loss[v]);
      }
    }
    const ev = race.evaluate();
    console.log(`convnet race: first/last 10 mean loss ${RACE_VARIANTS.map((v) => `${v} ${mean(losses[v].slice(0, 10)).toFixed(3)} → ${mean(losses[v].slice(-10)).toFixed(3)}`).join(', ')}; accuracy ${JSON.stringify(ev.accuracy)}`);
    for (const v of RACE_VARIANTS) {
      expect(mean(losses[v].slice(-10))).toBeLessThan(mean(losses[v].slice(0, 10)) - 0.2);
      expect(ev.accuracy[v]).toBeGreaterThan(0.3); // chance is 0.1
    }
    // weight norm adds one g per output unit of each layer
    const p = race.parameters();
    expect(p['weightnorm+init'] - p.standard).toBe(8 + 16 + 10);
    race.dispose();
    expect(memory().tensors).toBe(before);
  });

  it('builds the small convnet for other image sizes', () => {
    const net = smallConvNet('standard', { channels: [4, 6], seed: 3 }, { channels: 3, height: 32, width: 32 }, 10);
    expect(net.numParameters()).toBe(3 * 4 * 9 + 4 + 4 * 6 * 9 + 6 + 6 * 8 * 8 * 10 + 10);
    net.dispose();
  });
});
