// grpc_server_* and grpc_client_* over real gRPC on loopback: a store server and a client each with their own
// registry, checked for go-grpc-prometheus's names, labels (grpc_type, grpc_service, grpc_method, grpc_code) and counts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { grpcClientMetrics, grpcCodeName, grpcType, splitMethodPath } from '../../src/runtime/grpc-metrics.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { seriesRequest, type LabelNamesRequest, type StoreInfo } from '../../src/store/store-api.js';
import { FailingStore, MemoryStore, series } from '../store/support/memory-store.js';

/** The value of the sample of counter `name` whose labels include `labels`, or undefined. */
async function sample(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
}

const INFO: StoreInfo = {
  componentType: 'store', labelSets: [], minTime: 0, maxTime: 10, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [],
};

const UP = new Matcher('=', '__name__', 'up');
const LABELS_REQ: LabelNamesRequest = {
  start: 0, end: 10, matchers: [], partialResponseDisabled: false, partialResponseStrategy: 'WARN', withoutReplicaLabels: [], limit: 0,
};

describe('gRPC metrics', () => {
  const serverRegistry = new Registry();
  const failingRegistry = new Registry();
  const clientRegistry = new Registry();
  let server: RunningGrpcServer;
  let failing: RunningGrpcServer;
  let client: GrpcStoreClient;
  let failingClient: GrpcStoreClient;

  beforeAll(async () => {
    const store = new MemoryStore([series({ __name__: 'up', job: 'a' }, [0, 1]), series({ __name__: 'up', job: 'b' }, [0, 1])]);
    server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0', registry: serverRegistry });
    failing = await startGrpcServer(storeGrpcServices(new FailingStore(INFO)), { address: '127.0.0.1:0', registry: failingRegistry });
    const interceptors = [grpcClientMetrics(clientRegistry)];
    client = new GrpcStoreClient(server.address, { interceptors, responseBatchSize: 1 });
    failingClient = new GrpcStoreClient(failing.address, { interceptors });
  });
  afterAll(async () => {
    client.close();
    failingClient.close();
    await Promise.all([server.stop(0), failing.stop(0)]);
  });

  it('names types, codes and methods as go-grpc-prometheus does', () => {
    expect([grpcType(false, false), grpcType(false, true), grpcType(true, false), grpcType(true, true)])
      .toEqual(['unary', 'server_stream', 'client_stream', 'bidi_stream']);
    expect([0, 1, 4, 14, 15, 16].map(grpcCodeName)).toEqual(['OK', 'Canceled', 'DeadlineExceeded', 'Unavailable', 'DataLoss', 'Unauthenticated']);
    expect(grpcCodeName(99)).toBe('Code(99)');
    expect(splitMethodPath('/thanos.Store/Series')).toEqual(['thanos.Store', 'Series']);
  });

  it('counts a unary call and a server stream on both sides, with the messages of the stream', async () => {
    await client.labelNames(LABELS_REQ);
    const got = [];
    for await (const r of client.series(seriesRequest({ matchers: [UP] }))) got.push(r);
    expect(got.filter((r) => r.type === 'series')).toHaveLength(2);

    const unary = { grpc_type: 'unary', grpc_service: 'thanos.Store', grpc_method: 'LabelNames' };
    const stream = { grpc_type: 'server_stream', grpc_service: 'thanos.Store', grpc_method: 'Series' };
    for (const [registry, side] of [[serverRegistry, 'server'], [clientRegistry, 'client']] as const) {
      expect(await sample(registry, `grpc_${side}_started_total`, unary)).toBe(1);
      expect(await sample(registry, `grpc_${side}_handled_total`, { ...unary, grpc_code: 'OK' })).toBe(1);
      expect(await sample(registry, `grpc_${side}_started_total`, stream)).toBe(1);
      expect(await sample(registry, `grpc_${side}_handled_total`, { ...stream, grpc_code: 'OK' })).toBe(1);
      expect(await sample(registry, `grpc_${side}_msg_received_total`, stream)).toBe(side === 'server' ? 1 : 2);
      expect(await sample(registry, `grpc_${side}_msg_sent_total`, stream)).toBe(side === 'server' ? 2 : 1);
    }
    const text = await serverRegistry.metrics();
    expect(text).toMatch(/grpc_server_handling_seconds_bucket\{le="0\.001",grpc_type="server_stream",grpc_service="thanos\.Store",grpc_method="Series",grpc_code="OK"\}/);
    expect(text).toMatch(/grpc_server_handling_seconds_count\{grpc_type="unary",grpc_service="thanos\.Store",grpc_method="LabelNames",grpc_code="OK"\} 1/);
  });

  it('labels a failed call with its status code on both sides', async () => {
    await expect(failingClient.labelValues({ ...LABELS_REQ, label: 'job' })).rejects.toThrow();
    const labels = { grpc_type: 'unary', grpc_service: 'thanos.Store', grpc_method: 'LabelValues', grpc_code: 'Unavailable' };
    expect(await sample(failingRegistry, 'grpc_server_handled_total', labels)).toBe(1);
    expect(await sample(clientRegistry, 'grpc_client_handled_total', labels)).toBe(1);
    expect(await sample(failingRegistry, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' })).toBeUndefined();
  });

  it('counts a stream the client cancels as Canceled', async () => {
    const ac = new AbortController();
    const it = client.series(seriesRequest({ matchers: [UP] }), ac.signal)[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await it.next().catch(() => undefined);
    const labels = { grpc_type: 'server_stream', grpc_service: 'thanos.Store', grpc_method: 'Series', grpc_code: 'Canceled' };
    await expect.poll(() => sample(clientRegistry, 'grpc_client_handled_total', labels)).toBe(1);
  });
});
