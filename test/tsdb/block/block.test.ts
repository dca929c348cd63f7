// Block writer and reader: a golden one-series block, round trips with time ranges and matchers, tombstones,
// meta.json, atomic creation, segment rollover, and reading through in-memory byte sources.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';
import { MemoryByteSource } from '../../../src/tsdb/byte-source.js';
import { formatMeta, parseMeta, readMeta } from '../../../src/tsdb/block/meta.js';
import { BlockReader, sampleIterator } from '../../../src/tsdb/block/reader.js';
import type { BlockSeries } from '../../../src/tsdb/block/reader.js';
import { decodeTombstones, encodeTombstones } from '../../../src/tsdb/block/tombstones.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { STALE_NAN, isStaleNaN } from '../../../src/tsdb/chunkenc/chunk.js';
import { chunkRefSegment } from '../../../src/tsdb/chunks/refs.js';
import type { Labels } from '../../../src/tsdb/labels/labels.js';
import { formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'tsdb-block-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

async function collect(r: BlockReader, ms: Matcher[] = [], mint = -Infinity, maxt = Infinity): Promise<{ labels: string; samples: [number, number][] }[]> {
  const out: { labels: string; samples: [number, number][] }[] = [];
  for await (const s of r.select(ms, mint, maxt)) {
    const it = sampleIterator(s, mint, maxt);
    const samples: [number, number][] = [];
    while (it.next()) samples.push([it.atT(), it.atF()]);
    expect(it.err()).toBeUndefined();
    out.push({ labels: formatLabels(s.labels), samples });
  }
  return out;
}

/** 20 series x 500 samples every 15 s from t=0. */
async function writeTestBlock(opts: { segmentSize?: number } = {}): Promise<{ dir: string; series: Labels[] }> {
  const w = await BlockWriter.create(dir, opts);
  const series: Labels[] = [];
  for (let i = 0; i < 20; i++) series.push(labelsFromRecord({ __name__: i < 10 ? 'a_metric' : 'b_metric', idx: String(i).padStart(2, '0') }));
  for (const s of series) {
    const ts = Array.from({ length: 500 }, (_, k) => k * 15_000);
    const vs = new Float64Array(ts.map((t, k) => k * Number(s[1]!.value) + t / 1e6));
    await w.addSeries(s, ts, vs);
  }
  await w.finish();
  return { dir: w.dir, series };
}

describe('BlockWriter', () => {
  it('writes the reference one-series block: index and segment bytes as promtool 2.42 wrote them', async () => {
    const w = await BlockWriter.create(dir, { ulid: '01M7YY1210RSESKY98CVB1R7DZ' });
    await w.addSeries(labelsFromRecord({ __name__: 'x', a: '1' }), [1000, 16000, 31000, 46001, 61000, 3661000], new Float64Array([1, 2, 3, 3, 100.5, -0.25]));
    const meta = await w.finish();
    expect(meta).toMatchObject({ minTime: 1000, maxTime: 3661001, stats: { numSamples: 6, numSeries: 1, numChunks: 1 } });
    expect((await readFile(path.join(w.dir, 'index'))).length).toBe(271);
    const seg = await readFile(path.join(w.dir, 'chunks', '000001'));
    expect(seg.toString('hex')).toBe('85bd40dd01000000' + '2701' +
      '0006d00f3ff00000000000009875c25fff6c070002bffed25513e00000000006d67d3813ff8920' + '8bfd74df');
    expect((await readFile(path.join(w.dir, 'tombstones'))).toString('hex')).toBe('0130ba3001' + '00000000');
    expect(await readFile(path.join(w.dir, 'meta.json'), 'utf8')).toBe(
      '{\n\t"ulid": "01M7YY1210RSESKY98CVB1R7DZ",\n\t"minTime": 1000,\n\t"maxTime": 3661001,\n\t"stats": {\n\t\t"numSamples": 6,\n' +
      '\t\t"numSeries": 1,\n\t\t"numChunks": 1\n\t},\n\t"compaction": {\n\t\t"level": 1,\n\t\t"sources": [\n\t\t\t"01M7YY1210RSESKY98CVB1R7DZ"\n' +
      '\t\t]\n\t},\n\t"version": 1\n}');
    expect(await readdir(dir)).toEqual(['01M7YY1210RSESKY98CVB1R7DZ']);
  });

  it('rejects series out of order and non-increasing timestamps, and abort leaves nothing behind', async () => {
    const w = await BlockWriter.create(dir);
    await w.addSeries(labelsFromRecord({ a: '2' }), [1], new Float64Array([1]));
    await expect(w.addSeries(labelsFromRecord({ a: '1' }), [1], new Float64Array([1]))).rejects.toThrow(InvalidArgumentError);
    await expect(w.addSeries(labelsFromRecord({ a: '3' }), [2, 2], new Float64Array([1, 1]))).rejects.toThrow(/strictly increasing/);
    await w.abort();
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses to finish an empty block', async () => {
    const w = await BlockWriter.create(dir);
    await expect(w.finish()).rejects.toThrow(/no series appended/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('starts a new segment before one would pass the size limit, with refs naming the segment', async () => {
    const { dir: bdir } = await writeTestBlock({ segmentSize: 4096 });
    const segs = await readdir(path.join(bdir, 'chunks'));
    expect(segs.length).toBeGreaterThan(3);
    expect(segs[0]).toBe('000001');
    const r = await BlockReader.open(bdir);
    const segments = new Set<number>();
    for await (const s of r.select([])) for (const c of s.chunks) segments.add(chunkRefSegment(c.ref));
    expect(segments.size).toBe(segs.length);
    expect((await collect(r)).reduce((n, s) => n + s.samples.length, 0)).toBe(20 * 500);
    await r.close();
  });
});

describe('BlockReader', () => {
  it('selects by matchers and inclusive time range, returning raw chunks and samples', async () => {
    const { dir: bdir, series } = await writeTestBlock();
    const r = await BlockReader.open(bdir);
    const all = await collect(r);
    expect(all.map((s) => s.labels)).toEqual(series.map(formatLabels));
    const some = await collect(r, [new Matcher('=', '__name__', 'b_metric'), new Matcher('=~', 'idx', '1[2-4]')], 30_000, 60_000);
    expect(some.map((s) => s.labels)).toEqual(['{__name__="b_metric", idx="12"}', '{__name__="b_metric", idx="13"}', '{__name__="b_metric", idx="14"}']);
    expect(some[0]!.samples.map(([t]) => t)).toEqual([30_000, 45_000, 60_000]);
    expect(await collect(r, [], 10_000_000, 20_000_000)).toEqual([]);
    expect(await r.labelValues('idx', [new Matcher('=', '__name__', 'a_metric')])).toHaveLength(10);
    expect(await r.labelNames()).toEqual(['__name__', 'idx']);
    const chunksOnly: BlockSeries[] = [];
    for await (const s of r.select([new Matcher('=', 'idx', '03')])) chunksOnly.push(s);
    expect(chunksOnly[0]!.chunks.map((c) => c.encoding)).toEqual([1, 1, 1, 1, 1]);
    await r.close();
  });

  it('reads the same block through in-memory byte sources', async () => {
    const { dir: bdir } = await writeTestBlock();
    const file = await BlockReader.open(bdir);
    const mem = await BlockReader.fromSources(
      await readMeta(bdir),
      new MemoryByteSource(await readFile(path.join(bdir, 'index')), 'index'),
      [new MemoryByteSource(await readFile(path.join(bdir, 'chunks', '000001')), 'chunks/000001')],
    );
    expect(await collect(mem)).toEqual(await collect(file));
    await file.close();
  });

  it('applies tombstones: deleted samples vanish, whole deleted chunks are dropped', async () => {
    const { dir: bdir } = await writeTestBlock();
    let r = await BlockReader.open(bdir);
    const ids = [...await r.index.postingsForMatchers([new Matcher('=', 'idx', '05')])];
    await r.close();
    const stones = new Map([[ids[0]!, [{ mint: 15_000, maxt: 30_000 }, { mint: 1_800_000, maxt: 4_000_000 }]]]);
    await writeFile(path.join(bdir, 'tombstones'), encodeTombstones(stones));
    expect(decodeTombstones(await readFile(path.join(bdir, 'tombstones')))).toEqual(stones);
    r = await BlockReader.open(bdir);
    const [s] = await collect(r, [new Matcher('=', 'idx', '05')]);
    const ts = s!.samples.map(([t]) => t);
    expect(ts).not.toContain(15_000);
    expect(ts).not.toContain(30_000);
    expect(ts).toContain(45_000);
    expect(ts.filter((t) => t >= 1_800_000 && t <= 4_000_000)).toEqual([]);
    expect(ts.length).toBe(500 - 2 - 147);
    for await (const x of r.select([new Matcher('=', 'idx', '05')])) {
      expect(x.chunks.length).toBe(4);
      expect(x.chunks[0]!.minTime).toBe(0);
    }
    await r.close();
  });

  it('keeps stale markers through a block write and read', async () => {
    const w = await BlockWriter.create(dir);
    const vs = new Float64Array([1, 2, 0, 4]);
    vs[2] = STALE_NAN;
    await w.addSeries(labelsFromRecord({ a: 'b' }), [1, 2, 3, 4], vs);
    await w.finish();
    const r = await BlockReader.open(w.dir);
    for await (const s of r.select([])) {
      const it = sampleIterator(s);
      const got = new Float64Array(4);
      for (let i = 0; it.next(); i++) got[i] = it.atF();
      expect(isStaleNaN(got[2]!)).toBe(true);
      expect(got[3]).toBe(4);
    }
    await r.close();
  });
});

describe('meta.json', () => {
  it('keeps unknown top-level fields (such as a thanos section) through parse and format', () => {
    const text = '{"ulid":"01M7YY1210RSESKY98CVB1R7DZ","minTime":1,"maxTime":2,"stats":{"numSamples":3},' +
      '"compaction":{"level":2,"sources":["01M7YY1210RSESKY98CVB1R7DZ"],"parents":[{"ulid":"01M7YY1210RSESKY98CVB1R7DZ","minTime":1,"maxTime":2}]},' +
      '"version":1,"thanos":{"labels":{"a":"b"},"downsample":{"resolution":0}}}';
    const m = parseMeta(text);
    expect(m.extra).toEqual({ thanos: { labels: { a: 'b' }, downsample: { resolution: 0 } } });
    expect(parseMeta(formatMeta(m))).toEqual(m);
  });

  it.each([
    { name: 'not JSON', text: '{"ulid"', want: /invalid JSON/ },
    { name: 'bad ulid', text: '{"ulid":"x","minTime":1,"maxTime":2,"compaction":{"level":1},"version":1}', want: /ulid/ },
    { name: 'wrong version', text: '{"ulid":"01M7YY1210RSESKY98CVB1R7DZ","minTime":1,"maxTime":2,"compaction":{"level":1},"version":2}', want: /version/ },
    { name: 'missing minTime', text: '{"ulid":"01M7YY1210RSESKY98CVB1R7DZ","maxTime":2,"compaction":{"level":1},"version":1}', want: /minTime/ },
  ])('rejects $name with a CorruptionError', ({ text, want }) => {
    expect(() => parseMeta(text, 'x/meta.json')).toThrow(want);
  });
});
