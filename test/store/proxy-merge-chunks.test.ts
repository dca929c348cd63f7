// Chunks of one series merged from several frames (the proxy's merge): time order, ties kept in frame order, exact
// duplicates (replicated chunks) dropped; the two-part fast path against the plain definition on random input.

import { describe, expect, it } from 'vitest';
import { mergeChunks } from '../../src/store/merge.js';
import type { AggrChunk } from '../../src/store/store-api.js';

/** The definition: all chunks, stably sorted by (minTime, maxTime), a chunk equal to the one kept before it dropped. */
function reference(parts: readonly (readonly AggrChunk[])[]): AggrChunk[] {
  const all = parts.flat().sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  const out: AggrChunk[] = [];
  for (const c of all) {
    const p = out[out.length - 1];
    const same = p !== undefined && p.minTime === c.minTime && p.maxTime === c.maxTime && p.raw !== undefined && c.raw !== undefined &&
      Buffer.from(p.raw.data).equals(Buffer.from(c.raw.data));
    if (!same) out.push(c);
  }
  return out;
}

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

function randomPart(r: () => number, sorted: boolean): AggrChunk[] {
  const out: AggrChunk[] = [];
  for (let i = 0, n = Math.floor(r() * 6); i < n; i++) {
    const minTime = Math.floor(r() * 4) * 100;
    const maxTime = minTime + Math.floor(r() * 2) * 50;
    // Few distinct payloads (one a plain Uint8Array, not a Buffer), so equal and unequal data meet at equal times.
    const k = Math.floor(r() * 3);
    const data = k === 0 ? Buffer.from([1, 2, 3]) : k === 1 ? new Uint8Array([1, 2, 4]) : Buffer.from([1, 2]);
    out.push(r() < 0.1 ? { minTime, maxTime } : { minTime, maxTime, raw: { encoding: 'XOR', data } });
  }
  return sorted ? out.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime) : out;
}

describe('mergeChunks', () => {
  it('merges two replicas of identical chunks into one copy', () => {
    const chunk = (t: number, b: number): AggrChunk => ({ minTime: t, maxTime: t + 99, raw: { encoding: 'XOR', data: Buffer.from([b, b]) } });
    const a = [chunk(0, 1), chunk(100, 2), chunk(200, 3)];
    const b = [chunk(0, 1), chunk(100, 2), chunk(200, 3)];
    expect(mergeChunks([a, b])).toEqual(a);
    expect(mergeChunks([a, b])[1]).toBe(a[1]);
  });

  it('agrees with the definition on random parts, sorted or not, two or three of them', () => {
    const r = rng(7);
    for (let round = 0; round < 3000; round++) {
      const k = round % 3 === 0 ? 3 : 2;
      const parts = Array.from({ length: k }, () => randomPart(r, r() < 0.85));
      const got = mergeChunks(parts);
      const want = reference(parts);
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBe(want[i]);
    }
  });
});
