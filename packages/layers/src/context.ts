/**
 * The data-dependent initialization pass is a mode: while `initFromData` runs, layers that can be
 * initialized from data (weight-normalized dense/conv/transposed-conv layers, `DataInitScale`)
 * hand their input to the active visitor before computing their output.
 */
import type { Tensor } from '@wn/tensor';
import type { Module } from './module.js';

export interface DataInitVisitor {
  /** Called with the layer and its input; may update the layer's parameters in place. */
  visit(layer: Module, x: Tensor): void;
}

let active: DataInitVisitor | null = null;

export function activeDataInit(): DataInitVisitor | null {
  return active;
}

export function withDataInit<T>(visitor: DataInitVisitor, fn: () => T): T {
  if (active) throw new Error('initFromData: already running (nested initFromData calls are not supported)');
  active = visitor;
  try {
    return fn();
  } finally {
    active = null;
  }
}
