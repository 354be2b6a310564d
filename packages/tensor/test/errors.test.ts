/** The error types every @wn package throws. */
import { describe, expect, it } from 'vitest';
import { FileFormatError, WnError } from '../src/index.js';

describe('FileFormatError', () => {
  it('is a WnError that names the file and the field, keeps the op and the cause', () => {
    const cause = new RangeError('boom');
    const e = new FileFormatError({ op: 'readIdx', file: 'a/b.idx', field: 'dims[1]', cause }, 'expected ≥ 1 got 0');
    expect(e).toBeInstanceOf(WnError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('FileFormatError');
    expect(e.message).toBe('a/b.idx: dims[1]: expected ≥ 1 got 0');
    expect([e.op, e.file, e.field, e.cause]).toEqual(['readIdx', 'a/b.idx', 'dims[1]', cause]);
  });

  it('without a file the message starts with the op, as a WnError', () => {
    const e = new FileFormatError({ op: 'safetensors' }, 'file too short (3 bytes)');
    expect(e.message).toBe('safetensors: file too short (3 bytes)');
    expect(e.file).toBeUndefined();
    expect(new WnError('op', 'x').name).toBe('WnError');
  });
});
