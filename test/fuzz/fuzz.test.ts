// The CI smoke part of the fuzz suite: every target over a few thousand mutated inputs with zero crashes, hangs or
// runaway memory, the regression inputs of crashes found so far, and real gRPC StoreAPI and querier HTTP servers
// that keep answering valid requests exactly while being fed fuzzed ones. The long run is `npm run fuzz`.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Metadata, credentials, status as Status, type ServiceError } from '@grpc/grpc-js';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryApi } from '../../src/query/api/query-api.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import type { StoreTarget } from '../../src/store/proxy.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest, type Series, type SeriesResponse } from '../../src/store/store-api.js';
import { encodeLabelNamesRequest, encodeLabelValuesRequest, encodeSeriesRequest } from '../../src/store/codec.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { MemoryStore } from '../store/support/memory-store.js';
import { formatReport, prepare, runRegressions, runTarget } from './driver.js';
import { mutateBytes, mutateText } from './mutate.js';
import { PENDING_TARGETS, TARGETS } from './targets.js';

const SEED = Number(process.env.FUZZ_SMOKE_SEED ?? 20261205) >>> 0;
/** Per-target smoke inputs: text parsers are ~10x slower per input than binary decoders. */
const BYTES_RUNS = Number(process.env.FUZZ_SMOKE_RUNS ?? 2000);
const TEXT_RUNS = Math.ceil(BYTES_RUNS / 2.5);
const REPO = fileURLToPath(new URL('../../', import.meta.url));

describe('fuzz smoke: every parser of outside bytes', () => {
  // The YAML library reports odd-but-valid input (ambiguous aliases, unknown tags) as process warnings: thousands of
  // them would bury the test output. Only those are dropped, and only while this file runs.
  const emitWarning = process.emitWarning;
  beforeAll(() => {
    process.emitWarning = ((w: string | Error, ...rest: never[]) => {
      if (w instanceof Error && w.name === 'YAMLWarning') return;
      emitWarning.call(process, w, ...rest);
    }) as typeof process.emitWarning;
  });
  afterAll(() => { process.emitWarning = emitWarning; });

  it.each(TARGETS.map((t) => [t.name, t] as const))('%s: no crash, hang or runaway memory', async (_name, target) => {
    const p = await prepare(target);
    const runs = target.kind === 'text' ? TEXT_RUNS : BYTES_RUNS;
    // A loaded CI machine can deschedule one input for a while: the driver re-times slow inputs once before
    // calling them hangs; the smoke allows 5 s (deeply nested YAML costs the YAML library ~0.3 s unloaded), the
    // long run 1 s.
    const r = await runTarget(p, { runs, runSeed: SEED, hangMs: 5000, rssGrowthMb: 256 });
    expect(r.runs).toBe(runs);
    expect(r.failureCount, formatReport(r)).toBe(0);
    expect(r.memoryFailure, formatReport(r)).toBeUndefined();
    // Seeds must reach the parser's accepting paths, or the run only exercises the first check.
    expect(r.refused, `${target.name}: every input was refused, the seeds are broken`).toBeLessThan(runs);
  });

  it.each(TARGETS.filter((t) => (t.regressions ?? []).length > 0).map((t) => [t.name, t] as const))(
    '%s: regression inputs from crashes found by fuzzing are refused with typed errors', async (_name, target) => {
      const failures = await runRegressions(await prepare(target));
      expect(failures).toEqual([]);
    });

  it('the same run seed gives the same inputs (failures are reproducible from seed and index)', () => {
    const seeds = [Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8), Uint8Array.of(0xff, 0x80)];
    for (let i = 0; i < 50; i++) {
      expect(mutateBytes(seeds, 7, i, { maxLen: 64 })).toEqual(mutateBytes(seeds, 7, i, { maxLen: 64 }));
      expect(mutateText(['sum(rate(x[5m]))'], 7, i, { maxLen: 64 })).toBe(mutateText(['sum(rate(x[5m]))'], 7, i, { maxLen: 64 }));
    }
    const distinct = new Set(Array.from({ length: 200 }, (_, i) => mutateText(['sum(rate(x[5m]))'], 7, i, { maxLen: 4096 })));
    expect(distinct.size).toBeGreaterThan(150);
  });

  it.each(PENDING_TARGETS.map((p) => [p.name, p.module] as const))(
    '%s: %s has not landed yet (when it does, add its parser to TARGETS in test/fuzz/targets.ts)', (_name, module) => {
      expect(existsSync(`${REPO}${module}`), `${module} exists now: add a fuzz target for it and remove this entry`).toBe(false);
    });
});

const T0 = 1_700_000_000_000;

/** Percent-encodes the UTF-8 bytes of `s` (lone surrogates included, which encodeURIComponent refuses). */
function percentEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

function xorSeries(labels: Record<string, string>, from: number, to: number, step: number, f: (t: number) => number): Series {
  const ts: number[] = [];
  const vs: number[] = [];
  for (let t = from; t <= to; t += step) { ts.push(t); vs.push(f(t)); }
  const ls = Object.entries(labels).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return { labels: ls, chunks: [{ minTime: from, maxTime: to, raw: { encoding: 'XOR', data: encodeXor(ts, vs) } }] };
}

function fixtureStore(): MemoryStore {
  return new MemoryStore([
    xorSeries({ __name__: 'up', job: 'api', instance: 'a:1' }, T0, T0 + 600_000, 15_000, () => 1),
    xorSeries({ __name__: 'up', job: 'node', instance: 'b:1' }, T0, T0 + 600_000, 15_000, () => 0),
    xorSeries({ __name__: 'http_requests_total', job: 'api', instance: 'a:1' }, T0, T0 + 600_000, 15_000, (t) => (t - T0) / 1000),
  ], [{ name: 'cluster', value: 'c' }]);
}

describe('a StoreAPI gRPC server under fuzzed requests keeps answering valid ones', () => {
  let server: RunningGrpcServer;
  let raw: Client;
  let client: GrpcStoreClient;
  const store = fixtureStore();
  const ident = (b: Buffer): Buffer => b;

  beforeAll(async () => {
    server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
    raw = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure());
    client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    client.close();
    raw.close();
    await server.stop(1000);
  });

  function stream(path: string, body: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      const call = raw.makeServerStreamRequest(path, ident, ident, Buffer.from(body), new Metadata(), { deadline: Date.now() + 10_000 });
      call.on('data', () => {});
      call.on('error', (e: ServiceError) => resolve(e.code));
      call.on('end', () => resolve(Status.OK));
    });
  }
  function unary(path: string, body: Uint8Array): Promise<number> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(path, ident, ident, Buffer.from(body), new Metadata(), { deadline: Date.now() + 10_000 }, (e) => resolve(e ? e.code : Status.OK));
    });
  }

  async function collect(req: Parameters<MemoryStore['series']>[0]): Promise<SeriesResponse[]> {
    const out: SeriesResponse[] = [];
    for await (const r of client.series(req)) out.push(r);
    return out;
  }

  it('answers every fuzzed Series/LabelNames/LabelValues/Info body with a status (never INTERNAL/UNKNOWN) and valid calls exactly', async () => {
    const validSeries = seriesRequest({ matchers: [new Matcher('=', '__name__', 'up')], minTime: T0, maxTime: T0 + 600_000 });
    const validNames = labelNamesRequest({ start: T0, end: T0 + 600_000, matchers: [new Matcher('=', 'job', 'api')] });
    const validValues = labelValuesRequest('job', { start: T0, end: T0 + 600_000 });
    // The oracle: the same store answering in process, plus fixed expectations of what it holds.
    const want = await (async () => { const o: SeriesResponse[] = []; for await (const r of store.series(validSeries)) o.push(r); return o; })();
    expect(want.map((r) => r.type === 'series' ? r.series.labels.map((l) => `${l.name}=${l.value}`).join(',') : r.type))
      .toEqual(['__name__=up,cluster=c,instance=a:1,job=api', '__name__=up,cluster=c,instance=b:1,job=node']);

    const seeds = [encodeSeriesRequest(validSeries), encodeLabelNamesRequest(validNames), encodeLabelValuesRequest(validValues), new Uint8Array(0)];
    const paths = ['/thanos.Store/Series', '/thanos.Store/LabelNames', '/thanos.Store/LabelValues', '/thanos.info.Info/Info', '/thanos.Store/Info'];
    const codes = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const body = mutateBytes(seeds, SEED, i, { maxLen: 2048 });
      const path = paths[i % paths.length]!;
      const code = path.endsWith('/Series') ? await stream(path, body) : await unary(path, body);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      expect([Status.INTERNAL, Status.UNKNOWN, Status.DEADLINE_EXCEEDED, Status.UNAVAILABLE], `fuzzed ${path} #${i} (${Buffer.from(body).toString('hex')}) got ${Status[code]}`).not.toContain(code);
      if (i % 20 === 19) {
        expect(await collect(validSeries)).toEqual(want);
        expect(await client.labelNames(validNames)).toEqual({ names: ['__name__', 'cluster', 'instance', 'job'], warnings: [] });
        expect(await client.labelValues(validValues)).toEqual({ values: ['api', 'node'], warnings: [] });
        expect((await client.info()).labelSets).toEqual([[{ name: 'cluster', value: 'c' }]]);
      }
    }
    // The fuzz must have produced both accepted and refused requests, or it did not test anything.
    expect(codes.get(Status.OK) ?? 0).toBeGreaterThan(0);
    expect(codes.get(Status.INVALID_ARGUMENT) ?? 0).toBeGreaterThan(0);
  });
});

describe('a querier HTTP API under fuzzed requests keeps answering valid ones', () => {
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    const store = fixtureStore();
    const targets: StoreTarget[] = [{ name: 'store-0:10901', store, info: await store.info() }];
    app = Fastify();
    new QueryApi({
      targets: () => targets, engineOptions: { timeoutMs: 5000 }, replicaLabels: [], algorithm: 'penalty',
      partialResponse: true, maxConcurrent: 4, defaultStepMs: 1000, flags: {},
      endpointStatuses: () => ({ store: [] }), now: () => T0 + 300_000,
    }).register(app, '');
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${addr.port}/api/v1`;
    // Evaluation runs on worker threads that load the engine from TypeScript here: wait until one answers.
    for (let i = 0; i < 60; i++) {
      if ((await fetch(`${base}/query?query=1`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 250));
    }
  });
  afterAll(async () => {
    await app.close();
  });

  interface Answer { code: number; body: { status?: string; errorType?: string; error?: string; data?: unknown } }
  async function get(pathAndQuery: string): Promise<Answer> {
    const r = await fetch(base + pathAndQuery, { signal: AbortSignal.timeout(20_000) });
    const text = await r.text();
    let body: Answer['body'];
    try { body = JSON.parse(text) as Answer['body']; } catch { throw new Error(`GET ${pathAndQuery}: ${r.status} with a non-JSON body ${text.slice(0, 200)}`); }
    return { code: r.status, body };
  }

  const at = (T0 + 300_000) / 1000;
  const validInstant = async (): Promise<void> => {
    const { code, body } = await get(`/query?query=${encodeURIComponent('sum by (job) (up)')}&time=${at}`);
    expect(code).toBe(200);
    expect(body).toEqual({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { job: 'api' }, value: [at, '1'] }, { metric: { job: 'node' }, value: [at, '0'] }] },
    });
  };
  const validRange = async (): Promise<void> => {
    const q = encodeURIComponent('http_requests_total');
    const { code, body } = await get(`/query_range?query=${q}&start=${T0 / 1000 + 60}&end=${T0 / 1000 + 120}&step=30`);
    expect(code).toBe(200);
    expect(body).toEqual({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [{ metric: { __name__: 'http_requests_total', cluster: 'c', instance: 'a:1', job: 'api' }, values: [[T0 / 1000 + 60, '60'], [T0 / 1000 + 90, '90'], [T0 / 1000 + 120, '120']] }],
      },
    });
  };
  const validLabels = async (): Promise<void> => {
    const { code, body } = await get(`/label/job/values?start=${T0 / 1000}&end=${T0 / 1000 + 600}`);
    expect(code).toBe(200);
    expect(body).toEqual({ status: 'success', data: ['api', 'node'] });
  };

  it('answers every fuzzed query and parameter with a Prometheus JSON answer (no 5xx, no leaked JS error) while valid queries stay exact', async () => {
    await validInstant();
    await validRange();
    await validLabels();
    const exprs = (await (TARGETS.find((t) => t.name === 'promql')!.seeds() as Promise<string[]>)).slice(0, 400);
    const params = [`time=${at}`, `start=${T0 / 1000}&end=${T0 / 1000 + 600}&step=15`, 'timeout=2s', 'dedup=true', 'partial_response=false', `start=${T0 / 1000}`];
    const paths = ['/query', '/query_range', '/series', '/labels', '/label/job/values', '/query'];
    const codes = new Map<number, number>();
    const jsError = /TypeError|RangeError|ReferenceError|Cannot read prop|is not a function|is not iterable|Maximum call stack|of undefined/;
    for (let i = 0; i < 120; i++) {
      const expr = mutateText(exprs, SEED, i, { maxLen: 1024 });
      const extra = mutateText(params, SEED + 1, i, { maxLen: 256 });
      const path = paths[i % paths.length]!;
      const key = path === '/series' || path.startsWith('/label') ? 'match[]' : 'query';
      const url = `${path}?${key}=${percentEncode(expr)}&${extra}`;
      let a: Answer;
      try {
        a = await get(url);
      } catch (err) {
        throw new Error(`fuzzed request #${i} ${url}: ${String(err)}`, { cause: err });
      }
      codes.set(a.code, (codes.get(a.code) ?? 0) + 1);
      expect(a.code, `fuzzed request #${i} ${url} → ${JSON.stringify(a.body).slice(0, 300)}`).toBeLessThan(500);
      expect(['success', 'error'], `fuzzed request #${i} ${url} → ${a.code} ${JSON.stringify(a.body).slice(0, 300)}`).toContain(a.body.status);
      if (a.body.status === 'error') expect(a.body.error ?? '', `fuzzed request #${i} ${url}`).not.toMatch(jsError);
      if (i % 10 === 9) {
        await validInstant();
        await validRange();
        await validLabels();
      }
    }
    expect(codes.get(200) ?? 0).toBeGreaterThan(0);
    expect(codes.get(400) ?? 0).toBeGreaterThan(0);
  });
});
