/**
 * Where a format keeps a JSON header, so the mutators can edit it as JSON (reorder and duplicate
 * keys, add `__proto__`/`constructor`, wrong types, huge numbers) and write the file back.
 */
export interface JsonHeaderCodec {
  /** The header text, or undefined when the bytes do not hold one. */
  read(bytes: Uint8Array): string | undefined;
  /** The bytes with the header replaced by `text`. */
  write(bytes: Uint8Array, text: string): Uint8Array;
}

/**
 * The safetensors layout: an 8-byte little-endian header length, the UTF-8 JSON header, the data
 * (also the layout of @wn/layers' optimizer-state files and of checkpoints).
 */
export const safetensorsHeader: JsonHeaderCodec = {
  read(bytes) {
    if (bytes.length < 8) return undefined;
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
    if (n > bytes.length - 8) return undefined;
    return new TextDecoder().decode(bytes.subarray(8, 8 + n));
  },
  write(bytes, text) {
    const n = Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true));
    const header = new TextEncoder().encode(text);
    const out = new Uint8Array(8 + header.length + bytes.length - 8 - n);
    new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
    out.set(header, 8);
    out.set(bytes.subarray(8 + n), 8 + header.length);
    return out;
  },
};
