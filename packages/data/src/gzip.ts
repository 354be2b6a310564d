/**
 * gzip without Node: detection by magic number, and bounded decompression with the web platform's
 * `DecompressionStream` (browsers, Deno, Node ≥ 18), so the browser entry can read the same .gz
 * files as the Node readers. As there, decompression stops once the output passes a bound, so a
 * small "gzip bomb" cannot fill memory.
 */
import { FileFormatError, WnError } from '@wn/tensor';

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most decompressed bytes allowed: a number, or a function of the output so far that returns
 * the bound once it can tell (e.g. from a file header) and undefined while it needs more bytes.
 */
export type GunzipLimit = number | ((prefix: Uint8Array) => number | undefined);

/** Bound used until a limit function decides (and if the stream ends first): 1 GiB. */
const UNDECIDED_LIMIT = 2 ** 30;

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * `bytes` gunzipped with `DecompressionStream` (asynchronous). `source` names the file or URL in
 * errors; `limit` bounds the output (`what` says where the bound comes from). A FileFormatError
 * reports corrupt or truncated data and an output over the bound.
 */
export async function gunzipAsync(bytes: Uint8Array, source: string, limit: GunzipLimit, what = 'the limit for this file'): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    throw new WnError('gunzipAsync', `${source}: this platform has no DecompressionStream (needed to read gzip data); use a current browser or Node ≥ 18`);
  }
  if (!isGzip(bytes)) throw new FileFormatError({ op: 'gunzip', file: source }, `not gzip data: expected the magic 1f 8b, got ${bytes.length < 2 ? `${bytes.length} bytes` : `${bytes[0].toString(16)} ${bytes[1].toString(16)}`}`);
  let bound = typeof limit === 'number' ? limit : undefined;
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new FileFormatError({ op: 'gunzip', file: source, cause: error }, `gzip data is corrupt or truncated (${(error as Error).message})`);
    }
    if (chunk.done) break;
    chunks.push(chunk.value);
    total += chunk.value.length;
    if (bound === undefined && typeof limit === 'function') {
      bound = limit(concat(chunks, total));
      if (chunks.length > 1) chunks.splice(0, chunks.length, concat(chunks, total));
    }
    if (total > (bound ?? UNDECIDED_LIMIT)) {
      await reader.cancel().catch(() => undefined);
      throw new FileFormatError({ op: 'gunzip', file: source }, `decompresses to more than ${bound ?? UNDECIDED_LIMIT} bytes, ${what}; refusing to inflate it further`);
    }
  }
  return concat(chunks, total);
}
