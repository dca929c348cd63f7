// One black-box suite for every StoreAPI (upstream pkg/store/acceptance_test.go): given the same samples and
// external labels, a store must answer Info, Series, LabelNames and LabelValues the same way. Stores plug in a
// factory that loads the data its own way (blocks, remote read, memory) and may declare what they cannot do.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriesRequest, labelNamesRequest, labelValuesRequest, type StoreAPI } from '../../../src/store/store-api.js';
import { XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { compareLabels, formatLabels, sortLabels, type Labels } from '../../../src/tsdb/labels/labels.js';
import { Matcher, matchesAll } from '../../../src/tsdb/labels/matcher.js';

/** A float series as the fixture holds it: sorted labels, strictly increasing timestamps (ms). */
export interface SampleSeries {
  readonly labels: Labels;
  readonly ts: readonly number[];
  readonly vs: readonly number[];
}

export interface StoreUnderTest {
  readonly store: StoreAPI;
  /** Label sets the store advertises besides the fixture's (e.g. receive's other tenants), in Info's order. */
  readonly otherLabelSets?: readonly Labels[];
  close(): Promise<void>;
}

export type StoreFactory = (series: readonly SampleSeries[], externalLabels: Labels) => Promise<StoreUnderTest>;

/**
 * The fixture's first sample: whole hours, ~3 h before now, so a real Prometheus (whose retention counts from now)
 * keeps blocks holding the fixture; the last sample is ~2 h later.
 */
export const T0 = Math.floor(Date.now() / 3600_000) * 3600_000 - 3 * 3600_000;
const EXT: Labels = [{ name: 'region', value: 'eu' }, { name: 'replica', value: 'r1' }];

function fixture(): SampleSeries[] {
  const mk = (labels: Record<string, string>, n: number, f: (i: number) => number): SampleSeries => ({
    labels: sortLabels(Object.entries(labels).map(([name, value]) => ({ name, value }))),
    ts: Array.from({ length: n }, (_, i) => T0 + i * 15_000),
    vs: Array.from({ length: n }, (_, i) => f(i)),
  });
  return [
    mk({ __name__: 'up', job: 'api', instance: 'a:1' }, 300, () => 1),
    // A prefix of the series above: Prometheus sends it first, but with the external labels merged in it sorts
    // after ({instance,region} > {instance,job,region}); a store must still answer in order.
    mk({ __name__: 'up', instance: 'a:1' }, 300, (i) => i % 3),
    mk({ __name__: 'up', job: 'api', instance: 'b:1' }, 300, (i) => (i % 50 === 0 ? 0 : 1)),
    mk({ __name__: 'up', job: 'apiserver', instance: 'c:1' }, 10, () => 1),
    mk({ __name__: 'http_requests_total', job: 'api', code: '200' }, 500, (i) => i * 2.5),
    mk({ __name__: 'http_requests_total', job: 'api', code: '500' }, 500, (i) => Math.floor(i / 10)),
    mk({ __name__: 'temp_celsius', room: 'ü-1' }, 40, (i) => -3.25 + i / 8),
  ].sort((a, b) => compareLabels(a.labels, b.labels));
}

interface Got { series: string[]; samples: Map<string, [number, number][]> }

async function query(store: StoreAPI, matchers: Matcher[], mint = -Infinity, maxt = Infinity, opts: { skipChunks?: boolean; without?: string[] } = {}): Promise<Got> {
  const got: Got = { series: [], samples: new Map() };
  const it = new XorIterator();
  const req = seriesRequest({
    matchers, skipChunks: opts.skipChunks ?? false, withoutReplicaLabels: opts.without ?? [],
    ...(Number.isFinite(mint) ? { minTime: mint } : {}), ...(Number.isFinite(maxt) ? { maxTime: maxt } : {}),
  });
  for await (const f of store.series(req)) {
    if (f.type === 'warning') throw new Error(`unexpected warning: ${f.warning}`);
    if (f.type !== 'series') continue;
    const name = formatLabels(f.series.labels);
    const prev = got.series.at(-1);
    if (prev !== name) got.series.push(name); // a series may be split over frames
    const samples = got.samples.get(name) ?? [];
    for (const c of f.series.chunks) {
      if (c.raw?.encoding !== 'XOR') throw new Error(`${name}: expected a raw XOR chunk`);
      it.reset(c.raw.data);
      while (it.next()) if (it.atT() >= mint && it.atT() <= maxt) samples.push([it.atT(), it.atF()]);
      if (it.err()) throw it.err()!;
    }
    got.samples.set(name, samples);
  }
  return got;
}

function expected(data: readonly SampleSeries[], matchers: Matcher[], mint = -Infinity, maxt = Infinity, without: string[] = []): Got {
  const got: Got = { series: [], samples: new Map() };
  const rows = data
    .map((s) => ({ s, labels: sortLabels([...s.labels, ...EXT]) }))
    .filter(({ s, labels }) => matchesAll(matchers, labels) && s.ts.some((t) => t >= mint && t <= maxt))
    .map(({ s, labels }) => ({ s, labels: labels.filter((l) => !without.includes(l.name)) }))
    .sort((a, b) => compareLabels(a.labels, b.labels));
  for (const { s, labels } of rows) {
    const name = formatLabels(labels);
    got.series.push(name);
    got.samples.set(name, s.ts.flatMap((t, i) => (t >= mint && t <= maxt ? [[t, s.vs[i]!] as [number, number]] : [])));
  }
  return got;
}

export function describeStoreAPI(name: string, factory: StoreFactory): void {
  describe(`StoreAPI acceptance: ${name}`, () => {
    const data = fixture();
    let sut: StoreUnderTest;
    beforeAll(async () => { sut = await factory(data, EXT); });
    afterAll(async () => { await sut?.close(); });

    it('advertises its external labels and a time range covering the data', async () => {
      const info = await sut.store.info();
      expect(info.labelSets).toEqual([EXT, ...(sut.otherLabelSets ?? [])].sort(compareLabels));
      expect(info.minTime).toBeLessThanOrEqual(T0);
      expect(info.maxTime).toBeGreaterThanOrEqual(T0 + 499 * 15_000);
    });

    it.each([
      { case: 'metric name', m: [new Matcher('=', '__name__', 'up')] },
      { case: 'anchored regex (ap does not match api)', m: [new Matcher('=~', 'job', 'ap')] },
      { case: 'regex alternation', m: [new Matcher('=~', 'job', 'api|apiserver'), new Matcher('!=', '__name__', 'up')] },
      { case: 'empty value matches a missing label', m: [new Matcher('=~', '__name__', '.+'), new Matcher('=', 'code', '')] },
      { case: 'negative regex keeps series without the label', m: [new Matcher('!~', 'code', '5..')] },
      { case: 'matcher on an external label', m: [new Matcher('=', 'region', 'eu'), new Matcher('=', 'instance', 'a:1')] },
      { case: 'external label that rules the store out', m: [new Matcher('=', 'region', 'us')] },
      { case: 'unicode values', m: [new Matcher('=~', 'room', 'ü-.*')] },
    ])('returns exactly the matching series and samples ($case)', async ({ m }) => {
      const got = await query(sut.store, m);
      expect(got).toEqual(expected(data, m));
    });

    it('returns samples for a time window (chunks may overhang; samples inside are all there)', async () => {
      const mint = T0 + 100 * 15_000 + 1;
      const maxt = T0 + 150 * 15_000;
      const m = [new Matcher('=', 'job', 'api')];
      expect(await query(sut.store, m, mint, maxt)).toEqual(expected(data, m, mint, maxt));
    });

    it('strips without_replica_labels and keeps the order', async () => {
      const m = [new Matcher('=~', '__name__', 'up|temp_celsius')];
      expect(await query(sut.store, m, -Infinity, Infinity, { without: ['replica'] })).toEqual(expected(data, m, -Infinity, Infinity, ['replica']));
    });

    it('returns labels only with skip_chunks', async () => {
      const got = await query(sut.store, [new Matcher('=', '__name__', 'up')], -Infinity, Infinity, { skipChunks: true });
      expect(got.series).toEqual(expected(data, [new Matcher('=', '__name__', 'up')]).series);
    });

    it('answers LabelNames and LabelValues, with and without matchers', async () => {
      expect((await sut.store.labelNames(labelNamesRequest())).names).toEqual(['__name__', 'code', 'instance', 'job', 'region', 'replica', 'room']);
      expect((await sut.store.labelNames(labelNamesRequest({ matchers: [new Matcher('=', '__name__', 'temp_celsius')] }))).names)
        .toEqual(['__name__', 'region', 'replica', 'room']);
      expect((await sut.store.labelValues(labelValuesRequest('job'))).values).toEqual(['api', 'apiserver']);
      expect((await sut.store.labelValues(labelValuesRequest('instance', { matchers: [new Matcher('=', 'job', 'api')] }))).values).toEqual(['a:1', 'b:1']);
      expect((await sut.store.labelValues(labelValuesRequest('region'))).values).toEqual(['eu']);
      expect((await sut.store.labelValues(labelValuesRequest('nope'))).values).toEqual([]);
    });
  });
}
