import { readFileSync } from 'node:fs';
import { dispose, tensor, type Tensor } from '@wn/tensor';
import type { Module } from '../src/index.js';
import { expect } from 'vitest';

export interface FT {
  shape: number[];
  data: number[];
  dtype?: string;
}

const FIXTURES = new URL('../../../tooling/fixtures/', import.meta.url);

export function fixturePath(name: string): URL {
  return new URL(name, FIXTURES);
}

export function loadJson<T = any>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

export function fixtureCase(file: string, name: string): any {
  const c = loadJson(file).cases.find((x: { name: string }) => x.name === name);
  if (!c) throw new Error(`no case ${name} in ${file}`);
  return c;
}

export const t = (f: FT): Tensor => tensor(Float32Array.from(f.data), f.shape);

/** Agreement recorded by the fixture tests: name → max relative error. */
export const agreement: Record<string, number> = {};

/**
 * Elementwise |a − e| ≤ rtol · max(|e|, floor · max|E|): relative error, with the denominator
 * floored at a small fraction of the tensor's scale so values that are zero by cancellation do
 * not dominate. Returns the max relative error (also recorded under `label`).
 */
export function expectClose(actual: Tensor | ArrayLike<number>, expected: FT | ArrayLike<number>, rtol: number, label?: string, floor = 1e-3): number {
  const a = 'dataSync' in (actual as object) ? (actual as Tensor).dataSync() : (actual as ArrayLike<number>);
  const e: ArrayLike<number> = 'data' in (expected as object) ? (expected as FT).data : (expected as ArrayLike<number>);
  if ('shape' in (actual as object) && 'shape' in (expected as object)) {
    expect([...(actual as Tensor).shape]).toEqual((expected as FT).shape);
  }
  expect(a.length).toBe(e.length);
  let scale = 0;
  for (let i = 0; i < e.length; i++) scale = Math.max(scale, Math.abs(e[i]));
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < e.length; i++) {
    const denom = Math.max(Math.abs(e[i]), floor * scale, 1e-30);
    const r = Math.abs(a[i] - e[i]) / denom;
    if (!(r <= worst)) {
      worst = r;
      worstAt = i;
    }
  }
  if (label) agreement[label] = Math.max(agreement[label] ?? 0, worst);
  if (!(worst <= rtol)) {
    throw new Error(`${label ?? 'tensor'}: max relative error ${worst} > ${rtol} at index ${worstAt} (actual ${a[worstAt]}, expected ${e[worstAt]})`);
  }
  return worst;
}

/** Loads a fixture's parameters (PyTorch values under @wn's names); only buffers may be left out. */
export function loadParams(model: Module, state: Record<string, FT>): void {
  const dict = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, t(v)]));
  const { missing, unexpected } = model.loadStateDict(dict, { strict: false });
  dispose(dict);
  expect(unexpected, 'fixture keys the model does not have').toEqual([]);
  const params = new Set(model.namedParameters().map(([k]) => k));
  expect(missing.filter((k) => params.has(k)), 'parameters the fixture does not set').toEqual([]);
}
