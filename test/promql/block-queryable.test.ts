// The engine over a real TSDB block (BlockWriter → BlockReader → Queryable) gives the same answers as over the
// in-memory storage: checks the Queryable contract against the TSDB's own iterators, stale markers included.

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/promql/engine.js';
import type { Queryable, SelectHints, StorageSeries } from '../../src/promql/queryable.js';
import { STALE_NAN } from '../../src/promql/queryable.js';
import { MemoryStorage } from '../../src/promql/promqltest/memory-storage.js';
import type { QueryValue } from '../../src/promql/value.js';
import { BlockReader, sampleIterator } from '../../src/tsdb/block/reader.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import type { Labels } from '../../src/tsdb/labels/labels.js';
import { compareLabels, labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import type { Matcher } from '../../src/tsdb/labels/matcher.js';

const STEP = 15_000;
const N = 480; // two hours

function blockQueryable(reader: BlockReader): Queryable {
  return {
    async *select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncIterable<StorageSeries> {
      for await (const s of reader.select(matchers, hints.start, hints.end, { signal })) {
        yield { labels: s.labels, iterator: () => sampleIterator(s, hints.start, hints.end) };
      }
    },
  };
}

function plain(v: QueryValue): unknown {
  if (v.type === 'vector') return v.samples.map((s) => ({ l: s.labels, v: s.v })).sort((a, b) => compareLabels(a.l, b.l));
  if (v.type === 'matrix') return v.series.map((s) => ({ l: s.labels, t: Array.from(s.timestamps), v: Array.from(s.values) }));
  return v;
}

describe('Engine over a TSDB block', () => {
  let dir = '';
  let reader: BlockReader;
  const memory = new MemoryStorage();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'promql-block-'));
    const series: { labels: Labels; vs: Float64Array }[] = [];
    for (const job of ['a', 'b']) {
      for (let i = 0; i < 3; i++) {
        const vs = new Float64Array(N);
        for (let k = 0; k < N; k++) vs[k] = k * (i + 1) + (job === 'b' && k > 200 ? -100 : 0);
        if (job === 'a' && i === 0) vs[300] = STALE_NAN; // the series goes stale for one scrape
        series.push({ labels: labelsFromRecord({ __name__: 'requests_total', job, instance: String(i) }), vs });
      }
    }
    series.sort((x, y) => compareLabels(x.labels, y.labels));
    const ts = new Float64Array(N);
    for (let k = 0; k < N; k++) ts[k] = k * STEP;
    const w = await BlockWriter.create(dir);
    for (const s of series) {
      await w.addSeries(s.labels, ts, s.vs);
      for (let k = 0; k < N; k++) memory.append(s.labels, ts[k]!, s.vs[k]!);
    }
    const meta = await w.finish();
    reader = await BlockReader.open(path.join(dir, meta.ulid));
  });

  afterAll(async () => {
    await reader.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    'requests_total',
    'sum by (job) (rate(requests_total[5m]))',
    'max_over_time(requests_total{job="a"}[10m])',
    'count(requests_total offset 30m)',
    'requests_total / on(job, instance) group_left requests_total',
  ])('answers %s as the in-memory storage does', async (query) => {
    const engine = new Engine();
    const q = blockQueryable(reader);
    for (const t of [0, 75 * 60_000, 300 * STEP + 1, N * STEP]) {
      expect(plain((await engine.instantQuery(q, query, t)).value)).toEqual(plain((await engine.instantQuery(memory, query, t)).value));
    }
    const range = async (s: Queryable): Promise<unknown> => plain((await engine.rangeQuery(s, query, 0, N * STEP, 60_000)).value);
    expect(await range(q)).toEqual(await range(memory));
  });

  it('sees the stale marker end the series', async () => {
    const res = await new Engine().instantQuery(blockQueryable(reader), 'requests_total{job="a", instance="0"}', 300 * STEP + 1);
    expect(res.value).toEqual({ type: 'vector', samples: [] });
  });
});
