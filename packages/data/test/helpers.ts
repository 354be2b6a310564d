/** Shared fixtures for the tests: temp folders, synthetic data, a tiny tar writer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const madeDirs: string[] = [];
// Registered once, when a test file imports this module: an afterAll registered inside a test
// (where tempDir() is often called) never runs, and its folder stayed behind in the temp dir.
afterAll(() => {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temp folder, removed after the test file finishes (wherever it is called from). */
export function tempDir(prefix = 'wn-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

/** Deterministic bytes for fixtures (a simple LCG, independent of the code under test). */
export function fixtureBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** CIFAR-10 binary records for the given labels, with image bytes from fixtureBytes. */
export function cifarRecords(labels: number[], seed: number): Uint8Array {
  const pixels = fixtureBytes(labels.length * 3072, seed);
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    out[r * 3073] = label;
    out.set(pixels.subarray(r * 3072, (r + 1) * 3072), r * 3073 + 1);
  });
  return out;
}

/** A ustar archive of regular files, written independently of src/tar.ts. */
export function makeTar(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  const ascii = (header: Uint8Array, at: number, text: string): void => {
    for (let k = 0; k < text.length; k++) header[at + k] = text.charCodeAt(k);
  };
  for (const file of files) {
    const header = new Uint8Array(512);
    ascii(header, 0, file.name);
    ascii(header, 100, '0000644\0');
    ascii(header, 108, '0000000\0');
    ascii(header, 116, '0000000\0');
    ascii(header, 124, `${file.data.length.toString(8).padStart(11, '0')}\0`);
    ascii(header, 136, '00000000000\0');
    header[156] = '0'.charCodeAt(0);
    ascii(header, 257, 'ustar\0');
    ascii(header, 263, '00');
    header.fill(0x20, 148, 156);
    const sum = header.reduce((a, b) => a + b, 0);
    ascii(header, 148, `${sum.toString(8).padStart(6, '0')}\0 `);
    blocks.push(header);
    const padded = new Uint8Array(Math.ceil(file.data.length / 512) * 512);
    padded.set(file.data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
