/** A chain of layers, named by index ('0', '1', …) or by the keys of a record. */
import { WnError, type Tensor } from '@wn/tensor';
import { Layer, Module } from '../module.js';

/**
 * A chain of layers applied in order, named by index ('0', '1', …) or by the keys of a record (PyTorch's
 * `nn.Sequential` names).
 */
export class Sequential extends Layer {
  private readonly entries: [string, Layer][];

  constructor(layers: readonly Layer[] | Record<string, Layer> = []) {
    super();
    const list = Array.isArray(layers) ? layers.map((l, i): [string, Layer] => [String(i), l]) : Object.entries(layers);
    this.entries = [];
    for (const [name, l] of list) this.append(l, name);
  }

  /** Adds a layer at the end (named by its index unless a name is given). */
  append(layer: Layer, name = String(this.entries.length)): this {
    if (!(layer instanceof Layer)) throw new WnError('Sequential', `entry '${name}' is not a Layer (got ${layer === null ? 'null' : typeof layer})`);
    if (name.includes('.') || name === '') throw new WnError('Sequential', `layer names must be non-empty and without '.', got '${name}'`);
    if (this.entries.some(([n]) => n === name)) throw new WnError('Sequential', `duplicate layer name '${name}'`);
    this.entries.push([name, layer]);
    return this;
  }

  /** The number of layers. */
  get length(): number {
    return this.entries.length;
  }

  /** The layer at an index or with a name. */
  get<T extends Layer = Layer>(key: number | string): T {
    const e = typeof key === 'number' ? this.entries[key] : this.entries.find(([n]) => n === key);
    if (!e) throw new WnError('Sequential', `no layer ${typeof key === 'number' ? 'at index ' + key : `named '${key}'`} (has ${this.entries.map(([n]) => n).join(', ') || 'none'})`);
    return e[1] as T;
  }

  /** The layers in order. */
  layers(): Layer[] {
    return this.entries.map(([, l]) => l);
  }

  override namedChildren(): [string, Module][] {
    return this.entries.map(([n, l]): [string, Module] => [n, l]);
  }

  protected compute(x: Tensor): Tensor {
    let y = x;
    for (const [, layer] of this.entries) y = layer.forward(y);
    return y;
  }
}
