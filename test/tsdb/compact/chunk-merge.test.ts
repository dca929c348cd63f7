// The compacting chunk merge (Prometheus's default for overlapping series) as a table: identical chunks once,
// identical samples once, interleaved streams merged, re-cut every 120 samples, untouched chunks passed through.
import { describe, expect, it } from 'vitest';
import type { EncodedChunk } from '../../../src/tsdb/block/writer.js';
import { Encoding, STALE_NAN, isStaleNaN } from '../../../src/tsdb/chunkenc/chunk.js';
import { XorIterator, encodeXor } from '../../../src/tsdb/chunkenc/xor.js';
import { chunksInOrder, compactingChunkMerge, mergeSamples } from '../../../src/tsdb/compact/chunk-merge.js';
import type { SeriesMergeInput } from '../../../src/tsdb/compact/chunk-merge.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

type S = [number, number];
const L = labelsFromRecord({ __name__: 'm' });

/** Values go through a Float64Array: V8 may canonicalise NaN payloads (stale markers) in plain arrays. */
function chunk(samples: readonly S[], vs = Float64Array.from(samples, (s) => s[1])): EncodedChunk {
  return { minTime: samples[0]![0], maxTime: samples[samples.length - 1]![0], encoding: Encoding.XOR, data: encodeXor(samples.map((s) => s[0]), vs) };
}
function input(block: number, ...chunks: (readonly S[])[]): SeriesMergeInput {
  return { labels: L, block, chunks: chunks.map((c) => chunk(c)) };
}
function samplesOf(chunks: readonly EncodedChunk[]): S[] {
  const out: S[] = [];
  for (const c of chunks) {
    const it = new XorIterator(c.data);
    while (it.next()) out.push([it.atT(), it.atF()]);
    expect(it.err()).toBeUndefined();
  }
  return out;
}
const range = (from: number, to: number, step = 1, v = (t: number): number => t): S[] => {
  const out: S[] = [];
  for (let t = from; t < to; t += step) out.push([t, v(t)]);
  return out;
};

const cases: { name: string; inputs: SeriesMergeInput[]; samples: S[]; chunkSizes: number[]; passthrough?: boolean }[] = [
  {
    name: 'non-overlapping chunks of two blocks pass through untouched',
    inputs: [input(0, range(0, 10)), input(1, range(10, 20))],
    samples: range(0, 20), chunkSizes: [10, 10], passthrough: true,
  },
  {
    name: 'disjoint blocks given newest first: chunks put in time order, untouched',
    inputs: [input(0, range(20, 30)), input(1, range(0, 10), range(10, 20))],
    samples: range(0, 30), chunkSizes: [10, 10, 10], passthrough: true,
  },
  {
    name: 'identical chunks in two blocks are kept once (1:1 duplicate, not re-encoded)',
    inputs: [input(0, range(0, 10)), input(1, range(0, 10))],
    samples: range(0, 10), chunkSizes: [10], passthrough: true,
  },
  {
    name: 'the same samples cut into different chunks: merged, each sample once',
    inputs: [input(0, range(0, 10), range(10, 20)), input(1, range(0, 5), range(5, 20))],
    samples: range(0, 20), chunkSizes: [20],
  },
  {
    name: 'interleaved timestamps from two blocks',
    inputs: [input(0, range(0, 20, 2)), input(1, range(1, 20, 2))],
    samples: range(0, 20), chunkSizes: [20],
  },
  {
    name: 'partial overlap: the union, identical samples once',
    inputs: [input(0, range(0, 15)), input(1, range(10, 25))],
    samples: range(0, 25), chunkSizes: [25],
  },
  {
    name: 'three blocks over 300 samples: re-cut every 120 samples',
    inputs: [input(0, range(0, 300, 3)), input(1, range(1, 300, 3)), input(2, range(2, 300, 3), range(300, 310))],
    samples: range(0, 310), chunkSizes: [120, 120, 60, 10],
  },
  {
    name: 'a chunk overlapping only the end of a merged run is merged into it',
    inputs: [input(0, range(0, 100), range(100, 200)), input(1, range(50, 150))],
    samples: range(0, 200), chunkSizes: [120, 80],
  },
  {
    name: 'same timestamp with different values: one sample, from the chunk queued first',
    inputs: [input(0, [[1, 10], [2, 20], [3, 30]]), input(1, [[2, 99], [4, 40]])],
    samples: [[1, 10], [2, 99], [3, 30], [4, 40]], chunkSizes: [4],
  },
];

describe('compactingChunkMerge', () => {
  for (const c of cases) {
    it(c.name, () => {
      const out = compactingChunkMerge(L, c.inputs);
      expect(chunksInOrder(out)).toBe(true);
      expect(samplesOf(out)).toEqual(c.samples);
      expect(out.map((x) => samplesOf([x]).length)).toEqual(c.chunkSizes);
      for (const x of out) expect([x.minTime, x.maxTime]).toEqual([samplesOf([x])[0]![0], samplesOf([x]).at(-1)![0]]);
      const inputChunks = c.inputs.flatMap((i) => i.chunks);
      expect(out.every((x) => inputChunks.includes(x))).toBe(c.passthrough ?? false);
    });
  }

  it('keeps stale markers bit for bit through a merge', () => {
    const stale = (block: number, t: number): SeriesMergeInput => {
      const vs = new Float64Array(2);
      vs[0] = t;
      vs[1] = STALE_NAN; // set directly: an array literal may canonicalise the NaN
      return { labels: L, block, chunks: [chunk([[t, 0], [3, 0]], vs)] };
    };
    const out = compactingChunkMerge(L, [stale(0, 1), stale(1, 2)]);
    const it = new XorIterator(out[0]!.data);
    const got: boolean[] = [];
    while (it.next()) got.push(isStaleNaN(it.atF()));
    expect(got).toEqual([false, false, true]);
  });

  it('refuses to merge overlapping chunks it cannot decode, naming the series', () => {
    const h: EncodedChunk = { minTime: 0, maxTime: 5, encoding: Encoding.Histogram, data: new Uint8Array([0, 1, 0]) };
    expect(() => compactingChunkMerge(L, [{ labels: L, block: 0, chunks: [h] }, input(1, range(0, 3))])).toThrow(/m.*histogram/);
  });
});

describe('mergeSamples', () => {
  it('merges by timestamp and reports corrupt chunks', () => {
    const { ts, vs } = mergeSamples(L, [chunk([[5, 1], [7, 1]]), chunk([[6, 2]])]);
    expect([...ts]).toEqual([5, 6, 7]);
    expect([...vs]).toEqual([1, 2, 1]);
    const bad: EncodedChunk = { ...chunk(range(0, 10)), data: encodeXor([0, 1, 2], [0, 1, 2]).subarray(0, 5) };
    expect(() => mergeSamples(L, [bad])).toThrow();
  });
});
