// Block merge against Prometheus 2.42's own tools: promtool-written and thanos-ts-written blocks compacted into one,
// accepted by `promtool tsdb analyze`, and `promtool tsdb dump` of the result equal to the union of the inputs
// (overlapping inputs: identical samples once); tombstones applied; meta.json as Prometheus writes it; the
// merge hook and label dropping; nothing that reads as a block left behind by a failure.
import { cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMeta } from '../../../src/tsdb/block/meta.js';
import { BlockReader, findBlockDirs } from '../../../src/tsdb/block/reader.js';
import { encodeTombstones } from '../../../src/tsdb/block/tombstones.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { compactBlocks } from '../../../src/tsdb/compact/compactor.js';
import type { SeriesMergeInput } from '../../../src/tsdb/compact/chunk-merge.js';
import { backfillOpenMetrics } from '../../../src/tsdb/tools/backfill.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { promtoolAnalyze, promtoolCreateBlocks, promtoolDump } from '../../support/promtool.js';
import { generateOpenMetrics } from '../support/testdata.js';

const HOUR = 3_600_000;
let work: string;
/** Blocks of data set A written by promtool, the same data written by thanos-ts, and data set B (promtool). */
let promA: string;
let oursA: string;
let promB: string;
let dumpA: string[];
let dumpB: string[];

/** A dump line `{labels} value t` as [`{labels} t`, value]. */
function splitDumpLine(l: string): [string, string] {
  const t = l.lastIndexOf(' ');
  const v = l.lastIndexOf(' ', t - 1);
  return [l.slice(0, v) + l.slice(t), l.slice(v + 1, t)];
}
const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
const sorted = (xs: readonly string[]): string[] => [...xs].sort();

async function fresh(name: string): Promise<string> {
  const d = path.join(work, name);
  await rm(d, { recursive: true, force: true });
  await mkdir(d, { recursive: true });
  return d;
}

async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== 'wal' && n !== 'chunks_head').sort();
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'tsdb-compact-'));
  const DAY = 24 * HOUR;
  const base = Math.floor((Date.now() - 12 * HOUR) / DAY) * DAY - DAY + 7 * 60_000;
  const a = generateOpenMetrics(base, 42);
  // B: other series values and timestamps at x.5 s, so no timestamp of B equals one of A (no value conflicts).
  const b = generateOpenMetrics(base + 500, 7);
  await writeFile(path.join(work, 'a.om'), a.text);
  await writeFile(path.join(work, 'b.om'), b.text);
  promA = path.join(work, 'promA');
  promB = path.join(work, 'promB');
  oursA = path.join(work, 'oursA');
  await promtoolCreateBlocks(path.join(work, 'a.om'), promA);
  await promtoolCreateBlocks(path.join(work, 'b.om'), promB);
  await backfillOpenMetrics(a.text, oursA);
  dumpA = lines(await promtoolDump(promA));
  dumpB = lines(await promtoolDump(promB));
  expect(dumpA.length).toBe(a.series.reduce((n, s) => n + s.t.length, 0));
}, 120_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('compactBlocks', () => {
  it('merges promtool-written blocks into one that promtool analyzes and dumps as the union; meta as Prometheus writes it', async () => {
    const inputs = await findBlockDirs(promA);
    expect(inputs.length).toBeGreaterThanOrEqual(4);
    const metas = await Promise.all(inputs.map((d) => readMeta(d)));
    const out = await fresh('out1');
    const meta = (await compactBlocks(out, inputs))!;
    expect(await entries(out)).toEqual([meta.ulid]);
    expect(await entries(path.join(out, meta.ulid))).toEqual(['chunks', 'index', 'meta.json', 'tombstones']);
    const analyze = await promtoolAnalyze(out, meta.ulid);
    expect(analyze.stderr).toBe('');
    expect(analyze.code).toBe(0);
    expect(analyze.stdout).toContain(`Block ID: ${meta.ulid}`);
    expect(sorted(lines(await promtoolDump(out)))).toEqual(sorted(dumpA));

    expect(await readMeta(path.join(out, meta.ulid))).toEqual(meta);
    expect(meta.minTime).toBe(Math.min(...metas.map((m) => m.minTime)));
    expect(meta.maxTime).toBe(Math.max(...metas.map((m) => m.maxTime)));
    expect(meta.compaction).toEqual({
      level: 2,
      sources: metas.map((m) => m.ulid).sort(),
      parents: metas.map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime })),
    });
    expect(meta.stats).toEqual({
      numSamples: dumpA.length,
      numSeries: new Set(dumpA.map((l) => l.slice(0, l.indexOf('} ') + 1))).size,
      numChunks: expect.any(Number),
    });

    // A second level: the result merged with B's blocks is level 3, its sources the union of all level-1 blocks.
    const out2 = await fresh('out1b');
    const bDirs = await findBlockDirs(promB);
    const meta2 = (await compactBlocks(out2, [path.join(out, meta.ulid), ...bDirs]))!;
    const bMetas = await Promise.all(bDirs.map((d) => readMeta(d)));
    expect(meta2.compaction.level).toBe(3);
    expect(meta2.compaction.sources).toEqual([...metas, ...bMetas].map((m) => m.ulid).sort());
    expect(meta2.compaction.parents!.map((p) => p.ulid)).toEqual([meta.ulid, ...bMetas.map((m) => m.ulid)]);
  }, 120_000);

  it('merges overlapping blocks vertically: promtool and thanos-ts copies of the same data plus other data, identical samples once', async () => {
    const inputs = [...await findBlockDirs(promA), ...await findBlockDirs(oursA), ...await findBlockDirs(promB)];
    const out = await fresh('out2');
    const meta = (await compactBlocks(out, inputs))!;
    const analyze = await promtoolAnalyze(out, meta.ulid);
    expect(analyze.code).toBe(0);
    const got = lines(await promtoolDump(out));
    // One sample per series and timestamp; where A and B hold different values at one timestamp (a few gauge
    // samples collide by chance), either value.
    const want = new Map<string, Set<string>>();
    for (const l of [...dumpA, ...dumpB]) {
      const [key, value] = splitDumpLine(l);
      let vs = want.get(key);
      if (!vs) { vs = new Set(); want.set(key, vs); }
      vs.add(value);
    }
    expect(want.size).toBeGreaterThan(dumpA.length + dumpB.length - 10);
    expect(got.length).toBe(want.size);
    for (const l of got) {
      const [key, value] = splitDumpLine(l);
      expect(want.get(key)?.has(value), l).toBe(true);
      want.delete(key);
    }
    expect(want.size).toBe(0);
    expect(meta.stats.numSamples).toBe(got.length);
    // Chunks were re-cut where series overlap: none holds more than 120 samples there, and none overlaps another.
    const r = await BlockReader.open(path.join(out, meta.ulid));
    try {
      for await (const s of r.select([])) {
        for (let i = 1; i < s.chunks.length; i++) expect(s.chunks[i]!.minTime).toBeGreaterThan(s.chunks[i - 1]!.maxTime);
      }
    } finally { await r.close(); }
  }, 120_000);

  it('applies tombstones of a block written by thanos-ts: promtool dump of the result equals promtool dump of the input', async () => {
    const src = await fresh('tomb-in');
    const w = await BlockWriter.create(src);
    const series = Array.from({ length: 5 }, (_, i) => labelsFromRecord({ __name__: 'm', i: String(i) }));
    for (const s of series) {
      const ts = Array.from({ length: 400 }, (_, k) => k * 15_000);
      await w.addSeries(s, ts, Float64Array.from(ts, (t) => t / 1000));
    }
    const m = await w.finish();
    const r = await BlockReader.open(w.dir);
    const ids = [...await r.index.allPostings()];
    await r.close();
    // Series 0: a middle interval; series 2: everything; series 4: the start.
    await writeFile(path.join(w.dir, 'tombstones'), encodeTombstones(new Map([
      [ids[0]!, [{ mint: 30_000, maxt: 600_000 }]], [ids[2]!, [{ mint: -1, maxt: 10_000_000 }]], [ids[4]!, [{ mint: 0, maxt: 45_000 }]],
    ])));
    const want = sorted(lines(await promtoolDump(src)));
    expect(want.length).toBe(5 * 400 - 39 - 400 - 4);
    const out = await fresh('tomb-out');
    const meta = (await compactBlocks(out, [w.dir]))!;
    expect(meta.stats).toMatchObject({ numSamples: want.length, numSeries: 4 });
    expect(meta.compaction).toEqual({ level: 2, sources: [m.ulid], parents: [{ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime }] });
    expect(sorted(lines(await promtoolDump(out)))).toEqual(want);
    expect((await promtoolAnalyze(out, meta.ulid)).code).toBe(0);
  }, 60_000);

  it('writes no block when nothing is left, and marks the inputs deletable as Prometheus does', async () => {
    const src = await fresh('empty-in');
    const w = await BlockWriter.create(src);
    await w.addSeries(labelsFromRecord({ __name__: 'gone' }), [1000, 2000], [1, 2]);
    await w.finish();
    const r = await BlockReader.open(w.dir);
    const [id] = await r.index.allPostings();
    await r.close();
    await writeFile(path.join(w.dir, 'tombstones'), encodeTombstones(new Map([[id!, [{ mint: 0, maxt: 5000 }]]])));
    const out = await fresh('empty-out');
    expect(await compactBlocks(out, [w.dir])).toBeUndefined();
    expect(await entries(out)).toEqual([]);
    expect((await readMeta(w.dir)).compaction.deletable).toBe(true);
  });

  it('calls the merge hook with the overlapping series of each block, and uses what it returns', async () => {
    const dirs = [...await findBlockDirs(promA), ...await findBlockDirs(promB)];
    const calls: SeriesMergeInput[][] = [];
    const out = await fresh('hook-out');
    // Keep only the inputs from A's blocks: as a replica deduplication that prefers one replica would.
    const aCount = (await findBlockDirs(promA)).length;
    const meta = (await compactBlocks(out, dirs, {
      mergeFunc: (_labels, inputs) => { calls.push([...inputs]); return inputs.filter((i) => i.block < aCount).flatMap((i) => i.chunks); },
    }))!;
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.length >= 2)).toBe(true);
    const got = sorted(lines(await promtoolDump(out)));
    // Series only in B would pass without the hook; every series here is in both, so only A remains.
    expect(got).toEqual(sorted(dumpA));
    expect(meta.stats.numSamples).toBe(dumpA.length);
  }, 60_000);

  it('drops a label and merges the series that become equal (replica deduplication inside blocks)', async () => {
    const src = await fresh('drop-in');
    const w = await BlockWriter.create(src);
    const ts = Array.from({ length: 200 }, (_, k) => k * 15_000);
    for (const [job, replica, off] of [['a', 'r0', 0], ['a', 'r1', 0], ['b', 'r0', 0], ['b', 'r1', 5000]] as const) {
      await w.addSeries(labelsFromRecord({ __name__: 'up', job, replica }), ts.map((t) => t + off), Float64Array.from(ts, () => 1));
    }
    await w.finish();
    const out = await fresh('drop-out');
    const meta = (await compactBlocks(out, [w.dir], { dropLabels: ['replica'] }))!;
    const got = lines(await promtoolDump(out));
    expect(got.filter((l) => l.includes('job="a"')).length).toBe(200);
    expect(got.filter((l) => l.includes('job="b"')).length).toBe(400);
    expect(got.some((l) => l.includes('replica'))).toBe(false);
    expect(meta.stats.numSeries).toBe(2);

    // Dropping a label that orders series before others would need a re-sort: refused, naming the block.
    const src2 = await fresh('drop-in2');
    const w2 = await BlockWriter.create(src2);
    await w2.addSeries(labelsFromRecord({ a: '1', b: 'x', c: '2' }), [1], [1]);
    await w2.addSeries(labelsFromRecord({ a: '1', b: 'y', c: '1' }), [1], [1]);
    const m2 = await w2.finish();
    const out2 = await fresh('drop-out2');
    await expect(compactBlocks(out2, [w2.dir], { dropLabels: ['b'] })).rejects.toThrow(new RegExp(`reorders the series of block ${m2.ulid}`));
    expect(await entries(out2)).toEqual([]);
  });

  it('leaves nothing behind when the merge fails midway: no block directory, no temporary directory', async () => {
    const dirs = [...await findBlockDirs(promA), ...await findBlockDirs(promB)];
    const out = await fresh('fail-out');
    let n = 0;
    await expect(compactBlocks(out, dirs, { mergeFunc: () => { if (++n === 3) throw new Error('merge exploded'); return []; } })).rejects.toThrow('merge exploded');
    expect(await entries(out)).toEqual([]);
    // Inputs are untouched.
    const copy = await fresh('fail-check');
    for (const d of await findBlockDirs(promA)) await cp(d, path.join(copy, path.basename(d)), { recursive: true });
    expect(sorted(lines(await promtoolDump(copy)))).toEqual(sorted(dumpA));
  }, 60_000);
});
