// Shared selects of instant queries at one evaluation time: which selects share a fetch (same matchers and a covering
// range, in flight or finished within the window), which are answered by filtering a wider finished select, and which
// fetch again (other time or scope, past the window, failed or cancelled fetches, answers over the byte bound). Then
// through the querier's API: rule-like queries answer the same with sharing on and off, with fewer store calls.
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SelectHints } from '../../src/promql/queryable.js';
import { QueryApi } from '../../src/query/api/query-api.js';
import type { FetchedSeries } from '../../src/query/queryable.js';
import { SharedSelects, type FetchInto } from '../../src/query/shared-selects.js';
import type { StoreTarget } from '../../src/store/proxy.js';
import type { Series, SeriesRequest, SeriesResponse, StoreAPI } from '../../src/store/store-api.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { MemoryStore } from '../store/support/memory-store.js';

const T0 = 1_700_000_000_000;

function series(labels: Record<string, string>, n: number, f: (i: number) => number): Series {
  const ts = Array.from({ length: n }, (_, i) => T0 - (n - 1 - i) * 15_000);
  const ls = Object.entries(labels).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { labels: ls, chunks: [{ minTime: ts[0]!, maxTime: ts.at(-1)!, raw: { encoding: 'XOR', data: encodeXor(ts, ts.map((_, i) => f(i))) } }] };
}

const DATA: FetchedSeries[] = [
  series({ __name__: 'm', code: '200', shard: 'a' }, 10, (i) => i),
  series({ __name__: 'm', code: '500', shard: 'a' }, 10, (i) => i * 2),
  series({ __name__: 'm', code: '200', shard: 'b' }, 10, (i) => i * 3),
];

const hints = (start: number, end = T0): SelectHints => ({ start, end, step: 0, func: '', range: 0, by: false, grouping: [] });
const sel = (...ms: [string, string][]): Matcher[] => ms.map(([n, v]) => new Matcher('=', n, v));

interface Counting {
  readonly fetch: FetchInto;
  calls: number;
  readonly signals: AbortSignal[];
  /** Holds answers back until release(). */
  hold(): void;
  release(): void;
}

/** A fetch answering DATA filtered by the matchers, counting its calls. */
function counting(opts: { warnings?: string[]; fail?: boolean } = {}): Counting {
  let open: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  const state: Counting = {
    calls: 0,
    signals: [],
    hold(): void { gate = new Promise((r) => { open = r; }); },
    release(): void { open(); gate = undefined; },
    fetch: async (ms, _h, warnings, signal) => {
      state.calls++;
      state.signals.push(signal);
      if (gate) await Promise.race([gate, new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('cancelled'))))]);
      if (opts.fail) throw new Error('store down');
      for (const w of opts.warnings ?? []) warnings.add(w);
      return DATA.filter((s) => ms.every((m) => m.matches(s.labels.find((l) => l.name === m.name)?.value ?? '')));
    },
  };
  return state;
}

const names = (got: FetchedSeries[]): string[] => got.map((s) => s.labels.map((l) => l.value).join(','));

describe('SharedSelects', () => {
  const make = (over: Partial<{ windowMs: number; maxBytes: number; now: () => number }> = {}): { shared: SharedSelects } =>
    ({ shared: new SharedSelects({ windowMs: 5000, maxBytes: 1 << 20, ...over }) });
  const signal = (): AbortSignal => new AbortController().signal;

  it('answers a select again from a finished fetch covering its range, and fetches for another time or scope', async () => {
    const { shared } = make();
    const f = counting();
    const at = (scope: string) => shared.source(scope, f.fetch, new Set());
    const first = await at('t1')(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    expect(names(first)).toEqual(['m,200,a', 'm,500,a']);
    expect(await at('t1')(sel(['shard', 'a']), hints(T0 - 60_000), signal())).toBe(first);
    expect(f.calls).toBe(1);
    // A wider range than the fetch covered, another evaluation time, other matchers: each fetches.
    await at('t1')(sel(['shard', 'a']), hints(T0 - 600_000), signal());
    await at('t2')(sel(['shard', 'a']), hints(T0 - 60_000), signal());
    await at('t1')(sel(['shard', 'b']), hints(T0 - 60_000), signal());
    expect(f.calls).toBe(4);
  });

  it('joins a fetch in flight', async () => {
    const { shared } = make();
    const f = counting();
    f.hold();
    const src = shared.source('t', f.fetch, new Set());
    const a = src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    const b = src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    f.release();
    expect(await a).toBe(await b);
    expect(f.calls).toBe(1);
  });

  it('fetches again once the window has passed', async () => {
    let now = T0;
    const { shared } = make({ now: () => now });
    const f = counting();
    const src = shared.source('t', f.fetch, new Set());
    await src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    now += 5000;
    await src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    expect(f.calls).toBe(1);
    now += 1;
    await src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    expect(f.calls).toBe(2);
    expect(shared.heldBytes).toBeGreaterThan(0);
  });

  it('filters a finished wider select by the extra matchers, but not on a stripped label or with warnings', async () => {
    const { shared } = make();
    const f = counting();
    const src = shared.source('t', f.fetch, new Set(), { strippedLabels: ['replica'] });
    await src(sel(['__name__', 'm']), hints(T0 - 300_000), signal());
    expect(names(await src(sel(['__name__', 'm'], ['code', '500']), hints(T0 - 60_000), signal()))).toEqual(['m,500,a']);
    expect(names(await src([new Matcher('=', '__name__', 'm'), new Matcher('!=', 'shard', 'a')], hints(T0 - 60_000), signal()))).toEqual(['m,200,b']);
    expect(f.calls).toBe(1);
    await src(sel(['__name__', 'm'], ['replica', 'x']), hints(T0 - 60_000), signal());
    expect(f.calls).toBe(2);

    const w = counting({ warnings: ['store x is down'] });
    const warned = new Set<string>();
    const srcW = shared.source('tw', w.fetch, warned);
    await srcW(sel(['__name__', 'm']), hints(T0 - 300_000), signal());
    await srcW(sel(['__name__', 'm'], ['code', '500']), hints(T0 - 60_000), signal());
    expect(w.calls).toBe(2);
    expect([...warned]).toEqual(['store x is down']);
  });

  it('gives each request the warnings of the fetch it shared', async () => {
    const { shared } = make();
    const f = counting({ warnings: ['partial'] });
    const a = new Set<string>();
    const b = new Set<string>();
    await shared.source('t', f.fetch, a)(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    await shared.source('t', f.fetch, b)(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    expect(f.calls).toBe(1);
    expect([...b]).toEqual(['partial']);
  });

  it('does not keep a failed fetch', async () => {
    const { shared } = make();
    const f = counting({ fail: true });
    const src = shared.source('t', f.fetch, new Set());
    await expect(src(sel(['shard', 'a']), hints(T0 - 300_000), signal())).rejects.toThrow('store down');
    await expect(src(sel(['shard', 'a']), hints(T0 - 300_000), signal())).rejects.toThrow('store down');
    expect(f.calls).toBe(2);
  });

  it('keeps fetching for the others when one select gives up, and cancels when all did', async () => {
    const { shared } = make();
    const f = counting();
    f.hold();
    const src = shared.source('t', f.fetch, new Set());
    const quit = new AbortController();
    const a = src(sel(['shard', 'a']), hints(T0 - 300_000), quit.signal);
    const b = src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    quit.abort(new Error('client went away'));
    await expect(a).rejects.toThrow('client went away');
    expect(f.signals[0]!.aborted).toBe(false);
    f.release();
    expect(names(await b)).toEqual(['m,200,a', 'm,500,a']);

    f.hold();
    const alone = new AbortController();
    const c = src(sel(['shard', 'b']), hints(T0 - 300_000), alone.signal);
    alone.abort(new Error('timeout'));
    await expect(c).rejects.toThrow('timeout');
    expect(f.signals[1]!.aborted).toBe(true);
    // A later select does not join the cancelled fetch.
    f.release();
    const d = src(sel(['shard', 'b']), hints(T0 - 300_000), signal());
    expect(names(await d)).toEqual(['m,200,b']);
    expect(f.calls).toBe(3);
  });

  it('shares an answer over the byte bound only while it is in flight', async () => {
    const { shared } = make({ maxBytes: 10 });
    const f = counting();
    f.hold();
    const src = shared.source('t', f.fetch, new Set());
    const a = src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    const b = src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    f.release();
    await Promise.all([a, b]);
    expect(f.calls).toBe(1);
    expect(shared.heldBytes).toBe(0);
    await src(sel(['shard', 'a']), hints(T0 - 300_000), signal());
    expect(f.calls).toBe(2);
  });
});

/** A StoreAPI counting its Series calls. */
class CountingStore implements StoreAPI {
  calls = 0;
  constructor(private readonly inner: StoreAPI) {}
  info: StoreAPI['info'] = (s) => this.inner.info(s);
  labelNames: StoreAPI['labelNames'] = (r, s) => this.inner.labelNames(r, s);
  labelValues: StoreAPI['labelValues'] = (r, s) => this.inner.labelValues(r, s);
  series(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesResponse> {
    this.calls++;
    return this.inner.series(req, signal);
  }
}

describe('QueryApi: instant queries at one time share selects', () => {
  const rules = [
    'sum by (shard) (rate(http_requests_total{job="api"}[5m]))',
    'sum(increase(http_requests_total{job="api"}[5m]))',
    'max by (code) (http_requests_total{job="api"})',
    'count(http_requests_total{job="api"})',
    'sum(rate(http_requests_total{job="api",code="500"}[5m])) / sum(rate(http_requests_total{job="api"}[5m]))',
    'avg(irate(http_requests_total{job="api"}[1m]))',
    'sum(delta(http_requests_total{job="api"}[2m]))',
    'up{job="api"}',
  ];
  const apps: { app: FastifyInstance; store: CountingStore; registry: Registry }[] = [];

  beforeAll(async () => {
    for (const windowMs of [5000, 0]) {
      const store = new CountingStore(new MemoryStore([
        series({ __name__: 'http_requests_total', job: 'api', code: '200', shard: 'a' }, 40, (i) => i * 10),
        series({ __name__: 'http_requests_total', job: 'api', code: '500', shard: 'a' }, 40, (i) => i),
        series({ __name__: 'http_requests_total', job: 'api', code: '200', shard: 'b' }, 40, (i) => i * 3),
        series({ __name__: 'http_requests_total', job: 'web', code: '200', shard: 'a' }, 40, (i) => i * 5),
        series({ __name__: 'up', job: 'api' }, 40, () => 1),
      ], [{ name: 'replica', value: 'a' }]));
      const targets: StoreTarget[] = [{ name: 'memory', store, info: await store.info() }];
      const registry = new Registry();
      const app = Fastify();
      new QueryApi({
        targets: () => targets, engineOptions: { timeoutMs: 5000 }, replicaLabels: ['replica'], algorithm: 'penalty',
        partialResponse: true, maxConcurrent: 2, defaultStepMs: 1000, flags: {}, endpointStatuses: () => ({}),
        now: () => T0, registry, sharedSelects: { windowMs, maxBytes: 1 << 20 },
      }).register(app, '');
      await app.ready();
      apps.push({ app, store, registry });
    }
  });
  afterAll(async () => { for (const a of apps) await a.app.close(); });

  const ask = async (app: FastifyInstance, query: string, t: number): Promise<unknown> => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/query', payload: `query=${encodeURIComponent(query)}&time=${t / 1000}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(r.statusCode).toBe(200);
    return JSON.parse(r.body);
  };

  it('answers as without sharing, with one store call per distinct selector', async () => {
    const [on, off] = apps as [typeof apps[0], typeof apps[0]];
    for (const q of rules) expect(await ask(on.app, q, T0)).toEqual(await ask(off.app, q, T0));
    expect(off.store.calls).toBe(rules.length + 1);
    // {job="api"} once (the code="500" select is filtered from it), up{job="api"} once.
    expect(on.store.calls).toBe(2);
    const text = await on.registry.metrics();
    expect(text).toMatch(/thanos_query_shared_selects_total\{result="miss"\} 2/);
    expect(text).toMatch(/thanos_query_shared_selects_total\{result="filtered"\} 1/);
    // Another evaluation time fetches anew; range queries never share.
    await ask(on.app, rules[0]!, T0 - 15_000);
    expect(on.store.calls).toBe(3);
    const range = async (a: FastifyInstance): Promise<void> => {
      const r = await a.inject({ method: 'GET', url: `/api/v1/query_range?query=up&start=${(T0 - 60_000) / 1000}&end=${T0 / 1000}&step=15` });
      expect(r.statusCode).toBe(200);
    };
    await range(on.app);
    await range(on.app);
    expect(on.store.calls).toBe(5);
  });
});
