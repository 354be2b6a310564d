import { describe, expect, it } from 'vitest';
import { boundCharts, type EpochMetrics } from '../src/index.js';

const row = (epoch: number, elbo: number, raw: number): EpochMetrics =>
  ({ epoch, seconds: 10 * epoch, test_elbo: elbo, test_elbo_raw: raw } as unknown as EpochMetrics);
const svgOf = (files: ReturnType<typeof boundCharts>, name: string) => new TextDecoder().decode(files.find((f) => f.name === name)!.bytes);

describe('boundCharts', () => {
  it('with Polyak averaging: a dashed raw-weight curve per variant, in its colour, and a y axis that leaves out epoch 1', () => {
    const runs = (shift: number) => [[row(1, -420 + shift, -170 + shift), row(2, -150 + shift, -120 + shift), row(3, -110 + shift, -105 + shift)]];
    // weightnorm+init is shifted up by 3, so the lowest raw point is standard's -170
    const files = boundCharts([{ name: 'standard', runs: runs(0) }, { name: 'weightnorm+init', runs: runs(3) }], 'VAE, MNIST');
    expect(files.map((f) => f.name)).toEqual(['test-elbo-vs-epoch.svg', 'test-elbo-vs-epoch.png', 'test-elbo-vs-time.svg', 'test-elbo-vs-time.png']);
    const svg = svgOf(files, 'test-elbo-vs-epoch.svg');
    const colourOf = (name: string) => new RegExp(`data-name="${name.replace(/[+()]/g, '\\$&')}" d="[^"]+" fill="none" stroke="(#[0-9A-Fa-f]{6})"`).exec(svg)?.[1];
    expect(colourOf('standard, raw weights')).toBe(colourOf('standard'));
    expect(colourOf('weightnorm+init, raw weights')).toBe(colourOf('weightnorm+init'));
    expect(colourOf('standard')).not.toBe(colourOf('weightnorm+init'));
    expect(svg).toMatch(/data-name="standard, raw weights"[^>]*stroke-dasharray/);
    expect(svg).not.toMatch(/data-name="standard" [^>]*stroke-dasharray/);
    expect(svg).toContain('solid: Polyak average');
    expect(svg).toContain('its first epochs lie below the axis');
    // the axis starts at a round number at or below the raw curves' lowest point (-170), far above the average's -420
    const ticks = [...svg.matchAll(/text-anchor="end"[^>]*>(-?[0-9.]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(-180);
    expect(Math.min(...ticks)).toBeLessThanOrEqual(-150); // the lowest tick: -160 or -170, by the tick step
  });

  it('without averaging: one solid curve per variant and the full y range', () => {
    const runs = [[row(1, -250, -250), row(2, -200, -200), row(3, -150, -150)]]; // epoch 1 within twice the later spread
    const svg = svgOf(boundCharts([{ name: 'standard', runs }], 'DRAW'), 'test-elbo-vs-epoch.svg');
    expect(svg).not.toContain('raw weights');
    expect(svg).not.toContain('stroke-dasharray');
    expect(svg).not.toContain('below the axis');
    const ticks = [...svg.matchAll(/text-anchor="end"[^>]*>(-?[0-9.]+)</g)].map((m) => Number(m[1]));
    expect(Math.min(...ticks)).toBeLessThanOrEqual(-250);
  });
});
