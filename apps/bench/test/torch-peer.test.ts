import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, TorchPeer, describeTorchPeer, torchEnv } from '../src/peers/torch.js';
import { PeerError } from '../src/peers/torch-protocol.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-torch-peer.mjs', import.meta.url));
const BLAS_DIR = '/usr/lib/x86_64-linux-gnu/openblas-openmp';

/** A fake peer (test/fixtures/fake-torch-peer.mjs) behaving as `mode`, with the bench's environment for 2 threads. */
const start = (mode: string, timeoutMs = 20_000) =>
  TorchPeer.start('unused-manifest.json', 2, { command: [process.execPath, FAKE, mode], env: torchEnv(2, process.env, BLAS_DIR, () => true).env, timeoutMs });

describe('the PyTorch child\'s environment', () => {
  it('pins the OpenMP OpenBLAS ahead of any existing path, sets the malloc tunables and OMP_NUM_THREADS', () => {
    const { env, notes } = torchEnv(2, { LD_LIBRARY_PATH: '/opt/lib', HOME: '/root' }, BLAS_DIR, (p) => p === BLAS_DIR);
    expect(env.LD_LIBRARY_PATH).toBe(`${BLAS_DIR}:/opt/lib`);
    expect(env.GLIBC_TUNABLES).toBe('glibc.malloc.mmap_threshold=4294967295:glibc.malloc.trim_threshold=4294967295');
    expect(env.GLIBC_TUNABLES).toBe(MALLOC_TUNABLES);
    expect(env.OMP_NUM_THREADS).toBe('2');
    expect(env.HOME).toBe('/root');
    expect(notes).toEqual([]);
  });

  it('does not put a missing OpenBLAS folder on the path, and says so', () => {
    const { env, notes } = torchEnv(1, {}, BLAS_DIR, () => false);
    expect(env.LD_LIBRARY_PATH).toBeUndefined();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/openblas-openmp does not exist \(install libopenblas0-openmp\)/);
  });
});

describe('TorchPeer (against a fake peer speaking the protocol)', () => {
  it('loads, runs k steps, accounts CPU between requests, and quits', async () => {
    const peer = await start('ok');
    try {
      expect(peer.hello!.threads).toBe(2);
      // the child saw the environment the bench set
      expect(peer.hello!.env.GLIBC_TUNABLES).toBe(MALLOC_TUNABLES);
      expect(peer.hello!.env.LD_LIBRARY_PATH.split(':')[0]).toBe(BLAS_DIR);
      expect(await peer.load('W3', 'contiguous', 3)).toEqual([2.3, 2.2, 2.1]);
      expect(await peer.run('W3', 'contiguous', 3)).toEqual([10, 11, 12]);
      expect(await peer.run('W3', 'contiguous', 1)).toEqual([10]);
      // between the replies the fake burned 0.25 s twice; answering: 0.5 + 0.1 + 0.1 s
      expect(peer.idleCpuS).toBeCloseTo(0.5, 12);
      expect(peer.busyCpuS).toBeCloseTo(0.7, 12);
    } finally {
      await peer.close();
    }
  });

  it('says how it was configured, from what the child reported', async () => {
    const peer = await start('ok');
    await peer.close();
    const text = describeTorchPeer(peer.hello!, [2, 1], ['a note']);
    expect(text).toContain(`LD_LIBRARY_PATH=${BLAS_DIR}`);
    expect(text).toContain(`GLIBC_TUNABLES=${MALLOC_TUNABLES} (in effect: a 64 MiB malloc came from the heap)`);
    expect(describeTorchPeer({ ...peer.hello!, largeMallocOnHeap: false }, [1])).toContain('NOT in effect');
    expect(text).toContain('openblas-openmp/libblas.so.3 (the OpenMP OpenBLAS)');
    expect(text).toContain('torch.set_num_threads(n) with OMP_NUM_THREADS=n');
    expect(text).toContain('channels_last');
    expect(text).toContain('Note: a note.');
    expect(describeTorchPeer({ ...peer.hello!, blas: 'openblas-pthread/libblas.so.3' }, [1])).toContain('NOT the OpenMP OpenBLAS: ratios against it are invalid');
  });

  it('fails a request with a PeerError when the reply is malformed', async () => {
    const peer = await start('garbage-run');
    try {
      await peer.load('W3', 'contiguous', 1);
      const e = (await peer.run('W3', 'contiguous', 2).then(() => undefined, (x: unknown) => x)) as Error;
      expect(e).toBeInstanceOf(PeerError);
      expect(e.message).toMatch(/^PyTorch peer \(2 threads\): malformed reply to run 2 steps of W3 contiguous: expected one JSON object per line, got/);
    } finally {
      await peer.close();
    }
  });

  it('passes on the error the peer reports', async () => {
    const peer = await start('error-run');
    try {
      await expect(peer.run('W9', 'contiguous', 1)).rejects.toThrow("run 1 steps of W9 contiguous failed in the peer: ValueError: workload 'W9' is not in the manifest");
    } finally {
      await peer.close();
    }
  });

  it('fails the pending request, with the peer\'s stderr, when the peer dies', async () => {
    const peer = await start('exit-on-run');
    const e = (await peer.run('W4', 'contiguous', 1).then(() => undefined, (x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(PeerError);
    expect(e.message).toMatch(/exited \(code 139\) before replying; stderr: Segmentation fault in torch\.lstm_cell/);
    // and every later request too, instead of writing into a dead pipe
    await expect(peer.run('W4', 'contiguous', 1)).rejects.toThrow(/exited \(code 139\)/);
  });

  it('declares a peer that does not answer hung after the timeout, instead of waiting forever', async () => {
    const peer = await start('hang-on-run', 300);
    const t0 = performance.now();
    await expect(peer.run('W2', 'channels_last', 1)).rejects.toThrow(/no reply to run 1 steps of W2 channels_last within 0\.3 s/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('refuses a peer whose startup line is not the hello', async () => {
    await expect(start('bad-hello')).rejects.toThrow(/malformed reply to startup: expected one JSON object per line, got "Illegal instruction in libopenblas"/);
  });

  it('reports a peer command that cannot run', async () => {
    await expect(TorchPeer.start('m.json', 1, { command: ['/nonexistent/python3'], timeoutMs: 5000 })).rejects.toThrow(/PyTorch peer \(1 thread\): could not run: spawn \/nonexistent\/python3 ENOENT/);
  });
});
