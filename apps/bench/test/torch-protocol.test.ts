import { WnError } from '@wn/tensor';
import { describe, expect, it } from 'vitest';
import { PeerError, parseHello, parseLoadReply, parseRunReply, usesOpenmpOpenblas } from '../src/peers/torch-protocol.js';

const PEER = 'PyTorch peer (2 threads)';
const HELLO = {
  hello: 'torch_steps', torch: '1.13.0a0', threads: 2, interopThreads: 1, mkldnn: true, largeMallocOnHeap: true,
  blas: 'openblas-openmp/libblas.so.3, openblas-openmp/libopenblasp-r0.3.21.so',
  env: { LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp', GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967295', OMP_NUM_THREADS: '2' },
};
const line = (o: unknown) => JSON.stringify(o);

/** The error a call throws (failing the test if it throws none). */
function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

describe('the peer\'s startup line', () => {
  it('parses what the peer says about itself', () => {
    const h = parseHello(PEER, line(HELLO));
    expect(h.threads).toBe(2);
    expect(h.env.OMP_NUM_THREADS).toBe('2');
    expect(usesOpenmpOpenblas(h)).toBe(true);
    expect(usesOpenmpOpenblas({ ...h, blas: 'openblas-pthread/libblas.so.3' })).toBe(false);
    expect(usesOpenmpOpenblas({ ...h, blas: 'blas/libblas.so.3.11.0' })).toBe(false);
  });

  it('names the field, the expected and the actual value when one is wrong', () => {
    const e = thrown(() => parseHello(PEER, line({ ...HELLO, threads: 0 })));
    expect(e).toBeInstanceOf(PeerError);
    expect(e).toBeInstanceOf(WnError);
    expect(e.message).toBe(`${PEER}: malformed reply to startup: expected "threads" to be a positive integer, got 0`);
    expect(thrown(() => parseHello(PEER, line({ ...HELLO, hello: undefined }))).message).toMatch(/expected "hello": "torch_steps", got undefined/);
    expect(thrown(() => parseHello(PEER, line({ ...HELLO, env: { OMP_NUM_THREADS: 2 } }))).message).toMatch(/"env" to be an object of strings/);
    expect(thrown(() => parseHello(PEER, line({ ...HELLO, largeMallocOnHeap: 'yes' }))).message).toMatch(/"largeMallocOnHeap" to be a boolean or null, got "yes"/);
    expect(parseHello(PEER, line({ ...HELLO, largeMallocOnHeap: null })).largeMallocOnHeap).toBeNull();
  });

  it('reports a line that is not JSON (e.g. a stray print) with the line itself', () => {
    const e = thrown(() => parseHello(PEER, 'Warning: OMP_NUM_THREADS set'));
    expect(e).toBeInstanceOf(PeerError);
    expect(e.message).toBe(`${PEER}: malformed reply to startup: expected one JSON object per line, got "Warning: OMP_NUM_THREADS set"`);
  });
});

describe('replies to requests', () => {
  const what = 'run 3 steps of W3 contiguous';

  it('parses step times and CPU counters', () => {
    expect(parseRunReply(PEER, what, line({ ok: true, ms: [4.1, 4.3, 4.2], cpu0: 1.5, cpu1: 1.53 }), 3)).toEqual({ ms: [4.1, 4.3, 4.2], cpu0: 1.5, cpu1: 1.53 });
    expect(parseLoadReply(PEER, 'load W3 contiguous', line({ ok: true, losses: [2.3, 2.0], cpu0: 0, cpu1: 0.2 }), 2).losses).toEqual([2.3, 2.0]);
  });

  it('turns a failure reported by the peer into a PeerError carrying its message', () => {
    const e = thrown(() => parseRunReply(PEER, what, line({ ok: false, error: "ValueError: run before load for ('W3', 'contiguous')" }), 3));
    expect(e).toBeInstanceOf(PeerError);
    expect(e.message).toBe(`${PEER}: ${what} failed in the peer: ValueError: run before load for ('W3', 'contiguous')`);
  });

  it('refuses malformed replies: truncated JSON, not an object, no ok, wrong count, bad times, NaN', () => {
    const cases: [string, RegExp][] = [
      ['{"ok": true, "ms": [4.1, 4.', /expected one JSON object per line, got "\{\\"ok\\": true, \\"ms\\": \[4\.1, 4\."/],
      ['[4.1, 4.3, 4.2]', /expected a JSON object, got "\[4\.1, 4\.3, 4\.2\]"/],
      [line({ ms: [1, 2, 3], cpu0: 0, cpu1: 0 }), /expected "ok" to be true or false, got undefined/],
      [line({ ok: true, ms: [1, 2], cpu0: 0, cpu1: 0 }), /expected 3 step times, got 2/],
      [line({ ok: true, ms: [1, -2, 3], cpu0: 0, cpu1: 0 }), /expected "ms" to be an array of positive step times, got \[1,-2,3\]/],
      [line({ ok: true, ms: '1,2,3', cpu0: 0, cpu1: 0 }), /expected "ms" to be an array of positive step times, got "1,2,3"/],
      [line({ ok: true, ms: [1, 2, 3], cpu0: 0 }), /expected "cpu1" to be a number, got undefined/],
      // Python's json.dumps writes NaN, which is not JSON
      ['{"ok": true, "ms": [NaN, 1, 2], "cpu0": 0, "cpu1": 0}', /expected one JSON object per line/],
    ];
    for (const [reply, message] of cases) {
      const e = thrown(() => parseRunReply(PEER, what, reply, 3));
      expect(e, reply).toBeInstanceOf(PeerError);
      expect(e.message, reply).toMatch(message);
      expect(e.message, reply).toContain(`${PEER}: malformed reply to ${what}`);
    }
    expect(thrown(() => parseLoadReply(PEER, 'load W3', line({ ok: true, losses: [2.3], cpu0: 0, cpu1: 0 }), 3)).message).toMatch(/expected 3 losses, got 1/);
  });

  it('clips a long garbage line in the message', () => {
    const e = thrown(() => parseRunReply(PEER, what, 'x'.repeat(5000), 3));
    expect(e.message.length).toBeLessThan(400);
    expect(e.message).toContain('…');
  });
});
