// Small instant queries evaluated on the main thread: which jobs qualify, that the answer and the error types are
// those of the worker pool (the same API with inlining off answers each query), and that a query fetching more than
// the budget is handed back for the pool.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryApi } from '../../../src/query/api/query-api.js';
import { evaluateInline, inlineCandidate, INLINE_MAX_QUERY_CHARS } from '../../../src/query/eval-pool/inline.js';
import type { EvalJob } from '../../../src/query/eval-pool/protocol.js';
import type { FetchedSeries } from '../../../src/query/queryable.js';
import type { StoreTarget } from '../../../src/store/proxy.js';
import type { Series } from '../../../src/store/store-api.js';
import { encodeXor } from '../../../src/tsdb/chunkenc/xor.js';
import { MemoryStore } from '../../store/support/memory-store.js';

const T0 = 1_700_000_000_000;

function job(query: string, step = 0): EvalJob {
  return { query, start: T0, end: step === 0 ? T0 : T0 + 60_000, step, engine: { timeoutMs: 5000 }, dedup: true, algorithm: 'penalty' };
}

function series(labels: Record<string, string>, n: number, f: (i: number) => number): Series {
  const ts = Array.from({ length: n }, (_, i) => T0 - (n - 1 - i) * 15_000);
  const ls = Object.entries(labels).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { labels: ls, chunks: [{ minTime: ts[0]!, maxTime: ts.at(-1)!, raw: { encoding: 'XOR', data: encodeXor(ts, ts.map((_, i) => f(i))) } }] };
}

describe('inlineCandidate', () => {
  it.each([
    { query: 'up', step: 0, inline: true },
    { query: 'sum by (job) (rate(http_requests_total[5m]))', step: 0, inline: true },
    { query: 'up', step: 15_000, inline: false },
    { query: 'max_over_time(rate(x[1m])[10m:1m])', step: 0, inline: false },
    { query: 'sum(rate(x[5m])) / on() group_left max_over_time(y[1h:5m])', step: 0, inline: false },
    { query: `up${' + 1'.repeat(INLINE_MAX_QUERY_CHARS)}`, step: 0, inline: false },
    { query: 'sum(', step: 0, inline: false },
  ])('$query (step $step) inline: $inline', ({ query, step, inline }) => {
    expect(inlineCandidate(job(query, step)) !== undefined).toBe(inline);
  });
});

describe('evaluateInline', () => {
  const fetched: FetchedSeries[] = Array.from({ length: 20 }, (_, i) => series({ __name__: 'm', i: String(i) }, 500, (k) => k * i));
  const source = async (): Promise<FetchedSeries[]> => fetched;

  it('answers within the budget', async () => {
    const j = job('sum(m)');
    const a = await evaluateInline(j, inlineCandidate(j)!, source, new AbortController().signal);
    expect(JSON.parse(a!.data)).toEqual({ resultType: 'vector', result: [{ metric: {}, value: [T0 / 1000, String(499 * 190)] }] });
  });

  it('hands a query that fetches more than the budget back (undefined)', async () => {
    const j = job('sum(m)');
    const bytes = fetched.reduce((n, s) => n + s.chunks.reduce((k, c) => k + c.raw!.data.length, 0), 0);
    expect(await evaluateInline(j, inlineCandidate(j)!, source, new AbortController().signal, bytes - 1)).toBeUndefined();
    expect(await evaluateInline(j, inlineCandidate(j)!, source, new AbortController().signal, bytes)).toBeDefined();
  });
});

describe('QueryApi: the same answers inline and on the worker pool', () => {
  const apps: FastifyInstance[] = [];
  const targets: StoreTarget[] = [];

  beforeAll(async () => {
    const store = new MemoryStore([
      series({ __name__: 'http_requests_total', job: 'api', code: '200' }, 40, (i) => i * 10),
      series({ __name__: 'http_requests_total', job: 'api', code: '500' }, 40, (i) => i),
      series({ __name__: 'http_requests_total', job: 'web', code: '200' }, 40, (i) => i * 3),
      series({ __name__: 'up', job: 'api' }, 40, () => 1),
      series({ __name__: 'up', job: 'web' }, 40, () => 0),
    ], [{ name: 'replica', value: 'a' }]);
    targets.push({ name: 'memory', store, info: await store.info() });
    for (const inlineSmallQueries of [true, false]) {
      const app = Fastify();
      new QueryApi({
        targets: () => targets, engineOptions: { timeoutMs: 5000 }, replicaLabels: ['replica'], algorithm: 'penalty',
        partialResponse: true, maxConcurrent: 2, defaultStepMs: 1000, flags: {}, endpointStatuses: () => ({}),
        now: () => T0, inlineSmallQueries,
      }).register(app, '');
      await app.ready();
      apps.push(app);
    }
  });
  afterAll(async () => { for (const a of apps) await a.close(); });

  it.each([
    'up',
    'sum by (job) (rate(http_requests_total[5m]))',
    'topk(1, http_requests_total)',
    'http_requests_total / on (job) up',
    'http_requests_total + on (job) group_left up',
    'label_replace(up, "x", "$1", "job", "(.*)")',
    'absent(nothing)',
    'scalar(sum(up))',
  ])('%s', async (query) => {
    const [inline, pooled] = await Promise.all(apps.map(async (a) => {
      const r = await a.inject({ method: 'GET', url: `/api/v1/query?query=${encodeURIComponent(query)}&time=${T0 / 1000}` });
      return { status: r.statusCode, body: JSON.parse(r.body) as unknown };
    }));
    expect(inline).toEqual(pooled);
  });

  it('a query failing in evaluation gets the same error type and code either way', async () => {
    // Many-to-many matching: both sides have two api series.
    const query = 'http_requests_total / on (job) http_requests_total{code=~".*"} * on (job) http_requests_total';
    const [inline, pooled] = await Promise.all(apps.map(async (a) => {
      const r = await a.inject({ method: 'GET', url: `/api/v1/query?query=${encodeURIComponent(query)}&time=${T0 / 1000}` });
      return { status: r.statusCode, body: JSON.parse(r.body) as { errorType?: string } };
    }));
    expect(inline?.body.errorType).toBe('execution');
    expect(inline).toEqual(pooled);
  });
});
