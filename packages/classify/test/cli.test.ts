import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';

afterEach(() => vi.restoreAllMocks());

function captureStdout(): string[] {
  const out: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out.push(String(s));
    return true;
  });
  return out;
}

describe('wn-classify CLI', () => {
  it('--help prints usage with every option', async () => {
    const out = captureStdout();
    expect(await main(['--help'])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^Usage: wn-classify \[compare\|train\]/);
    for (const flag of ['--dataset', '--data-dir', '--width', '--epochs', '--batch-size', '--param', '--seeds', '--out', '--resume', '--backend', '--threads', '--epoch-steps', '--output-init-scale', '--beta1-decay']) {
      expect(text).toContain(flag);
    }
  });

  it('rejects unknown parameterizations, datasets and commands with a clear message', async () => {
    await expect(main(['--param', 'layernorm'])).rejects.toThrow(/unknown parameterization 'layernorm'/);
    await expect(main(['--dataset', 'imagenet'])).rejects.toThrow(/--dataset: one of embedded, fashion-mnist, mnist, cifar10/);
    await expect(main(['fit'])).rejects.toThrow(/unknown command 'fit'/);
    await expect(main(['--width', 'wide'])).rejects.toThrow(/--width: expected a number/);
    await expect(main(['train', '--param', 'standard,batchnorm'])).rejects.toThrow(/train takes one parameterization/);
    await expect(main(['--beta1-decay', '1'])).rejects.toThrow(/--beta1-decay must be in \[0, 1\), got 1/);
    await expect(main(['--output-init-scale', '0'])).rejects.toThrow(/--output-init-scale must be positive, got 0/);
    await expect(main(['--epoch-steps', '2.5'])).rejects.toThrow(/--epoch-steps: expected a non-negative integer, got '2.5'/);
  });
});
