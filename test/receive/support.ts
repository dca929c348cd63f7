// Helpers for receive tests: an in-process Receiver on a loopback port over a temp dir, a remote-write client, and
// reading back what a StoreAPI holds as samples.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { nopLogger } from '../../src/runtime/logger.js';
import { createLimitsMetrics } from '../../src/receive/limits.js';
import { Receiver, type ReceiverOptions } from '../../src/receive/receiver.js';
import { encodeWriteRequestV1, encodeWriteRequestV2, type SeriesToWrite } from '../../src/receive/write-request-encode.js';
import { seriesRequest, type StoreAPI } from '../../src/store/store-api.js';
import { XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import type { Matcher } from '../../src/tsdb/labels/matcher.js';

export interface TestReceiver {
  readonly receiver: Receiver;
  readonly url: string;
  readonly dir: string;
  readonly registry: Registry;
  stop(): Promise<void>;
}

export async function startReceiver(opts: Partial<ReceiverOptions> = {}, dir?: string): Promise<TestReceiver> {
  const work = dir ?? await mkdtemp(path.join(tmpdir(), 'receive-'));
  const registry = new Registry();
  const receiver = new Receiver({
    tsdbPath: work, externalLabels: [{ name: 'receive', value: 'r1' }], tenantHeader: 'THANOS-TENANT', defaultTenant: 'default-tenant',
    tenantLabelName: 'tenant_id', replicaHeader: 'THANOS-REPLICA', db: {}, retentionMs: 0, tooFarInFutureMs: 0,
    logger: nopLogger, registry, limitsMetrics: createLimitsMetrics(registry), ...opts,
  });
  const { port } = await receiver.listen('127.0.0.1:0');
  await receiver.start();
  return {
    receiver, url: `http://127.0.0.1:${port}/api/v1/receive`, dir: work, registry,
    stop: async () => { await receiver.close(); if (dir === undefined) await rm(work, { recursive: true, force: true }); },
  };
}

export interface PostOptions {
  readonly headers?: Record<string, string>;
  readonly v2?: boolean;
}

/** Posts series as a snappy remote-write request; returns status, body text and headers. */
export async function postSeries(url: string, series: readonly SeriesToWrite[], o: PostOptions = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const body = snappyEncode(o.v2 ? encodeWriteRequestV2(series) : encodeWriteRequestV1(series));
  return postRaw(url, body, {
    'Content-Type': o.v2 ? 'application/x-protobuf;proto=io.prometheus.write.v2.Request' : 'application/x-protobuf',
    'X-Prometheus-Remote-Write-Version': o.v2 ? '2.0.0' : '0.1.0',
    ...o.headers,
  });
}

export async function postRaw(url: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'Content-Encoding': 'snappy', ...headers }, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** Every sample a store holds for the matchers, by formatted series labels. */
export async function samplesOf(store: StoreAPI, matchers: Matcher[]): Promise<Map<string, [number, number][]>> {
  const out = new Map<string, [number, number][]>();
  const it = new XorIterator();
  for await (const f of store.series(seriesRequest({ matchers }))) {
    if (f.type === 'warning') throw new Error(`warning: ${f.warning}`);
    if (f.type !== 'series') continue;
    const name = formatLabels(f.series.labels);
    const got = out.get(name) ?? [];
    for (const c of f.series.chunks) {
      it.reset(c.raw!.data);
      while (it.next()) got.push([it.atT(), it.atF()]);
      if (it.err()) throw it.err()!;
    }
    out.set(name, got);
  }
  return out;
}
