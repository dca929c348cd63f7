// The query HTTP API over in-process stores (real XOR chunks, real proxy, real engine): Prometheus JSON shapes,
// dedup on/off, replicaLabels[], storeMatch[], partial response, GET and POST forms, error types and codes.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryApi } from '../../src/query/api/query-api.js';
import type { StoreTarget } from '../../src/store/proxy.js';
import type { Series, StoreAPI } from '../../src/store/store-api.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { FailingStore, MemoryStore } from '../store/support/memory-store.js';

const T0 = 1_700_000_000_000;

/** One series with samples every `step` ms in [from, to], value = f(t), as one XOR chunk. */
function xorSeries(labels: Record<string, string>, from: number, to: number, step: number, f: (t: number) => number): Series {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = from; t <= to; t += step) {
    ts.push(t);
    vs.push(f(t));
  }
  const ls = Object.entries(labels).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { labels: ls, chunks: [{ minTime: from, maxTime: to, raw: { encoding: 'XOR', data: encodeXor(ts, vs) } }] };
}

function replica(r: string, offset: number): MemoryStore {
  const end = T0 + 600_000;
  return new MemoryStore([
    xorSeries({ __name__: 'up', job: 'api', instance: 'a:1' }, T0 + offset, end, 15_000, () => 1),
    xorSeries({ __name__: 'http_requests_total', job: 'api', instance: 'a:1' }, T0 + offset, end, 15_000, (t) => (t - T0) / 1000),
  ], [{ name: 'cluster', value: 'c' }, { name: 'replica', value: r }]);
}

interface Resp { status: string; data: Data; errorType?: string; error?: string; warnings?: string[] }
/** The union of `data` shapes this test reads. */
type Data = { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } & unknown[];

describe('QueryApi', () => {
  let app: FastifyInstance;
  const targets: StoreTarget[] = [];
  let r0: StoreAPI;

  beforeAll(async () => {
    r0 = replica('0', 0);
    const r1 = replica('1', 5000);
    targets.push({ name: 'sidecar-0:10901', store: r0, info: await r0.info() });
    targets.push({ name: 'sidecar-1:10901', store: r1, info: await r1.info() });
    app = Fastify();
    new QueryApi({
      targets: () => targets, engineOptions: { timeoutMs: 5000 }, replicaLabels: ['replica'], algorithm: 'penalty',
      partialResponse: true, maxConcurrent: 4, defaultStepMs: 1000, flags: { 'query.replica-label': 'replica' },
      endpointStatuses: () => ({ sidecar: [] }), now: () => T0 + 300_000,
    }).register(app, '/prefix');
    await app.ready();
    // Evaluation runs on worker threads, which load the engine from TypeScript here (seconds on a busy machine):
    // wait until one answers before measuring anything against the 5 s timeout.
    for (let i = 0; i < 20; i++) {
      const r = await app.inject({ method: 'GET', url: '/prefix/api/v1/query?query=1' });
      if (r.statusCode === 200) break;
    }
  });
  afterAll(async () => {
    await app.close();
  });

  const get = async (path: string): Promise<{ code: number; body: Resp }> => {
    const r = await app.inject({ method: 'GET', url: '/prefix/api/v1' + path });
    return { code: r.statusCode, body: r.json() };
  };
  const post = async (path: string, form: Record<string, string>): Promise<{ code: number; body: Resp }> => {
    const r = await app.inject({ method: 'POST', url: '/prefix/api/v1' + path, payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    return { code: r.statusCode, body: r.json() };
  };

  it('instant query dedups replicas and drops the replica label', async () => {
    const { code, body } = await get(`/query?query=up&time=${(T0 + 300_000) / 1000}`);
    expect(code).toBe(200);
    expect(body).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { __name__: 'up', cluster: 'c', instance: 'a:1', job: 'api' }, value: [(T0 + 300_000) / 1000, '1'] }] },
    });
  });

  it('dedup=false shows every replica', async () => {
    const { body } = await get(`/query?query=up&dedup=false&time=${(T0 + 300_000) / 1000}`);
    expect(body.data.result.map((r: { metric: Record<string, string> }) => r.metric.replica)).toEqual(['0', '1']);
  });

  it('replicaLabels[] overrides the flag', async () => {
    const { body } = await get(`/query?query=up&replicaLabels[]=cluster&time=${(T0 + 300_000) / 1000}`);
    expect(body.data.result.map((r: { metric: Record<string, string> }) => r.metric)).toEqual([
      { __name__: 'up', instance: 'a:1', job: 'api', replica: '0' }, { __name__: 'up', instance: 'a:1', job: 'api', replica: '1' },
    ]);
  });

  it('range query over POST form: one deduplicated series, a point per step, rate without false resets', async () => {
    const { code, body } = await post('/query_range', { query: 'rate(http_requests_total[1m])', start: String((T0 + 120_000) / 1000), end: String((T0 + 600_000) / 1000), step: '30' });
    expect(code).toBe(200);
    expect(body.data.resultType).toBe('matrix');
    expect(body.data.result).toHaveLength(1);
    const values = body.data.result[0]!.values as [number, string][];
    expect(values).toHaveLength(17);
    for (const [, v] of values) expect(Number(v)).toBeCloseTo(1, 5);
  });

  it('storeMatch[] limits the stores asked', async () => {
    const { body } = await get(`/query?query=up&dedup=false&storeMatch[]={__address__="sidecar-1:10901"}&time=${(T0 + 300_000) / 1000}`);
    expect(body.data.result.map((r: { metric: Record<string, string> }) => r.metric.replica)).toEqual(['1']);
  });

  it('series, labels and label values', async () => {
    const s = await get('/series?match[]=up');
    expect(s.body).toEqual({ status: 'success', data: [{ __name__: 'up', cluster: 'c', instance: 'a:1', job: 'api' }] });
    const s2 = await post('/series', { 'match[]': '{job="api"}', dedup: 'false' });
    expect(s2.body.data).toHaveLength(4);
    const l = await get('/labels');
    expect(l.body.data).toEqual(['__name__', 'cluster', 'instance', 'job']);
    const v = await get('/label/__name__/values');
    expect(v.body.data).toEqual(['http_requests_total', 'up']);
    const bad = await get('/label/0bad/values');
    expect(bad).toEqual({ code: 400, body: { status: 'error', errorType: 'bad_data', error: 'invalid label name: "0bad"' } });
  });

  it.each([
    ['/query?query=sum(up', expect.stringMatching(/^invalid parameter "query": 1:\d+: parse error: /)],
    ['/query?query=up&time=abc', 'invalid parameter "time": Invalid time value for \'time\': cannot parse "abc" to a valid timestamp'],
    ['/query_range?query=up&start=10&end=5&step=1', 'end timestamp must not be before start time'],
    ['/query_range?query=up&start=1&end=5&step=0', 'zero or negative query resolution step widths are not accepted. Try a positive integer'],
    ['/query_range?query=up&start=x&end=5&step=1', 'invalid parameter "start": cannot parse "x" to a valid timestamp'],
    ['/query_range?query=up&start=0&end=100000&step=1', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)'],
    ['/query_range?query=up[5m]&start=0&end=10&step=1', 'invalid parameter "query": invalid expression type "range vector" for range query, must be Scalar or instant Vector'],
    ['/series', 'no match[] parameter provided'],
    ['/query?query=up&dedup=maybe', 'invalid parameter "dedup": strconv.ParseBool: parsing "maybe": invalid syntax'],
  ])('%s → 400 bad_data', async (path, message: unknown) => {
    const { code, body } = await get(path);
    expect(body).toEqual({ status: 'error', errorType: 'bad_data', error: message });
    expect(code).toBe(400);
  });

  // /metadata, /query_exemplars and the other component APIs: test/query/fanout.test.ts and test/e2e/query-apis.test.ts.
  it('status and stores', async () => {
    expect((await get('/status/buildinfo')).body.data).toHaveProperty('version');
    expect((await get('/status/flags')).body.data).toEqual({ 'query.replica-label': 'replica' });
    expect((await get('/stores')).body).toEqual({ status: 'success', data: { sidecar: [] } });
  });

  describe('with a failing store', () => {
    beforeAll(async () => {
      const info = await r0.info();
      targets.push({ name: 'broken:10901', store: new FailingStore({ ...info, labelSets: [[{ name: 'cluster', value: 'd' }]] }), info: { ...info, labelSets: [[{ name: 'cluster', value: 'd' }]] } });
    });
    afterAll(() => {
      targets.pop();
    });
    it('partial_response=true answers with a warning', async () => {
      const { code, body } = await get(`/query?query=up&time=${(T0 + 300_000) / 1000}`);
      expect(code).toBe(200);
      expect(body.data.result).toHaveLength(1);
      expect(body.warnings).toEqual([expect.stringContaining('broken:10901')]);
    });
    it('partial_response=false fails with execution 422', async () => {
      const { code, body } = await get(`/query?query=up&partial_response=false&time=${(T0 + 300_000) / 1000}`);
      expect(code).toBe(422);
      expect(body.status).toBe('error');
      expect(body.errorType).toBe('execution');
      expect(body.error).toContain('backend is down');
    });
  });

  it('a query slower than its timeout answers 503 timeout', async () => {
    const slow: StoreAPI = {
      info: () => r0.info(),
      series: async function* (_req, signal) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, 5000);
          signal?.addEventListener('abort', () => { clearTimeout(t); reject(signal.reason as Error); }, { once: true });
        });
        yield* [];
      },
      labelNames: (r, s) => r0.labelNames(r, s),
      labelValues: (r, s) => r0.labelValues(r, s),
    };
    targets.push({ name: 'slow:1', store: slow, info: await r0.info() });
    try {
      const { code, body } = await get('/query?query=up&timeout=0.05');
      expect(body).toEqual({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
      expect(code).toBe(503);
    } finally {
      targets.pop();
    }
  });

  // The answers below are what Prometheus 2.42 itself answers to the same requests.
  describe('parameters and query text as Prometheus reads them', () => {
    const badData = (error: string): { code: number; body: { status: string; errorType: string; error: string } } =>
      ({ code: 400, body: { status: 'error', errorType: 'bad_data', error } });

    it('a time that overflows a float is bad_data, not a 200 with invalid JSON', async () => {
      expect(await get('/query?query=1&time=1e400'))
        .toEqual(badData('invalid parameter "time": Invalid time value for \'time\': cannot parse "1e400" to a valid timestamp'));
      expect(await get('/query_range?query=1&start=0&end=1e400&step=1'))
        .toEqual(badData('invalid parameter "end": cannot parse "1e400" to a valid timestamp'));
    });

    it('engine= accepts prometheus and thanos only', async () => {
      expect(await get('/query?query=1&engine=bogus')).toEqual(badData("'bogus' bad engine"));
      for (const engine of ['prometheus', 'thanos', '']) {
        const { code, body } = await get(`/query?query=1&time=10&engine=${engine}`);
        expect(code).toBe(200);
        expect(body.data).toEqual({ resultType: 'scalar', result: [10, '1'] });
      }
    });

    it('a NUL byte is an unexpected character outside strings and kept inside them', async () => {
      expect(await get('/query?query=up%00')).toEqual(badData('invalid parameter "query": 1:3: parse error: unexpected character: \'\\x00\''));
      const { code, body } = await get('/query?query=%22a%00b%22&time=10');
      expect(code).toBe(200);
      expect(body.data).toEqual({ resultType: 'string', result: [10, 'a\u0000b'] });
    });

    it('a pair with a bad %-escape is dropped, as Go reads a form', async () => {
      expect(await get('/query?query=%zz')).toEqual(badData('invalid parameter "query": 1:1: parse error: no expression found in input'));
      const { code, body } = await get('/query?query=1&time=10&x=%zz');
      expect(code).toBe(200);
      expect(body.data).toEqual({ resultType: 'scalar', result: [10, '1'] });
      const form = await app.inject({
        method: 'POST', url: '/prefix/api/v1/query', payload: 'query=2&time=10&bad=%g1;x', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(form.json()).toEqual({ status: 'success', data: { resultType: 'scalar', result: [10, '2'] } });
    });

    it('deep nesting and long operator chains evaluate (on the worker\'s large stack)', async () => {
      const parens = await post('/query', { query: '('.repeat(2700) + '1' + ')'.repeat(2700), time: '10' });
      expect(parens.body.data).toEqual({ resultType: 'scalar', result: [10, '1'] });
      const sum = await post('/query', { query: Array.from({ length: 1100 }, () => '1').join('+'), time: '10' });
      expect(sum.body.data).toEqual({ resultType: 'scalar', result: [10, '1100'] });
    });
  });
});
