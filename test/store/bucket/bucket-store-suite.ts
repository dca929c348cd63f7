// The store gateway acceptance suite, run over any bucket: promtool blocks from two sources (two external label
// sets) are uploaded, and gRPC Series/LabelNames/LabelValues must equal `promtool tsdb dump` for 20 matcher sets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bucket } from '../../../src/objstore/bucket.js';
import { formatLabels } from '../../../src/tsdb/labels/labels.js';
import { Matcher, matchesAll, type MatchType } from '../../../src/tsdb/labels/matcher.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest } from '../../../src/store/store-api.js';
import { collectSeries, startGateway, type Gateway } from './harness.js';
import { T0, openMetrics, promtoolBlocks, promtoolDump, samplesOf, uploadBlock, type SampleMap } from './support.js';

const m = (name: string, type: MatchType, value: string): Matcher => new Matcher(type, name, value);
const END = T0 + 5 * 3600_000;

/** 20 matcher sets, some with a narrower time window. */
export const CASES: { name: string; matchers: Matcher[]; minTime?: number; maxTime?: number }[] = [
  { name: 'metric name', matchers: [m('__name__', '=', 'up')] },
  { name: 'name and label', matchers: [m('__name__', '=', 'http_requests'), m('code', '=', '500')] },
  { name: 'name alternation', matchers: [m('__name__', '=~', 'http_requests|cpu_seconds')] },
  { name: 'not-equal', matchers: [m('__name__', '=', 'cpu_seconds'), m('job', '!=', 'db')] },
  { name: 'label only', matchers: [m('job', '=', 'api')] },
  { name: 'any name, one instance', matchers: [m('__name__', '=~', '.+'), m('instance', '=', 'host-1:9100')] },
  { name: 'code not 200', matchers: [m('__name__', '=', 'http_requests'), m('code', '!=', '200')] },
  { name: 'empty value on present label', matchers: [m('__name__', '=', 'http_requests'), m('code', '=', '')] },
  { name: 'empty value on absent label', matchers: [m('__name__', '=', 'up'), m('code', '=', '')] },
  { name: 'regex prefix', matchers: [m('__name__', '=~', 'cpu.*'), m('instance', '=~', 'host-[02].*')] },
  { name: 'external label a', matchers: [m('__name__', '=', 'up'), m('cluster', '=', 'a')] },
  { name: 'external label b, time window', matchers: [m('__name__', '=', 'up'), m('cluster', '=', 'b')], minTime: T0 + 90 * 60_000, maxTime: T0 + 200 * 60_000 },
  { name: 'external label regex', matchers: [m('__name__', '=', 'up'), m('cluster', '=~', 'a|b')] },
  { name: 'external label not-equal', matchers: [m('__name__', '=', 'up'), m('cluster', '!=', 'a')] },
  { name: 'external label no match', matchers: [m('__name__', '=', 'cpu_seconds'), m('cluster', '=', 'c')] },
  { name: 'unknown metric', matchers: [m('__name__', '=', 'nonexistent')] },
  { name: 'mixed negative regex', matchers: [m('__name__', '=~', 'up|http_requests'), m('job', '=', 'db'), m('instance', '!~', 'host-3.*')] },
  { name: 'label regex, window', matchers: [m('instance', '=', 'host-0:9100'), m('job', '=~', 'a.*')], minTime: T0 + 30 * 60_000, maxTime: T0 + 61 * 60_000 },
  { name: 'code regex', matchers: [m('__name__', '=', 'http_requests'), m('code', '=~', '2..|5..')] },
  { name: 'not-up in cluster b, window', matchers: [m('__name__', '!=', 'up'), m('job', '=', 'db'), m('cluster', '=', 'b')], minTime: T0 + 119 * 60_000, maxTime: T0 + 121 * 60_000 },
];

export function describeBucketStore(name: string, makeBucket: () => Promise<{ bucket: Bucket; cleanup?: () => Promise<void> }>): void {
  describe(`BucketStore over ${name}`, () => {
    let work = '';
    let gw: Gateway;
    let cleanup: (() => Promise<void>) | undefined;
    let bucket: Bucket;
    const expected: SampleMap = new Map();

    beforeAll(async () => {
      work = await mkdtemp(path.join(tmpdir(), 'bucket-store-'));
      const made = await makeBucket();
      cleanup = made.cleanup;
      bucket = made.bucket;
      const a = await promtoolBlocks(work, 'a', openMetrics(5, 1));
      const b = await promtoolBlocks(work, 'b', openMetrics(4, 2));
      expect(a.length).toBeGreaterThanOrEqual(3);
      expect(b.length).toBeGreaterThanOrEqual(2);
      for (const d of a) await uploadBlock(made.bucket, d, { cluster: 'a' });
      for (const d of b) await uploadBlock(made.bucket, d, { cluster: 'b' });
      for (const [k, v] of promtoolDump(path.join(work, 'a'), { cluster: 'a' })) expected.set(k, v);
      for (const [k, v] of promtoolDump(path.join(work, 'b'), { cluster: 'b' })) expected.set(k, v);
      gw = await startGateway(made.bucket, { dataDir: path.join(work, 'data') });
      expect(gw.store.blockIds()).toHaveLength(a.length + b.length);
    }, 120_000);

    afterAll(async () => {
      await gw?.stop();
      await cleanup?.();
      await rm(work, { recursive: true, force: true });
    });

    it('advertises both external label sets and the time range in Info', async () => {
      const info = await gw.client.info();
      expect(info.componentType).toBe('store');
      expect(info.labelSets.map(formatLabels)).toEqual(['{cluster="a"}', '{cluster="b"}']);
      expect(info.minTime).toBe(T0);
      expect(info.maxTime).toBeGreaterThanOrEqual(END - 60_000);
    });

    it.each(CASES)('Series equals promtool dump: $name', async (c) => {
      const minTime = c.minTime ?? T0 - 3600_000;
      const maxTime = c.maxTime ?? END + 3600_000;
      const { series } = await collectSeries(gw.client, seriesRequest({ matchers: c.matchers, minTime, maxTime }));
      const want = [...expected.values()]
        .filter((e) => matchesAll(c.matchers, e.labels))
        .map((e) => {
          const keep = e.ts.map((t, i) => (t >= minTime && t <= maxTime ? i : -1)).filter((i) => i >= 0);
          return { labels: formatLabels(e.labels), ts: keep.map((i) => e.ts[i]), vs: keep.map((i) => e.vs[i]) };
        })
        .filter((e) => e.ts.length > 0)
        .sort((x, y) => (x.labels < y.labels ? -1 : x.labels > y.labels ? 1 : 0));
      const empty = ['empty value on present label', 'external label no match', 'unknown metric'];
      expect(want.length > 0).toBe(!empty.includes(c.name));
      const got = series.map((s) => ({ labels: formatLabels(s.labels), ...samplesOf(s, minTime, maxTime) }));
      expect(got.map((g) => g.labels)).toEqual(want.map((w) => w.labels));
      expect(got).toEqual(want);
    });

    it.each(CASES)('LabelNames and LabelValues equal the dump: $name', async (c) => {
      const matching = [...expected.values()].filter((e) => matchesAll(c.matchers, e.labels));
      const names = await gw.client.labelNames(labelNamesRequest({ matchers: c.matchers }));
      expect(names.names).toEqual([...new Set(matching.flatMap((e) => e.labels.map((l) => l.name)))].sort());
      const values = await gw.client.labelValues(labelValuesRequest('instance', { matchers: c.matchers }));
      expect(values.values).toEqual([...new Set(matching.flatMap((e) => e.labels.filter((l) => l.name === 'instance').map((l) => l.value)))].sort());
    });

    it('answers LabelNames and LabelValues without matchers from the index-headers', async () => {
      const names = await gw.client.labelNames(labelNamesRequest());
      expect(names.names).toEqual(['__name__', 'cluster', 'code', 'instance', 'job']);
      const cl = await gw.client.labelValues(labelValuesRequest('cluster'));
      expect(cl.values).toEqual(['a', 'b']);
      const jobs = await gw.client.labelValues(labelValuesRequest('job'));
      expect(jobs.values).toEqual(['api', 'db']);
    });

    it('strips replica labels and keeps the stream sorted', async () => {
      const { series } = await collectSeries(gw.client, seriesRequest({ matchers: [m('__name__', '=', 'up')], withoutReplicaLabels: ['cluster'], skipChunks: true }));
      const keys = series.map((s) => formatLabels(s.labels));
      expect(keys.every((k) => !k.includes('cluster'))).toBe(true);
      expect([...keys].sort()).toEqual(keys);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys).toHaveLength(8);
    });

    it('fails a request over the series limit with a limit error', async () => {
      const small = await startGateway(bucket, { dataDir: path.join(work, 'data-limit'), limits: { series: 5, samples: 0, downloadedBytes: 0 } });
      try {
        await expect(collectSeries(small.client, seriesRequest({ matchers: [m('__name__', '=', 'up')] }))).rejects.toThrow(/exceeded series limit/);
      } finally {
        await small.stop();
      }
    });
  });
}
