// Downsampling raw → 5m → 1h of a block with three days of data: every count/sum/min/max aggregate equals the
// same window's value computed here straight from the raw samples, and the counter aggregates, read through the
// counter-reset iterator, equal the raw series with its resets undone at every aggregate timestamp (resets inside
// windows, at window edges, and between output chunks included). Stale markers and other NaNs are not counted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockReader, type BlockSeries } from '../../../src/tsdb/block/reader.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { AGGR_CHUNK_ENCODING, AggrType, decodeAggrChunk } from '../../../src/tsdb/chunkenc/aggr.js';
import { CounterResetsIterator } from '../../../src/tsdb/chunkenc/aggr-iterators.js';
import { STALE_NAN } from '../../../src/tsdb/chunkenc/chunk.js';
import { XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { downsampleBlock } from '../../../src/tsdb/downsample/block.js';
import { RES_1H, RES_5M } from '../../../src/tsdb/downsample/windows.js';
import { labelsFromRecord, formatLabels } from '../../../src/tsdb/labels/labels.js';
import { rng } from '../support/testdata.js';

const HOUR = 3_600_000;
const START = 1_700_000_000_000 - (1_700_000_000_000 % HOUR) + 7_000; // not window aligned
const SPAN = 74 * HOUR; // > 3 days

interface Raw { name: string; ts: number[]; vs: number[] }

/** A counter with random increments and resets (some at window edges), a gauge with NaNs, a sparse gappy series. */
function makeSeries(): Raw[] {
  const r = rng(7);
  const out: Raw[] = [];
  for (const [name, step] of [['counter_a', 15_000], ['counter_b', 60_000]] as const) {
    const ts: number[] = [];
    const vs: number[] = [];
    let v = 100 * r();
    for (let t = START; t < START + SPAN; t += step) {
      const onEdge = (t - START) % (5 * HOUR) < step; // a reset right after a few window starts
      if (r() < 0.004 || onEdge) v = Math.floor(r() * 3);
      else v += Math.floor(r() * 20);
      ts.push(t); vs.push(v);
    }
    out.push({ name, ts, vs });
  }
  {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = START + 3; t < START + SPAN; t += 30_000) {
      const x = r();
      ts.push(t);
      vs.push(x < 0.01 ? STALE_NAN : x < 0.012 ? NaN : Math.sin(t / 1e7) * 50 + x);
    }
    out.push({ name: 'gauge', ts, vs });
  }
  {
    const ts: number[] = [];
    const vs: number[] = [];
    for (let t = START; t < START + SPAN; t += 15_000 + Math.floor(r() * 600_000)) {
      if (Math.floor((t - START) / (6 * HOUR)) % 3 === 1) continue; // 6h gaps
      ts.push(t); vs.push(r() * 1000 - 500);
    }
    out.push({ name: 'sparse', ts, vs });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

interface Window { count: number; sum: number; min: number; max: number }

function referenceWindows(s: Raw, res: number): Map<number, Window> {
  const m = new Map<number, Window>();
  for (let i = 0; i < s.ts.length; i++) {
    const v = s.vs[i]!;
    if (Number.isNaN(v)) continue;
    const w = Math.floor(s.ts[i]! / res);
    const x = m.get(w);
    if (!x) m.set(w, { count: 1, sum: v, min: v, max: v });
    else { x.count++; x.sum += v; x.min = Math.min(x.min, v); x.max = Math.max(x.max, v); }
  }
  return m;
}

/** The raw series with resets undone, as (t, total) of every non-NaN sample. */
function referenceCounter(s: Raw): { ts: number[]; totals: number[] } {
  const ts: number[] = [];
  const totals: number[] = [];
  let last = NaN;
  let total = 0;
  for (let i = 0; i < s.ts.length; i++) {
    const v = s.vs[i]!;
    if (Number.isNaN(v)) continue;
    if (Number.isNaN(last)) total = v;
    else total += v >= last ? v - last : v;
    last = v;
    ts.push(s.ts[i]!); totals.push(total);
  }
  return { ts, totals };
}

function points(data: Uint8Array): [number, number][] {
  const it = new XorIterator(data);
  const out: [number, number][] = [];
  while (it.next()) out.push([it.atT(), it.atF()]);
  expect(it.err()).toBeUndefined();
  return out;
}

/** Aggregates read back from a downsampled series, combined per window (a window may be split over two chunks). */
function readWindows(series: BlockSeries, res: number): Map<number, Window> {
  const m = new Map<number, Window>();
  for (const c of series.chunks) {
    expect(c.encoding).toBe(AGGR_CHUNK_ENCODING);
    const e = decodeAggrChunk(c.data);
    const [cnt, sum, min, max] = [AggrType.Count, AggrType.Sum, AggrType.Min, AggrType.Max].map((a) => points(e[a]!.data));
    expect(sum!.map((p) => p[0])).toEqual(cnt!.map((p) => p[0]));
    expect(c.minTime).toBe(cnt![0]![0]);
    expect(c.maxTime).toBe(cnt![cnt!.length - 1]![0]);
    for (let i = 0; i < cnt!.length; i++) {
      const t = cnt![i]![0];
      const w = Math.floor(t / res);
      const x = m.get(w);
      const y = { count: cnt![i]![1], sum: sum![i]![1], min: min![i]![1], max: max![i]![1] };
      if (!x) m.set(w, y);
      else { x.count += y.count; x.sum += y.sum; x.min = Math.min(x.min, y.min); x.max = Math.max(x.max, y.max); }
    }
  }
  return m;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

let dir: string;
let raw: Raw[];
let rawDir: string;
let dir5m: string;
let dir1h: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'downsample-'));
  raw = makeSeries();
  const w = await BlockWriter.create(dir);
  for (const s of raw) await w.addSeries(labelsFromRecord({ __name__: s.name, job: 'x' }), s.ts, s.vs);
  await w.finish();
  rawDir = w.dir;
  const r5 = await downsampleBlock(rawDir, dir, { fromRes: 0, toRes: RES_5M, extra: { thanos: { downsample: { resolution: RES_5M } } } });
  dir5m = r5.dir;
  const r1 = await downsampleBlock(dir5m, dir, { fromRes: RES_5M, toRes: RES_1H });
  dir1h = r1.dir;
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(d: string): Promise<BlockSeries[]> {
  const b = await BlockReader.open(d);
  try {
    const out: BlockSeries[] = [];
    for await (const s of b.select([])) out.push(s);
    return out;
  } finally { await b.close(); }
}

describe.each([['5m', RES_5M, () => dir5m], ['1h', RES_1H, () => dir1h]] as const)('downsampled to %s', (_n, res, blockDir) => {
  it('has every count, sum, min and max of every window as computed from the raw samples', async () => {
    const got = await readAll(blockDir());
    expect(got.map((s) => formatLabels(s.labels))).toEqual(raw.map((s) => `{__name__="${s.name}", job="x"}`));
    let windows = 0;
    for (const [k, s] of got.entries()) {
      const ref = referenceWindows(raw[k]!, res);
      const have = readWindows(s, res);
      expect([...have.keys()].sort()).toEqual([...ref.keys()].sort());
      for (const [w, x] of ref) {
        const y = have.get(w)!;
        expect(y.count, `${raw[k]!.name} window ${w}`).toBe(x.count);
        expect(y.min).toBe(x.min);
        expect(y.max).toBe(x.max);
        expect(close(y.sum, x.sum), `${raw[k]!.name} sum ${y.sum} vs ${x.sum}`).toBe(true);
        windows++;
      }
    }
    expect(windows).toBeGreaterThan(res === RES_5M ? 2000 : 200);
  });

  it('has counter aggregates that, with resets undone, equal the raw counter at every aggregate timestamp', async () => {
    const got = await readAll(blockDir());
    for (const [k, s] of got.entries()) {
      if (!raw[k]!.name.startsWith('counter')) continue;
      const ref = referenceCounter(raw[k]!);
      const subs = s.chunks.map((c) => decodeAggrChunk(c.data)[AggrType.Counter]!);
      expect(s.chunks.length).toBeGreaterThan(res === RES_5M ? 1 : 0); // 74 hourly points fit one 1h chunk
      for (const sub of subs) {
        // Framing: the first point is a raw sample, the last repeats the last window's timestamp.
        const p = points(sub.data);
        expect(p[p.length - 1]![0]).toBe(p[p.length - 2]![0]);
        expect(ref.ts).toContain(p[0]![0]);
      }
      const it = new CounterResetsIterator(subs.map((c) => new XorIterator(c.data)));
      let j = 0;
      let n = 0;
      while (it.next()) {
        const t = it.atT();
        while (j + 1 < ref.ts.length && ref.ts[j + 1]! <= t) j++;
        expect(close(it.atF(), ref.totals[j]!), `${raw[k]!.name} at ${t}: ${it.atF()} vs ${ref.totals[j]}`).toBe(true);
        n++;
      }
      expect(it.err()).toBeUndefined();
      expect(n).toBeGreaterThan(res === RES_5M ? 800 : 70);
      // The true last raw value survives to the end.
      expect(it.lastRaw).toBe(ref.totals.length > 0 ? raw[k]!.vs[raw[k]!.vs.length - 1] : undefined);
    }
  });
});

describe('downsampled block meta', () => {
  it('keeps the source range, level and sources and sets the given extra fields', async () => {
    const src = await BlockReader.open(rawDir);
    const d5 = await BlockReader.open(dir5m);
    try {
      expect(d5.meta.minTime).toBe(src.meta.minTime);
      expect(d5.meta.maxTime).toBe(src.meta.maxTime);
      expect(d5.meta.compaction).toEqual(src.meta.compaction);
      expect(d5.meta.ulid).not.toBe(src.meta.ulid);
      expect(d5.meta.extra).toEqual({ thanos: { downsample: { resolution: RES_5M } } });
      expect(d5.meta.stats.numSeries).toBe(4);
    } finally { await src.close(); await d5.close(); }
  });

  it('refuses a target resolution not coarser than the source', async () => {
    await expect(downsampleBlock(dir5m, dir, { fromRes: RES_5M, toRes: RES_5M })).rejects.toThrow(/not lower/);
  });
});
