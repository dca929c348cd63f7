// XOR chunks: Prometheus's bytes for a worked example, round trips of awkward values and timestamps, the 2.x
// trailing byte, seeking, and corrupt data that must end iteration with an error instead of hanging.
import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { STALE_NAN, ValNone, isStaleNaN } from '../../../src/tsdb/chunkenc/chunk.js';
import { cutChunks } from '../../../src/tsdb/chunkenc/cutter.js';
import { XorAppender, XorIterator, decodeXorInto, encodeXor, xorNumSamples } from '../../../src/tsdb/chunkenc/xor.js';
import { rng } from '../support/testdata.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// Never build these from array literals: V8 canonicalises NaN payloads in plain double arrays.
const bitsOf = (v: number): string => { const f = new Float64Array(1); f[0] = v; return Buffer.from(f.buffer).toString('hex'); };

function decode(data: Uint8Array): { t: number[]; v: Float64Array; err: Error | undefined } {
  const it = new XorIterator(data);
  const t: number[] = [];
  const v: number[] = [];
  const out = new Float64Array(xorNumSamples(data));
  while (it.next()) { out[t.length] = it.atF(); t.push(it.atT()); v.push(0); }
  return { t, v: out.subarray(0, t.length), err: it.err() };
}

describe('XorAppender', () => {
  it('writes the bytes promtool 2.42 wrote for the reference example', () => {
    const a = new XorAppender();
    for (const [t, v] of [[1000, 1.0], [16000, 2.0], [31000, 3.0], [46001, 3.0], [61000, 100.5], [3661000, -0.25]] as const) a.append(t, v);
    expect(hex(a.bytes())).toBe('0006d00f3ff00000000000009875c25fff6c070002bffed25513e00000000006d67d3813ff8920');
  });

  it('adds the Prometheus 2.x trailing byte only after a whole aligned byte field', () => {
    const one = new XorAppender();
    one.append(5, 1.5);
    expect(one.bytes().length).toBe(2 + 1 + 8);
    expect(hex(one.bytes(true))).toBe(hex(one.bytes()) + '00');
    const unchanged = new XorAppender();
    unchanged.append(5, 1.5);
    unchanged.append(10, 1.5);
    expect(hex(unchanged.bytes(true))).toBe(hex(unchanged.bytes()));
  });
});

describe('XorIterator', () => {
  it('round-trips special values bit for bit, stale markers included', () => {
    const values = [0, -0, 1, -1, NaN, 0, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 1e-310, 0.1, 0.2, 0.30000000000000004, 42];
    const ts = values.map((_, i) => 1_700_000_000_000 + i * 15_000);
    const vs = new Float64Array(values);
    vs[5] = STALE_NAN;
    expect(bitsOf(vs[5]!)).toBe('020000000000f07f');
    const got = decode(encodeXor(ts, vs));
    expect(got.err).toBeUndefined();
    expect(got.t).toEqual(ts);
    for (let i = 0; i < vs.length; i++) expect(bitsOf(got.v[i]!)).toBe(bitsOf(vs[i]!));
    expect(isStaleNaN(got.v[5]!)).toBe(true);
    expect(isStaleNaN(got.v[4]!)).toBe(false);
  });

  it('round-trips every delta-of-delta bucket, negative timestamps and random data', () => {
    const r = rng(3);
    const ts: number[] = [-5000];
    const deltas = [1, 1, 8193, 8194, -8191 + 8194, 65537, 1, 524289, 1, 2 ** 40, 1, 15_000];
    for (const d of deltas) ts.push(ts[ts.length - 1]! + Math.max(1, d));
    for (let i = 0; i < 500; i++) ts.push(ts[ts.length - 1]! + 1 + Math.floor(r() * (r() < 0.1 ? 1e7 : 100)));
    const vs = new Float64Array(ts.length);
    for (let i = 0; i < vs.length; i++) vs[i] = r() < 0.3 ? vs[i - 1] ?? 0 : r() < 0.5 ? Math.floor(r() * 1e6) : r() * 1e3 - 500;
    const got = decode(encodeXor(ts, vs));
    expect(got.err).toBeUndefined();
    expect(got.t).toEqual(ts);
    expect([...got.v].map(bitsOf)).toEqual([...vs].map(bitsOf));
  });

  it('seeks to the first sample at or after t', () => {
    const it = new XorIterator(encodeXor([10, 20, 30, 40], new Float64Array([1, 2, 3, 4])));
    expect(it.seek(25)).not.toBe(ValNone);
    expect([it.atT(), it.atF()]).toEqual([30, 3]);
    expect(it.seek(5)).not.toBe(ValNone);
    expect(it.atT()).toBe(30);
    expect(it.seek(41)).toBe(ValNone);
    expect(it.err()).toBeUndefined();
  });

  it('stops with a CorruptionError on a truncated chunk, after the samples that were intact', () => {
    const ts = Array.from({ length: 50 }, (_, i) => i * 1000 + (i % 3));
    const data = encodeXor(ts, new Float64Array(ts.map((t) => Math.sqrt(t))));
    const got = decode(data.subarray(0, data.length - 20));
    expect(got.err).toBeInstanceOf(CorruptionError);
    expect(got.t.length).toBeGreaterThan(5);
    expect(got.t.length).toBeLessThan(50);
    expect(got.t).toEqual(ts.slice(0, got.t.length));
    expect(decode(new Uint8Array([0])).err).toBeInstanceOf(CorruptionError);
  });

  it('reports the widest fields running past the end as corruption, not a RangeError', () => {
    // 3 samples: t0=1, v0=0, delta 1, value unchanged; then a 64-bit dod and a full 64-bit XOR window.
    const bits = '1111' + '1'.repeat(64) + '11' + '00000' + '000000' + '1'.repeat(64);
    const full = new Uint8Array(12 + Math.ceil((1 + bits.length) / 8));
    full.set([0x00, 0x03, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x01]);
    ('0' + bits).split('').forEach((c, i) => { if (c === '1') full[12 + (i >>> 3)]! |= 0x80 >>> (i & 7); });
    expect(decode(full).err).toBeUndefined();
    for (let len = 12; len < full.length; len++) {
      const got = decode(full.subarray(0, len));
      expect(got.err).toBeInstanceOf(CorruptionError);
      expect(got.t.length).toBeLessThan(3);
    }
  });

  it('never hangs or throws on random bytes', () => {
    const r = rng(9);
    for (let k = 0; k < 300; k++) {
      const b = new Uint8Array(1 + Math.floor(r() * 64));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      const it = new XorIterator(b);
      let n = 0;
      while (it.next()) n++;
      expect(n).toBeLessThanOrEqual(xorNumSamples(b));
    }
  });
});

describe('decodeXorInto', () => {
  const ts = [1000, 16_000, 31_000, 46_000, 61_000, 76_000];
  const vs = [1, 2.5, NaN, -4, 1e300, 0];
  const chunk = encodeXor(ts, vs);
  it.each([
    { at: 0, maxT: Infinity, n: 6 },
    { at: 3, maxT: Infinity, n: 6 },
    { at: 2, maxT: 46_000, n: 4 },
    { at: 0, maxT: 45_999, n: 3 },
    { at: 5, maxT: 1000, n: 1 },
  ])('from index $at up to $maxT: $n samples', ({ at, maxT, n }) => {
    const outT = new Float64Array(at + 6);
    const outV = new Float64Array(at + 6);
    const r = decodeXorInto(chunk, outT, new Int32Array(outV.buffer), at, maxT);
    expect(r).toEqual({ n, error: undefined });
    expect([...outT.subarray(at, at + n)]).toEqual(ts.slice(0, n));
    expect([...outV.subarray(at, at + n)]).toEqual(vs.slice(0, n));
    // Nothing written before `at` or past the last decoded sample.
    expect([...outT.subarray(0, at), ...outT.subarray(at + n)].every((x) => x === 0)).toBe(true);
  });
});

describe('cutChunks', () => {
  it('cuts regular 15s samples into chunks of 120 like the head, and at the chunk range', () => {
    const ts = Array.from({ length: 720 }, (_, i) => 14_400_000 + i * 15_000);
    const sizes: number[] = [];
    cutChunks(ts, ts.length, 4 * 3_600_000, (a, b) => sizes.push(b - a));
    expect(sizes).toEqual([120, 120, 120, 120, 120, 120]);
    const crossing: number[] = [];
    cutChunks([3_599_000, 3_600_000], 2, 3_600_000, (a, b) => crossing.push(b - a));
    expect(crossing).toEqual([1, 1]);
  });

  it('caps a chunk at 240 samples when the rate rises after the estimate', () => {
    const ts = [...Array.from({ length: 31 }, (_, i) => i * 60_000), ...Array.from({ length: 400 }, (_, i) => 1_900_000 + i)];
    const sizes: number[] = [];
    cutChunks(ts, ts.length, 7_200_000, (a, b) => sizes.push(b - a));
    expect(Math.max(...sizes)).toBe(240);
    expect(sizes.reduce((s, n) => s + n, 0)).toBe(ts.length);
  });
});
