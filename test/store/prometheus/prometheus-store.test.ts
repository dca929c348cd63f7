// PrometheusStore against a real Prometheus 2.42 serving promtool-backfilled blocks: Series over remote read
// (streamed chunks and the SAMPLES fallback) equals what PromQL returns, with external labels; label APIs; errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../src/store/prometheus/client.js';
import { PrometheusStore } from '../../../src/store/prometheus/prometheus-store.js';
import { RESPONSE_SAMPLES } from '../../../src/store/prometheus/remote-read-codec.js';
import type { SeriesResponse, StoreAPI } from '../../../src/store/store-api.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest } from '../../../src/store/store-api.js';
import { encodeSeriesStream } from '../../../src/store/series-batcher.js';
import { GRPC_FRAME_HEADROOM, frameInPlace } from '../../../src/runtime/grpc-framed.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import type { Labels } from '../../../src/tsdb/labels/labels.js';
import { InvalidArgumentError, UnavailableError } from '../../../src/runtime/errors.js';
import type { PrometheusPeer } from './prometheus-peer.js';
import { backfill, regularSeries, startPrometheus } from './prometheus-peer.js';
import type { Sampled } from './samples.js';
import { collectSamples, promqlSamples } from './samples.js';

const EXT = labelsFromRecord({ cluster: 'test', replica: '0' });
const HOUR = 3600_000;
const now = Date.now();
const from = Math.floor((now - 5 * HOUR) / HOUR) * HOUR;
const to = from + 3 * HOUR;

let dir: string;
let prom: PrometheusPeer;
let client: PrometheusClient;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'prom-store-'));
  const series = [];
  for (const job of ['a', 'b']) {
    for (const instance of ['i1', 'i2']) {
      series.push(regularSeries({ __name__: 'test_gauge', job, instance }, from, to, 15_000, (i) => Math.sin(i / 10) * 100 + (job === 'a' ? 1 : 2)));
    }
  }
  series.push(regularSeries({ __name__: 'test_counter', job: 'a', instance: 'i1' }, from, to, 30_000, (i) => i * 3));
  await backfill(dir, path.join(dir, 'tsdb'), series);
  prom = await startPrometheus(dir);
  client = new PrometheusClient(prom.url);
});

afterAll(async () => {
  await prom?.stop();
  await rm(dir, { recursive: true, force: true });
});

function makeStore(accepted?: readonly number[]): PrometheusStore {
  return new PrometheusStore(client, { externalLabels: () => EXT, minTime: () => from, ...(accepted ? { acceptedResponseTypes: accepted } : {}) });
}

function collect(store: StoreAPI, matchers: Matcher[], minTime = from, maxTime = to): Promise<Sampled[]> {
  return collectSamples(store, matchers, minTime, maxTime);
}

function viaPromQL(selector: string, minTime = from, maxTime = to): Promise<Sampled[]> {
  return promqlSamples(prom.url, selector, minTime, maxTime, EXT);
}

function sortedByLabels(s: Sampled[]): Sampled[] {
  return [...s].sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
}

describe('PrometheusStore', () => {
  it('returns the same series and samples as PromQL, with external labels, over streamed XOR chunks', async () => {
    const got = await collect(makeStore(), [new Matcher('=', '__name__', 'test_gauge')]);
    const want = await viaPromQL('test_gauge');
    expect(got.length).toBe(4);
    expect(sortedByLabels(got)).toEqual(want);
    expect(got.map((s) => s.labels)).toEqual(want.map((s) => s.labels));
    expect(got[0]!.labels).toContain('cluster="test"');
    expect(got[0]!.ts.length).toBe(720);
  });

  it('returns the same samples through the SAMPLES fallback', async () => {
    const ms = [new Matcher('=~', '__name__', 'test_.*'), new Matcher('=', 'job', 'a')];
    const streamed = await collect(makeStore(), ms);
    const sampled = await collect(makeStore([RESPONSE_SAMPLES]), ms);
    expect(sampled).toEqual(streamed);
    expect(sampled.length).toBe(3);
  });

  it('honours a sub-range', async () => {
    const min = from + HOUR + 7_000;
    const max = from + HOUR + 20 * 60_000;
    const got = await collect(makeStore(), [new Matcher('=', '__name__', 'test_counter')], min, max);
    expect(got).toEqual(await viaPromQL('test_counter', min, max));
    expect(got[0]!.ts[0]).toBe(from + HOUR + 30_000);
  });

  it('answers matchers on external labels without asking Prometheus', async () => {
    const name = new Matcher('=', '__name__', 'test_counter');
    expect(await collect(makeStore(), [name, new Matcher('=', 'cluster', 'other')])).toEqual([]);
    const matching = await collect(makeStore(), [name, new Matcher('=~', 'replica', '0|1')]);
    expect(matching).toEqual(await collect(makeStore(), [name]));
    await expect(collect(makeStore(), [new Matcher('=', 'cluster', 'test')])).rejects.toThrow(/no matchers specified \(excluding external labels\)/);
  });

  it('drops external labels named in withoutReplicaLabels, keeping the order sorted', async () => {
    const store = makeStore();
    const labels: Labels[] = [];
    for await (const r of store.series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'test_gauge')], minTime: from, maxTime: to, withoutReplicaLabels: ['replica', 'job'] }))) {
      if (r.type === 'series') labels.push(r.series.labels);
    }
    expect(labels.map(formatLabels)).toEqual([
      '{__name__="test_gauge", cluster="test", instance="i1", job="a"}',
      '{__name__="test_gauge", cluster="test", instance="i1", job="b"}',
      '{__name__="test_gauge", cluster="test", instance="i2", job="a"}',
      '{__name__="test_gauge", cluster="test", instance="i2", job="b"}',
    ]);
  });

  it('encodes the same SeriesResponse bytes through encodedSeries() as series() plus the shared encoder', async () => {
    const store = makeStore();
    const base = { matchers: [new Matcher('=~', '__name__', 'test_.*')], minTime: from, maxTime: to };
    const shapes = [{}, { responseBatchSize: 3 }, { responseBatchSize: 64, withoutReplicaLabels: ['replica'] }, { limit: 2 }, { skipChunks: true, responseBatchSize: 2 }];
    for (const shape of shapes) {
      const req = seriesRequest({ ...base, ...shape });
      const want: Buffer[] = [];
      for await (const m of encodeSeriesStream(store.series(req), req)) want.push(Buffer.from(m));
      const got: Buffer[] = [];
      for await (const m of store.encodedSeries(req)) got.push(Buffer.from(m));
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(want);
    }
  });

  it('leaves room before every message to frame it in place without touching another one, on every answer path', async () => {
    // What the gRPC server does: frame each message in its own memory as it comes, while grpc-js may still hold the
    // earlier ones. Each message must read the same after all of them are framed.
    const base = { matchers: [new Matcher('=~', '__name__', 'test_.*')], minTime: from, maxTime: to };
    const cases = [
      { store: makeStore(), req: seriesRequest(base) },
      { store: makeStore(), req: seriesRequest({ ...base, skipChunks: true }) },
      { store: makeStore(), req: seriesRequest({ ...base, skipChunks: true, responseBatchSize: 2 }) },
      { store: makeStore([RESPONSE_SAMPLES]), req: seriesRequest(base) },
    ];
    for (const { store, req } of cases) {
      expect(store.messageHeadroom).toBe(GRPC_FRAME_HEADROOM);
      const messages: Uint8Array[] = [];
      const copies: Buffer[] = [];
      for await (const m of store.encodedSeries(req)) {
        copies.push(Buffer.from(m));
        frameInPlace(m);
        messages.push(m);
      }
      expect(messages.length).toBeGreaterThan(1);
      expect(messages.map((m) => Buffer.from(m))).toEqual(copies);
    }
  });

  it('answers skipChunks requests with label sets only, sorted, and applies the series limit', async () => {
    const got: SeriesResponse[] = [];
    for await (const r of makeStore().series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'test_gauge')], minTime: from, maxTime: to, skipChunks: true, limit: 3 }))) got.push(r);
    expect(got.length).toBe(3);
    for (const r of got) {
      expect(r.type).toBe('series');
      if (r.type === 'series') {
        expect(r.series.chunks).toEqual([]);
        expect(formatLabels(r.series.labels)).toContain('replica="0"');
      }
    }
  });

  it('lists label names and values, external labels included', async () => {
    const store = makeStore();
    const names = await store.labelNames(labelNamesRequest({ start: from, end: to }));
    expect(names.names).toEqual(['__name__', 'cluster', 'instance', 'job', 'replica']);
    const jobs = await store.labelValues(labelValuesRequest('job', { start: from, end: to, matchers: [new Matcher('=', '__name__', 'test_counter')] }));
    expect(jobs.values).toEqual(['a']);
    const cluster = await store.labelValues(labelValuesRequest('cluster', { start: from, end: to }));
    expect(cluster.values).toEqual(['test']);
    const none = await store.labelValues(labelValuesRequest('job', { matchers: [new Matcher('=', 'cluster', 'nope')] }));
    expect(none.values).toEqual([]);
  });

  it('advertises the external labels and time range in info', async () => {
    const info = await makeStore().info();
    expect(info.componentType).toBe('sidecar');
    expect(info.labelSets).toEqual([EXT]);
    expect(info.minTime).toBe(from);
  });

  it('surfaces Prometheus\'s error message', async () => {
    const err = await makeStore().labelNames(labelNamesRequest({ matchers: [new Matcher('=~', 'job', '.*')] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(String(err)).toMatch(/prometheus answered 400: .*match\[\] must contain at least one non-empty matcher/);
  });

  it('refuses to serve while external labels are unknown', async () => {
    const store = new PrometheusStore(client, { externalLabels: () => undefined, minTime: () => from });
    await expect(collect(store, [new Matcher('=', '__name__', 'test_gauge')])).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('PrometheusClient', () => {
  it('reads external labels from the loaded config', async () => {
    expect(await client.externalLabels()).toEqual(EXT);
  });

  it('reports a down Prometheus as not ready and unavailable', async () => {
    const down = new PrometheusClient('http://127.0.0.1:1');
    expect(await down.isReady()).toBe(false);
    await expect(down.waitReady(200, undefined, 50)).rejects.toThrow(/not ready after 200ms/);
    await expect(down.externalLabels()).rejects.toBeInstanceOf(UnavailableError);
  });
});

describe('PrometheusStore errors from remote read', () => {
  let dir2: string;
  let limited: PrometheusPeer;

  beforeAll(async () => {
    dir2 = await mkdtemp(path.join(tmpdir(), 'prom-store-limit-'));
    await backfill(dir2, path.join(dir2, 'tsdb'), [regularSeries({ __name__: 'limited', job: 'a' }, from, to, 15_000, (i) => i)]);
    limited = await startPrometheus(dir2, { extraArgs: ['--storage.remote.read-sample-limit=10'] });
  });

  afterAll(async () => {
    await limited?.stop();
    await rm(dir2, { recursive: true, force: true });
  });

  it('surfaces Prometheus\'s message when a SAMPLES read exceeds its sample limit', async () => {
    const store = new PrometheusStore(new PrometheusClient(limited.url), { externalLabels: () => EXT, minTime: () => from, acceptedResponseTypes: [RESPONSE_SAMPLES] });
    const err = await collect(store, [new Matcher('=', '__name__', 'limited')]).catch((e: unknown) => e);
    expect(String(err)).toMatch(/remote read: prometheus answered \d+: .*exceeded sample limit \(10\)/);
  });
});
