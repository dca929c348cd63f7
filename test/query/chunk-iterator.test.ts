// ChunksIterator over real XOR chunks: next across chunks, seek skipping whole chunks, non-XOR chunks skipped,
// corrupt data reported through err().
import { describe, expect, it } from 'vitest';
import { ChunksIterator } from '../../src/query/chunk-iterator.js';
import type { AggrChunk } from '../../src/store/store-api.js';
import { ValFloat, ValNone } from '../../src/tsdb/chunkenc/chunk.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';

const chunk = (ts: number[], vs: number[]): AggrChunk => ({ minTime: ts[0]!, maxTime: ts[ts.length - 1]!, raw: { encoding: 'XOR', data: encodeXor(ts, vs) } });

describe('ChunksIterator', () => {
  const chunks = [chunk([0, 10, 20], [1, 2, 3]), { minTime: 25, maxTime: 28, count: { encoding: 'XOR', data: new Uint8Array([0, 0]) } } as AggrChunk, chunk([30, 40], [4, 5])];

  it('reads every sample in order across chunks, skipping chunks without raw XOR data', () => {
    const it = new ChunksIterator(chunks);
    const got: number[][] = [];
    while (it.next() === ValFloat) got.push([it.atT(), it.atF()]);
    expect(got).toEqual([[0, 1], [10, 2], [20, 3], [30, 4], [40, 5]]);
    expect(it.err()).toBeUndefined();
  });

  it('seeks forward only, across chunk boundaries', () => {
    const it = new ChunksIterator(chunks);
    expect(it.seek(15)).toBe(ValFloat);
    expect(it.atT()).toBe(20);
    expect(it.seek(5)).toBe(ValFloat);
    expect(it.atT()).toBe(20);
    expect(it.seek(21)).toBe(ValFloat);
    expect([it.atT(), it.atF()]).toEqual([30, 4]);
    expect(it.seek(41)).toBe(ValNone);
  });

  it('reports corrupt chunk data through err()', () => {
    const good = encodeXor([0, 10, 20], [1, 2, 3]);
    const it = new ChunksIterator([{ minTime: 0, maxTime: 20, raw: { encoding: 'XOR', data: good.subarray(0, 4) } }]);
    while (it.next() !== ValNone) { /* drain */ }
    expect(it.err()?.message).toMatch(/corrupt/);
  });
});
