/** The safetensors reader/writer: dtypes, I64 buffers, header validation. */
import { describe, expect, it } from 'vitest';
import { Rng, tidy } from '@wn/tensor';
import { BatchNorm, Conv2d, decodeSafetensors, encodeSafetensors, loadState, MeanOnlyBatchNorm, saveState, Sequential, weightNorm } from '../src/index.js';

/** A file from a raw header object and data bytes (as another writer would produce). */
function rawFile(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while ((json.length % 8) !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('batch-norm state round-trips, num_batches_tracked stored as I64 (shape [])', () => {
    tidy(() => {
      const model = new Sequential({ conv: weightNorm(new Conv2d(2, 3, 3, { rng: 1 })), bn: new BatchNorm(3), mobn: new MeanOnlyBatchNorm(3) });
      model.forward(new Rng(2).normal([4, 2, 5, 5]));
      model.forward(new Rng(3).normal([4, 2, 5, 5]));
      const bytes = saveState(model);
      const file = decodeSafetensors(bytes);
      expect(file.tensors['bn.num_batches_tracked']).toMatchObject({ dtype: 'I64', shape: [] });
      expect(Array.from(file.tensors['bn.num_batches_tracked'].values)).toEqual([2]);
      expect(file.tensors['bn.running_var'].dtype).toBe('F32');
      const copy = new Sequential({ conv: weightNorm(new Conv2d(2, 3, 3, { rng: 9 })), bn: new BatchNorm(3), mobn: new MeanOnlyBatchNorm(3) });
      loadState(copy, bytes);
      for (const [k, v] of Object.entries(model.stateDict())) expect(Array.from(copy.stateDict()[k].dataSync())).toEqual(Array.from(v.dataSync()));
      model.eval();
      copy.eval();
      const x = new Rng(4).normal([2, 2, 5, 5]);
      expect(Array.from(copy.forward(x).dataSync())).toEqual(Array.from(model.forward(x).dataSync()));
    });
  });

  it('reads F64, F16, BF16, I32, I64, U8 and BOOL written by another writer', () => {
    const data = new Uint8Array(8 + 2 + 2 + 4 + 8 + 1 + 1);
    const v = new DataView(data.buffer);
    v.setFloat64(0, 1.25, true);
    v.setUint16(8, 0x3c00, true); // F16 1.0
    v.setUint16(10, 0xc000, true); // BF16 −2.0
    v.setInt32(12, -7, true);
    v.setBigInt64(16, 123456789n, true);
    v.setUint8(24, 200);
    v.setUint8(25, 1);
    const header = {
      a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      b: { dtype: 'F16', shape: [1], data_offsets: [8, 10] },
      c: { dtype: 'BF16', shape: [], data_offsets: [10, 12] },
      d: { dtype: 'I32', shape: [1, 1], data_offsets: [12, 16] },
      e: { dtype: 'I64', shape: [], data_offsets: [16, 24] },
      f: { dtype: 'U8', shape: [1], data_offsets: [24, 25] },
      g: { dtype: 'BOOL', shape: [1], data_offsets: [25, 26] },
    };
    const f = decodeSafetensors(rawFile(header, data, false));
    expect(Object.fromEntries(Object.entries(f.tensors).map(([k, t]) => [k, t.values[0]]))).toEqual({ a: 1.25, b: 1, c: -2, d: -7, e: 123456789, f: 200, g: 1 });
    expect(f.metadata).toBeNull();
  });

  it('writer: sorted keys, contiguous offsets, header padded to 8, metadata strings only', () => {
    const bytes = encodeSafetensors({ zeta: { values: [1, 2], shape: [2] }, alpha: { values: [3], shape: [1, 1] }, n: { values: [5], shape: [], dtype: 'I64' } }, { note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(Object.keys(header)).toEqual(['__metadata__', 'alpha', 'n', 'zeta']);
    expect(header.alpha.data_offsets).toEqual([0, 4]);
    expect(header.n).toEqual({ dtype: 'I64', shape: [], data_offsets: [4, 12] });
    expect(header.zeta.data_offsets).toEqual([12, 20]);
    expect(() => encodeSafetensors({ a: { values: [1], shape: [1] } }, { bad: 1 as unknown as string })).toThrow(/metadata 'bad' must be a string/);
    expect(() => encodeSafetensors({ a: { values: [1.5], shape: [1], dtype: 'I64' } })).toThrow(/I64 storage needs integer values/);
  });

  it('writes U8 as one byte per value and refuses values outside 0..255', () => {
    const bytes = encodeSafetensors({ packed: { values: Uint8Array.from([0, 1, 128, 255]), shape: [4], dtype: 'U8' }, b: { values: [3, 4], shape: [2], dtype: 'U8' } });
    const f = decodeSafetensors(bytes);
    expect(f.tensors.packed).toMatchObject({ dtype: 'U8', shape: [4] });
    expect(Array.from(f.tensors.packed.values)).toEqual([0, 1, 128, 255]);
    expect(Array.from(f.tensors.b.values)).toEqual([3, 4]);
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(bytes.length - 8 - n).toBe(6);
    expect(() => encodeSafetensors({ a: { values: [256], shape: [1], dtype: 'U8' } })).toThrow(/U8 storage needs integers in 0\.\.255, got 256/);
    expect(() => encodeSafetensors({ a: { values: [0.5], shape: [1], dtype: 'U8' } })).toThrow(/U8 storage needs integers in 0\.\.255, got 0.5/);
  });

  it('rejects malformed files with a precise message', () => {
    const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };
    const data = new Uint8Array(8);
    expect(() => decodeSafetensors(new Uint8Array(4))).toThrow(/too short/);
    const big = rawFile(ok, data);
    new DataView(big.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(big)).toThrow(/header length .* exceeds the file/);
    const notJson = rawFile(ok, data);
    notJson[8] = 0x41;
    expect(() => decodeSafetensors(notJson)).toThrow(/not valid UTF-8 JSON/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'Q8', shape: [2], data_offsets: [0, 8] } }, data))).toThrow(/safetensors: a\.dtype: unsupported dtype "Q8"/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data))).toThrow(/a\.data_offsets: span 8 bytes but shape \[3\] of F32 needs 12/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 16] } }, data))).toThrow(/a\.data_offsets: \[0,16\] must be \[begin, end\]/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [2, 6] } }, data))).toThrow(/overlaps/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data))).toThrow(/hole/);
    expect(() => decodeSafetensors(rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data))).toThrow(/data section has 8 bytes but the tensors cover 4/);
    expect(() => decodeSafetensors(rawFile({ __metadata__: { a: 1 }, ...ok }, data))).toThrow(/__metadata__ must map strings to strings/);
  });
});
