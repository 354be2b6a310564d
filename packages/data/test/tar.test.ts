import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractTar, parseTar } from '../src/tar.js';
import { fixtureBytes, makeTar, tempDir } from './helpers.js';

const hasTar = (() => {
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('parseTar', () => {
  const a = fixtureBytes(1000, 1);
  const b = fixtureBytes(512, 2);

  it('lists files with their data', () => {
    const entries = parseTar(makeTar([{ name: 'x/a.bin', data: a }, { name: 'x/b.bin', data: b }, { name: 'empty', data: new Uint8Array(0) }]), 'mem');
    expect(entries.map((e) => [e.name, e.kind, e.size])).toEqual([
      ['x/a.bin', 'file', 1000],
      ['x/b.bin', 'file', 512],
      ['empty', 'file', 0],
    ]);
    expect(entries[0].data).toEqual(a);
    expect(entries[1].data).toEqual(b);
  });

  it.skipIf(!hasTar)('reads what the system tar writes, long names included', () => {
    const dir = tempDir();
    const long = `${'d'.repeat(60)}/${'f'.repeat(70)}.bin`;
    mkdirSync(join(dir, 'src', 'd'.repeat(60)), { recursive: true });
    writeFileSync(join(dir, 'src', long), a);
    writeFileSync(join(dir, 'src', 'small.txt'), 'hello');
    execFileSync('tar', ['-cf', join(dir, 'out.tar'), '-C', join(dir, 'src'), '.']);
    const entries = parseTar(new Uint8Array(readFileSync(join(dir, 'out.tar'))), 'out.tar');
    const files = Object.fromEntries(entries.filter((e) => e.kind === 'file').map((e) => [e.name.replace(/^\.\//, ''), e.data]));
    expect(Object.keys(files).sort()).toEqual([long, 'small.txt'].sort());
    expect(files[long]).toEqual(a);
    expect(Buffer.from(files['small.txt']).toString()).toBe('hello');
    expect(entries.some((e) => e.kind === 'directory')).toBe(true);
  });

  it('rejects a corrupted header and a truncated archive', () => {
    const tar = makeTar([{ name: 'a.bin', data: a }]);
    const corrupt = tar.slice();
    corrupt[10] ^= 1;
    expect(() => parseTar(corrupt, 'c.tar')).toThrow(/c\.tar: bad tar header at offset 0: checksum \d+ stored, \d+ computed/);
    expect(() => parseTar(tar.subarray(0, 900), 't.tar')).toThrow('t.tar: truncated tar: entry at offset 0 needs 1000 bytes of data, only 388 left');
  });
});

describe('extractTar', () => {
  it('writes files below the destination', () => {
    const dir = tempDir();
    const data = fixtureBytes(700, 3);
    const written = extractTar(parseTar(makeTar([{ name: 'sub/f.bin', data }, { name: 'g.txt', data: new Uint8Array([65]) }]), 'mem'), dir, (e) => e.name.endsWith('.bin'));
    expect(written).toEqual([join(dir, 'sub', 'f.bin')]);
    expect(new Uint8Array(readFileSync(join(dir, 'sub', 'f.bin')))).toEqual(data);
  });

  it('refuses paths that escape the destination', () => {
    const dir = tempDir();
    for (const name of ['../evil', '/etc/evil', 'a/../../evil']) {
      expect(() => extractTar(parseTar(makeTar([{ name, data: new Uint8Array(1) }]), 'mem'), dir)).toThrow(/refusing unsafe path/);
    }
  });
});
