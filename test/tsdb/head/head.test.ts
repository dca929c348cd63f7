// The head: typed refusals (out of order, duplicate, out of bounds), all-or-nothing commits, chunks cut where
// Prometheus cuts them, stale markers kept, reads in label order, and a store serving head and blocks together.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TsdbStore } from '../../../src/store/tsdb-store.js';
import { MAX_TIME, MIN_TIME, type SeriesRequest } from '../../../src/store/store-api.js';
import { STALE_NAN, isStaleNaN } from '../../../src/tsdb/chunkenc/chunk.js';
import { cutChunks } from '../../../src/tsdb/chunkenc/cutter.js';
import { XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { Db } from '../../../src/tsdb/head/db.js';
import { DuplicateSampleError, OutOfBoundsError, OutOfOrderSampleError } from '../../../src/tsdb/head/errors.js';
import { Head } from '../../../src/tsdb/head/head.js';
import { type Label, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';

const HOUR = 3_600_000;
const a = labelsFromRecord({ __name__: 'm', job: 'a' });
const b = labelsFromRecord({ __name__: 'm', job: 'b' });

async function collect(head: Head, matchers: Matcher[] = [], mint = -Infinity, maxt = Infinity): Promise<{ labels: string; samples: [number, number][] }[]> {
  const out: { labels: string; samples: [number, number][] }[] = [];
  for await (const s of head.select(matchers, mint, maxt)) {
    const samples: [number, number][] = [];
    for (const c of s.chunks) {
      const it = new XorIterator(c.data);
      while (it.next()) if (it.atT() >= mint && it.atT() <= maxt) samples.push([it.atT(), it.atF()]);
    }
    out.push({ labels: s.labels.map((l) => `${l.name}=${l.value}`).join(','), samples });
  }
  return out;
}

describe('head appender', () => {
  it('refuses out-of-order, duplicate and out-of-bounds samples with typed errors; an identical sample is a no-op', () => {
    const head = new Head();
    let app = head.appender();
    app.append(a, 10 * HOUR, 1);
    app.commit();
    app = head.appender();
    expect(() => app.append(a, 10 * HOUR - 1, 2)).toThrow(OutOfOrderSampleError);
    expect(() => app.append(a, 10 * HOUR, 2)).toThrow(DuplicateSampleError);
    app.append(a, 10 * HOUR, 1);
    expect(app.length).toBe(0);
    // Older than half a chunk range before the newest sample: out of bounds, even for a new series.
    expect(() => app.append(b, 9 * HOUR - 1, 1)).toThrow(OutOfBoundsError);
    app.append(b, 9 * HOUR, 1);
    // Within one batch, order is checked too.
    app.append(a, 10 * HOUR + 5, 3);
    expect(() => app.append(a, 10 * HOUR + 4, 3)).toThrow(OutOfOrderSampleError);
    app.commit();
    expect(head.minTime).toBe(9 * HOUR);
    expect(head.maxTime).toBe(10 * HOUR + 5);
  });

  it('refuses an out-of-order time window: not supported yet', () => {
    expect(() => new Head({ outOfOrderTimeWindow: 60_000 })).toThrow(/not supported yet/);
  });

  it('rollback leaves nothing; a batch made stale by another commit is refused whole', async () => {
    const head = new Head();
    const r = head.appender();
    r.append(a, 1000, 1);
    r.rollback();
    expect(await collect(head)).toEqual([]);

    const first = head.appender();
    const second = head.appender();
    first.append(b, 1000, 1);
    first.append(a, 2000, 1);
    second.append(b, 1500, 2);
    second.append(a, 1500, 2);
    second.commit();
    expect(() => first.commit()).toThrow(OutOfOrderSampleError);
    expect(await collect(head)).toEqual([
      { labels: '__name__=m,job=a', samples: [[1500, 2]] },
      { labels: '__name__=m,job=b', samples: [[1500, 2]] },
    ]);
  });

  it('keeps stale markers bit for bit', async () => {
    const head = new Head();
    const app = head.appender();
    app.append(a, 1000, 5);
    app.append(a, 2000, STALE_NAN);
    app.commit();
    // Checked straight off the iterator: a NaN stored in a plain JS array may get its quiet bit set by V8.
    const stale: boolean[] = [];
    for await (const s of head.select([])) {
      for (const c of s.chunks) { const it = new XorIterator(c.data); while (it.next()) stale.push(isStaleNaN(it.atF())); }
    }
    expect(stale).toEqual([false, true]);
  });
});

describe('head chunks', () => {
  it('are cut where Prometheus 2.42 cuts them (120-sample target, chunk range, 240 at most)', async () => {
    const head = new Head();
    const ts: number[] = [];
    // Irregular intervals: a burst of 1 s samples, then 15 s, then 60 s, across two 2 h ranges.
    let t = 5 * HOUR + 17;
    for (let i = 0; i < 2000; i++) { ts.push(t); t += i < 600 ? 1000 : i < 1400 ? 15_000 : 60_000; }
    for (const x of ts) { const app = head.appender(); app.append(a, x, x % 97); app.commit(); }
    const want: [number, number][] = [];
    cutChunks(ts, ts.length, 2 * HOUR, (from, to) => want.push([ts[from]!, ts[to - 1]!]));
    const got: [number, number][] = [];
    for await (const s of head.select([])) for (const c of s.chunks) got.push([c.minTime, c.maxTime]);
    expect(got).toEqual(want);
    expect(got.length).toBeGreaterThan(8);
  });
});

describe('head reads', () => {
  it('selects by matchers in label order and lists label names and values', async () => {
    const head = new Head();
    const app = head.appender();
    for (const job of ['z', 'c', 'a']) app.append(labelsFromRecord({ __name__: 'up', job }), 1000, 1);
    app.append(labelsFromRecord({ __name__: 'down', job: 'c', extra: 'x' }), 1000, 0);
    app.commit();
    expect((await collect(head)).map((s) => s.labels)).toEqual([
      '__name__=down,extra=x,job=c', '__name__=up,job=a', '__name__=up,job=c', '__name__=up,job=z',
    ]);
    expect((await collect(head, [new Matcher('=~', 'job', 'a|c'), new Matcher('!=', 'extra', 'x')])).map((s) => s.labels))
      .toEqual(['__name__=up,job=a', '__name__=up,job=c']);
    expect(await head.labelNames()).toEqual(['__name__', 'extra', 'job']);
    expect(await head.labelValues('job', [new Matcher('=', '__name__', 'up')])).toEqual(['a', 'c', 'z']);
    expect(await collect(head, [], 2000, 3000)).toEqual([]);
  });
});

describe('a store over blocks and the head', () => {
  const dirs: string[] = [];
  afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });

  it('serves compacted and recent samples of a series as one series', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'head-store-'));
    dirs.push(dir);
    const db = await Db.open(dir);
    const start = 1_700_000_000_000;
    for (let i = 0; i < 4 * 60; i++) {
      const app = db.appender();
      app.append(a, start + i * 60_000, i);
      app.commit();
    }
    expect(await db.compactHead()).toHaveLength(1);
    const store = new TsdbStore(() => db.seriesBlocks(), { externalLabels: labelsFromRecord({ replica: 'r1' }) });
    const req: SeriesRequest = {
      minTime: MIN_TIME, maxTime: MAX_TIME, matchers: [new Matcher('=', 'job', 'a')], maxResolutionWindow: 0, aggregates: [],
      partialResponseDisabled: false, partialResponseStrategy: 'ABORT', skipChunks: false, withoutReplicaLabels: [], limit: 0,
      step: 0, range: 0, responseBatchSize: 0,
    };
    const series = [];
    for await (const f of store.series(req)) if (f.type === 'series') series.push(f.series);
    expect(series).toHaveLength(1);
    expect(series[0]!.labels.map((l) => l.name)).toEqual(['__name__', 'job', 'replica']);
    let n = 0;
    let last = -Infinity;
    for (const c of series[0]!.chunks) {
      const it = new XorIterator(c.raw!.data);
      while (it.next()) { expect(it.atT()).toBeGreaterThan(last); last = it.atT(); n++; }
    }
    expect(n).toBe(4 * 60);
    const info = await store.info();
    expect(info.minTime).toBe(start);
    expect(info.maxTime).toBe(start + 239 * 60_000 + 1);
    await db.close();
  });
});

describe('series lookup by labels hash', () => {
  it('keeps series whose label hashes collide apart, through creation, lookup and truncation', async () => {
    const { labelsHash } = await import('../../../src/tsdb/head/head.js');
    // Find two label sets with the same 30-bit hash (a birthday search: ~2^15 tries).
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const v = `v${i}`;
      const h = labelsHash([{ name: 'x', value: v }]);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, v];
      else seen.set(h, v);
    }
    const [l1, l2] = pair.map((v) => [{ name: 'x', value: v }]) as [Label[], Label[]];
    const head = new Head();
    const s1 = head.getOrCreate(l1).series;
    const s2 = head.getOrCreate(l2).series;
    expect(s1).not.toBe(s2);
    expect(head.getOrCreate(l1)).toEqual({ series: s1, created: false });
    expect(head.getOrCreate(l2)).toEqual({ series: s2, created: false });
    s1.append(1000, 1, head.chunkRange, head.arena);
    head.noteRange(1000, 1000);
    s2.append(5 * HOUR, 2, head.chunkRange, head.arena);
    head.noteRange(5 * HOUR, 5 * HOUR);
    expect(head.truncateMemory(2 * HOUR, 0).removed).toBe(1);
    expect(head.getOrCreate(l2)).toEqual({ series: s2, created: false });
    const again = head.getOrCreate(l1);
    expect(again.created).toBe(true);
    expect(again.series.ref).not.toBe(s1.ref);
  });
});
