// StoreQueryable over a real proxy: request fields passed down (time range, matchers, hints, strategy, replica
// labels), replica labels stripped even by stores that ignore without_replica_labels, and replicas merged.
import { describe, expect, it } from 'vitest';
import { StoreQueryable } from '../../src/query/queryable.js';
import type { StorageSeries } from '../../src/promql/queryable.js';
import { ProxyStore } from '../../src/store/proxy.js';
import type { SeriesRequest, SeriesResponse, StoreAPI } from '../../src/store/store-api.js';
import { ValNone } from '../../src/tsdb/chunkenc/chunk.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { MemoryStore } from '../store/support/memory-store.js';

const ls = (o: Record<string, string>): { name: string; value: string }[] => Object.entries(o).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));

function replica(r: string, offset: number): MemoryStore {
  const ts = [0, 15_000, 30_000, 45_000].map((t) => t + offset);
  return new MemoryStore([
    { labels: ls({ __name__: 'm', a: '1' }), chunks: [{ minTime: ts[0]!, maxTime: ts[3]!, raw: { encoding: 'XOR', data: encodeXor(ts, [1, 2, 3, 4]) } }] },
    { labels: ls({ __name__: 'm', a: '2' }), chunks: [{ minTime: ts[0]!, maxTime: ts[3]!, raw: { encoding: 'XOR', data: encodeXor(ts, [5, 6, 7, 8]) } }] },
  ], ls({ replica: r, zone: 'z' }));
}

/** A store that records requests and ignores without_replica_labels (like stores predating it). */
class OldStore implements StoreAPI {
  readonly requests: SeriesRequest[] = [];
  constructor(private readonly inner: MemoryStore) {}
  info = (): ReturnType<StoreAPI['info']> => this.inner.info().then((i) => ({ ...i, supportsWithoutReplicaLabels: false }));
  series(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesResponse> {
    this.requests.push(req);
    return this.inner.series({ ...req, withoutReplicaLabels: [] }, signal);
  }
  labelNames: StoreAPI['labelNames'] = (r) => this.inner.labelNames(r);
  labelValues: StoreAPI['labelValues'] = (r) => this.inner.labelValues(r);
}

async function collect(q: StoreQueryable, hints = { start: 0, end: 60_000, step: 15_000, func: 'rate', range: 60_000, by: true, grouping: ['a'] }): Promise<{ labels: string; samples: number[][] }[]> {
  const out: { labels: string; samples: number[][] }[] = [];
  for await (const s of q.select([new Matcher('=', '__name__', 'm')], hints, new AbortController().signal) as AsyncIterable<StorageSeries>) {
    const it = s.iterator();
    const samples: number[][] = [];
    while (it.next() !== ValNone) samples.push([it.atT(), it.atF()]);
    out.push({ labels: s.labels.map((l) => `${l.name}=${l.value}`).join(','), samples });
  }
  return out;
}

describe('StoreQueryable', () => {
  it('passes the request down and dedups replicas of stores that do not strip replica labels', async () => {
    const stores = [new OldStore(replica('0', 0)), new OldStore(replica('1', 5000))];
    const infos = await Promise.all(stores.map((s) => s.info()));
    const proxy = new ProxyStore(() => stores.map((s, i) => ({ name: `s${i}`, store: s, info: infos[i]! })));
    const warnings = new Set<string>();
    const q = new StoreQueryable(proxy, { replicaLabels: ['replica'], dedup: true, algorithm: 'penalty', partialResponse: false, maxSourceResolutionMs: 300_000, warnings });
    const got = await collect(q);
    expect(got).toEqual([
      { labels: '__name__=m,a=1,zone=z', samples: [[0, 1], [15_000, 2], [30_000, 3], [45_000, 4]] },
      { labels: '__name__=m,a=2,zone=z', samples: [[0, 5], [15_000, 6], [30_000, 7], [45_000, 8]] },
    ]);
    const req = stores[0]!.requests[0]!;
    expect(req).toMatchObject({
      // rate over [60s] reads data at most 30s coarse (half its range, as upstream), and asks for the counter aggregate.
      minTime: 0, maxTime: 60_000, step: 15_000, range: 60_000, maxResolutionWindow: 30_000, aggregates: ['COUNTER'], withoutReplicaLabels: ['replica'],
      partialResponseStrategy: 'ABORT', partialResponseDisabled: true,
      queryHints: { stepMillis: 15_000, func: { name: 'rate' }, grouping: { by: true, labels: ['a'] }, range: { millis: 60_000 } },
    });
    expect(req.matchers.map(String)).toEqual(['__name__="m"']);
    expect(warnings.size).toBe(0);
  });

  it('without dedup keeps each replica as its own series', async () => {
    const stores = [replica('0', 0), replica('1', 5000)];
    const infos = await Promise.all(stores.map((s) => s.info()));
    const proxy = new ProxyStore(() => stores.map((s, i) => ({ name: `s${i}`, store: s, info: infos[i]! })));
    const q = new StoreQueryable(proxy, { replicaLabels: ['replica'], dedup: false, algorithm: 'penalty', partialResponse: true, maxSourceResolutionMs: 0, warnings: new Set() });
    expect((await collect(q)).map((s) => s.labels)).toEqual([
      '__name__=m,a=1,replica=0,zone=z', '__name__=m,a=1,replica=1,zone=z', '__name__=m,a=2,replica=0,zone=z', '__name__=m,a=2,replica=1,zone=z',
    ]);
  });
});
