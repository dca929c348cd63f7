// The sidecar's output slab pool: memory is reused only after the writer sealed a slab and every message cut from
// it was released; oversize slabs and unreleased messages never come back.
import { describe, expect, it } from 'vitest';
import { SLAB_BYTES, SlabPool } from '../../../src/store/prometheus/slab-pool.js';

describe('SlabPool', () => {
  it('reuses a slab only once it is sealed and all its messages are released', () => {
    const pool = new SlabPool();
    const a = pool.take(100);
    expect(a.length).toBe(SLAB_BYTES);
    const m1 = a.subarray(0, 10);
    const m2 = a.subarray(10, 20);
    pool.handOut(a);
    pool.handOut(a);
    pool.release(m1);
    pool.seal(a);
    // m2 is still out: a fresh slab, not `a`.
    const b = pool.take(100);
    expect(b.buffer).not.toBe(a.buffer);
    pool.release(m2);
    const c = pool.take(100);
    expect(c.buffer).toBe(a.buffer);
  });

  it('keeps unsealed slabs, ignores extra releases and foreign memory, and never pools oversize slabs', () => {
    const pool = new SlabPool();
    const a = pool.take();
    const m = a.subarray(0, 4);
    pool.handOut(a);
    pool.release(m);
    expect(pool.take().buffer).not.toBe(a.buffer); // not sealed yet
    pool.release(m); // a second release of the same message changes nothing
    pool.release(Buffer.alloc(8));
    pool.seal(a);
    expect(pool.take().buffer).toBe(a.buffer);
    const big = pool.take(SLAB_BYTES + 1);
    expect(big.length).toBe(SLAB_BYTES + 1);
    pool.seal(big);
    expect(pool.take().buffer).not.toBe(big.buffer);
  });
});
