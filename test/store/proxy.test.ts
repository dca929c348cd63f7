// ProxyStore: fan-out to several stores, selection by external labels and time range, k-way merge of sorted
// streams (identical series merged, chunks in time order), partial response WARN/ABORT, per-request concurrency.

import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../src/runtime/errors.js';
import { mergeSeries } from '../../src/store/merge.js';
import { labelSetsMatch, ProxyStore, type StoreTarget } from '../../src/store/proxy.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest, type SeriesResponse, type StoreAPI } from '../../src/store/store-api.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { FailingStore, MemoryStore, series } from './support/memory-store.js';

async function target(name: string, store: StoreAPI): Promise<StoreTarget> {
  return { name, store, info: await store.info() };
}

async function collect(it: AsyncIterable<SeriesResponse>): Promise<{ series: string[]; chunks: string[][]; warnings: string[] }> {
  const out = { series: [] as string[], chunks: [] as string[][], warnings: [] as string[] };
  for await (const f of it) {
    if (f.type === 'series') {
      out.series.push(formatLabels(f.series.labels));
      out.chunks.push(f.series.chunks.map((c) => `${c.minTime}-${c.maxTime}`));
    } else if (f.type === 'warning') out.warnings.push(f.warning);
  }
  return out;
}

const region = (r: string) => [{ name: 'region', value: r }];

async function threeStores(): Promise<StoreTarget[]> {
  // Two replicas of region eu overlap in time and share a series; us is a different region; one store is down.
  const eu1 = new MemoryStore([series({ __name__: 'up', job: 'a' }, [0, 99], [100, 199]), series({ __name__: 'up', job: 'c' }, [0, 99])], region('eu'));
  const eu2 = new MemoryStore([series({ __name__: 'up', job: 'a' }, [100, 199], [200, 299]), series({ __name__: 'up', job: 'b' }, [0, 99])], region('eu'));
  const dead = new FailingStore({ componentType: 'sidecar', labelSets: [region('eu')], minTime: 0, maxTime: 1000, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] });
  return [await target('eu-1', eu1), await target('eu-2', eu2), await target('eu-dead', dead)];
}

describe('ProxyStore', () => {
  it('merges three stores with one failing into one sorted stream plus a warning (WARN)', async () => {
    const proxy = new ProxyStore(await threeStores().then((t) => () => t));
    const got = await collect(proxy.series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'up')], partialResponseStrategy: 'WARN' })));
    expect(got.series).toEqual([
      '{__name__="up", job="a", region="eu"}', '{__name__="up", job="b", region="eu"}', '{__name__="up", job="c", region="eu"}',
    ]);
    // The shared series: chunks from both stores in time order, the replicated 100-199 chunk once.
    expect(got.chunks[0]).toEqual(['0-99', '100-199', '200-299']);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0]).toMatch(/eu-dead.*backend is down/);
  });

  it('fails the whole request on the first failure (ABORT)', async () => {
    const proxy = new ProxyStore(await threeStores().then((t) => () => t));
    await expect(collect(proxy.series(seriesRequest({ matchers: [], partialResponseStrategy: 'ABORT' })))).rejects.toBeInstanceOf(UnavailableError);
    await expect(collect(proxy.series(seriesRequest({ matchers: [], partialResponseDisabled: true })))).rejects.toThrow(/backend is down/);
  });

  it('applies partial response to LabelNames and LabelValues', async () => {
    const proxy = new ProxyStore(await threeStores().then((t) => () => t));
    const names = await proxy.labelNames(labelNamesRequest({ partialResponseStrategy: 'WARN' }));
    expect(names.names).toEqual(['__name__', 'job', 'region']);
    expect(names.warnings).toEqual([expect.stringMatching(/eu-dead/)]);
    expect((await proxy.labelValues(labelValuesRequest('job'))).values).toEqual(['a', 'b', 'c']);
    await expect(proxy.labelValues(labelValuesRequest('job', { partialResponseStrategy: 'ABORT' }))).rejects.toThrow(/backend is down/);
  });

  it('skips stores whose external labels or time range cannot match', async () => {
    const asked: string[] = [];
    const spy = (name: string, s: StoreAPI): StoreAPI => ({
      info: () => s.info(),
      series: (r, sig) => { asked.push(name); return s.series(r, sig); },
      labelNames: (r, sig) => s.labelNames(r, sig),
      labelValues: (r, sig) => s.labelValues(r, sig),
    });
    const eu = new MemoryStore([series({ __name__: 'up' }, [0, 99])], region('eu'));
    const us = new MemoryStore([series({ __name__: 'up' }, [0, 99])], region('us'));
    const later = new MemoryStore([series({ __name__: 'up' }, [5000, 5999])], region('eu'));
    const targets = [await target('eu', spy('eu', eu)), await target('us', spy('us', us)), await target('later', spy('later', later))];
    const proxy = new ProxyStore(() => targets);
    const got = await collect(proxy.series(seriesRequest({ matchers: [new Matcher('=~', 'region', 'e.*')], minTime: 0, maxTime: 1000 })));
    expect(asked).toEqual(['eu']);
    expect(got.series).toEqual(['{__name__="up", region="eu"}']);
    expect(labelSetsMatch([new Matcher('=', 'job', 'x')], [region('eu')])).toBe(true);
    expect(labelSetsMatch([new Matcher('!=', 'region', 'eu')], [region('eu'), region('us')])).toBe(true);
    expect(labelSetsMatch([new Matcher('=', 'region', '')], [region('eu')])).toBe(false);
    expect(await proxy.info()).toMatchObject({ componentType: 'query', labelSets: [region('eu'), region('us')], minTime: 0, maxTime: 5999 });
  });

  it('cuts off a silent store after the response timeout (a warning under WARN)', async () => {
    const fast = new MemoryStore([series({ __name__: 'up', s: 'fast' }, [0, 9])]);
    const silent: StoreAPI = {
      info: () => fast.info(),
      series: async function* (_r, sig) {
        yield { type: 'series', series: series({ __name__: 'up', s: 'silent-first' }, [0, 9]) };
        await new Promise((res) => sig?.addEventListener('abort', res));
        sig?.throwIfAborted();
      },
      labelNames: (r) => fast.labelNames(r),
      labelValues: (r) => fast.labelValues(r),
    };
    const targets = [await target('fast', fast), await target('silent', silent)];
    const t0 = Date.now();
    const got = await collect(new ProxyStore(() => targets, { responseTimeoutMs: 200 }).series(seriesRequest({ matchers: [] })));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(got.series).toEqual(['{__name__="up", s="fast"}', '{__name__="up", s="silent-first"}']);
    expect(got.warnings).toEqual([expect.stringMatching(/no response from store silent within 200ms/)]);
    await expect(collect(new ProxyStore(() => targets, { responseTimeoutMs: 200 }).series(seriesRequest({ matchers: [], partialResponseStrategy: 'ABORT' }))))
      .rejects.toThrow(/no response from store silent/);
  });

  it('limits how many stores one request asks at once', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = (i: number): StoreAPI => {
      const inner = new MemoryStore([series({ __name__: 'up', i: String(i) }, [0, 9])]);
      return {
        info: () => inner.info(),
        series: async function* (r, sig) {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((res) => setTimeout(res, 30));
          inFlight--;
          yield* inner.series(r, sig);
        },
        labelNames: (r) => inner.labelNames(r),
        labelValues: (r) => inner.labelValues(r),
      };
    };
    const targets = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => target(`s${i}`, slow(i))));
    const got = await collect(new ProxyStore(() => targets, { maxConcurrency: 2 }).series(seriesRequest({ matchers: [] })));
    expect(got.series).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('merges k sorted streams (k = 1..7) into exactly the sorted union', async () => {
    for (let k = 1; k <= 7; k++) {
      const all: string[] = [];
      const streams = Array.from({ length: k }, (_, s) => {
        const names = Array.from({ length: 20 }, (_, i) => `m${String((i * 7 + s * 3) % 50).padStart(2, '0')}`);
        const uniq = [...new Set(names)].sort();
        all.push(...uniq);
        return (async function* (): AsyncGenerator<SeriesResponse> {
          for (const n of uniq) yield { type: 'series', series: { labels: [{ name: '__name__', value: n }], chunks: [{ minTime: s, maxTime: s }] } };
        })();
      });
      const got = await collect(mergeSeries(streams));
      const expected = [...new Set(all)].sort().map((n) => `{__name__="${n}"}`);
      expect(got.series, `k=${k}`).toEqual(expected);
      for (const c of got.chunks) expect(c).toEqual([...c].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0])));
    }
  });
});
