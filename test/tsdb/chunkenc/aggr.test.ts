// AggrChunk bytes: a chunk assembled by hand from the documented layout (compact-receive-rule.md §1.9: per entry
// uvarint(len of sub-chunk data), encoding byte, data; 0x00 for an absent aggregate) decodes to its parts and
// re-encodes byte for byte; corrupt lengths are errors naming the entry; the counter-reset iterator.
import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { AggrType, aggrChunkGet, aggrChunkNumSamples, decodeAggrChunk, encodeAggrChunk } from '../../../src/tsdb/chunkenc/aggr.js';
import { AverageIterator, CounterResetsIterator } from '../../../src/tsdb/chunkenc/aggr-iterators.js';
import { XorIterator, encodeXor } from '../../../src/tsdb/chunkenc/xor.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

// Prometheus's bytes for the reference XOR example (test/tsdb/chunkenc/xor.test.ts): 39 bytes, 6 samples.
const XOR6 = '0006d00f3ff00000000000009875c25fff6c070002bffed25513e00000000006d67d3813ff8920';

function samples(data: Uint8Array): [number, number][] {
  const it = new XorIterator(data);
  const out: [number, number][] = [];
  while (it.next()) out.push([it.atT(), it.atF()]);
  expect(it.err()).toBeUndefined();
  return out;
}

describe('AggrChunk layout', () => {
  it('decodes a chunk assembled by hand from the documented layout and re-encodes it byte for byte', () => {
    // A sub-chunk longer than 127 bytes, so its length takes a two-byte uvarint.
    const ts = Array.from({ length: 40 }, (_, i) => 300_000 * (i + 1) - 1);
    const long = encodeXor(ts, ts.map((_, i) => Math.sqrt(i + 2) * 1000.123));
    expect(long.length).toBeGreaterThan(127);
    const lenHex = Buffer.from([(long.length & 0x7f) | 0x80, long.length >> 7]).toString('hex');
    const xor6 = fromHex(XOR6);
    const golden =
      '27' + '01' + XOR6 + //            count: len 39, XOR, data
      lenHex + '01' + hex(long) + //     sum: two-byte length
      '00' + //                          min: absent
      '27' + '01' + XOR6 + //            max
      '27' + '01' + XOR6; //             counter
    const bytes = fromHex(golden);
    const e = decodeAggrChunk(bytes);
    expect(e[AggrType.Count]?.encoding).toBe(1);
    expect(hex(e[AggrType.Count]!.data)).toBe(XOR6);
    expect(hex(e[AggrType.Sum]!.data)).toBe(hex(long));
    expect(e[AggrType.Min]).toBeUndefined();
    expect(hex(e[AggrType.Max]!.data)).toBe(XOR6);
    expect(hex(e[AggrType.Counter]!.data)).toBe(XOR6);
    expect(samples(e[AggrType.Count]!.data)).toEqual(samples(xor6));
    expect(hex(encodeAggrChunk(e))).toBe(golden);
    expect(aggrChunkNumSamples(bytes)).toBe(6);
    expect(aggrChunkGet(bytes, AggrType.Min)).toBeUndefined();
  });

  it('writes an absent aggregate as a single zero byte and a float-histogram entry with encoding 3', () => {
    const x = fromHex(XOR6);
    const out = encodeAggrChunk([undefined, { encoding: 3, data: x }, undefined, undefined, undefined]);
    expect(hex(out)).toBe('00' + '27' + '03' + XOR6 + '000000');
  });

  it('refuses a length that points past the end, naming the entry', () => {
    const bad = fromHex('27' + '01' + XOR6 + '50' + '01' + 'aabb');
    expect(() => decodeAggrChunk(bad)).toThrow(CorruptionError);
    expect(() => decodeAggrChunk(bad)).toThrow(/sum entry/);
    expect(() => decodeAggrChunk(fromHex('ff'))).toThrow(/count entry/);
  });
});

class ArrayIt {
  private i = -1;
  constructor(private readonly s: readonly [number, number][]) {}
  next(): 0 | 1 { return ++this.i < this.s.length ? 1 : 0; }
  seek(t: number): 0 | 1 { while (this.i < this.s.length && (this.i < 0 || this.s[this.i]![0] < t)) this.i++; return this.i < this.s.length ? 1 : 0; }
  atT(): number { return this.s[this.i]![0]; }
  atF(): number { return this.s[this.i]![1]; }
  err(): undefined { return undefined; }
}

describe('CounterResetsIterator', () => {
  it('accumulates across resets inside and between chunks, using the duplicated-timestamp last-value marker', () => {
    // Chunk 1: first raw 10, aggregate totals 15, 22 (a reset inside), last raw value 3 at the last window.
    // Chunk 2: first raw 1 (< 3: a reset between chunks), then totals.
    const c1: [number, number][] = [[0, 10], [100, 15], [200, 22], [200, 3]];
    const c2: [number, number][] = [[250, 1], [300, 6], [400, 9], [400, 9]];
    const it = new CounterResetsIterator([new ArrayIt(c1), new ArrayIt(c2)]);
    const got: [number, number][] = [];
    while (it.next()) got.push([it.atT(), it.atF()]);
    // 10, 15, 22, then 1 < 3 adds 1 → 23, 6 ≥ 1 adds 5 → 28, +3 → 31.
    expect(got).toEqual([[0, 10], [100, 15], [200, 22], [250, 23], [300, 28], [400, 31]]);
    expect(it.lastRaw).toBe(9);
  });

  it('averages aligned sum and count', () => {
    const it = new AverageIterator(new ArrayIt([[1, 2], [2, 4]]), new ArrayIt([[1, 10], [2, 10]]));
    const got: number[] = [];
    while (it.next()) got.push(it.atF());
    expect(got).toEqual([5, 2.5]);
    const bad = new AverageIterator(new ArrayIt([[1, 2]]), new ArrayIt([[2, 10]]));
    expect(bad.next()).toBe(0);
    expect(bad.err()?.message).toMatch(/not aligned/);
  });
});
