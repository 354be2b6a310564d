/** The error types every @wn package throws, and the prototype-key check file readers share. */
import { describe, expect, it } from 'vitest';
import { FileFormatError, prototypeKeySegment, WnError } from '../src/index.js';

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

describe('prototypeKeySegment', () => {
  it('finds __proto__, constructor and prototype as whole dotted segments only', () => {
    expect(prototypeKeySegment('__proto__')).toBe('__proto__');
    expect(prototypeKeySegment('a.constructor.b')).toBe('constructor');
    expect(prototypeKeySegment('net.prototype')).toBe('prototype');
    expect(prototypeKeySegment('conv.weight_g')).toBeUndefined();
    expect(prototypeKeySegment('prototypes.constructors')).toBeUndefined();
  });
});
