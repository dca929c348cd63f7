// Wire compatibility: our codecs (built on proto/) against an independent schema written from upstream's field
// numbers (support/upstream-schema.ts). Every field of SeriesRequest and SeriesResponse is set and compared, in
// both directions; the same over a gRPC loopback where one side speaks only the upstream schema.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, Metadata, Server, ServerCredentials, type ServerWritableStream } from '@grpc/grpc-js';
import {
  decodeSeriesRequest, decodeSeriesResponse, encodeLabelValuesRequest, encodeSeriesRequest, encodeSeriesResponse,
} from '../../src/store/codec.js';
import { decodeInfoResponse, encodeInfoResponse, encodeLegacyInfoResponse, infoResponseFor } from '../../src/store/info.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { labelValuesRequest, type SeriesRequest, type SeriesResponse, type StoreInfo } from '../../src/store/store-api.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { upstreamDecode, upstreamEncode, upstreamRoot } from './support/upstream-schema.js';
import { MemoryStore, series } from './support/memory-store.js';

const up = upstreamRoot();
const bytes = (s: string): number[] => Array.from(Buffer.from(s));

const fullRequest: SeriesRequest = {
  minTime: -5, maxTime: 1_700_000_000_000,
  matchers: [new Matcher('=', 'a', '1'), new Matcher('!=', 'b', '2'), new Matcher('=~', 'c', 'x.*'), new Matcher('!~', 'd', 'y|z')],
  maxResolutionWindow: 300_000,
  aggregates: ['COUNT', 'SUM', 'RAW', 'MIN', 'MAX', 'COUNTER'],
  partialResponseDisabled: true,
  partialResponseStrategy: 'ABORT',
  skipChunks: true,
  hints: { typeUrl: 'type.googleapis.com/hintspb.SeriesRequestHints', value: Buffer.from([10, 2, 8, 1]) },
  step: 15_000, range: 60_000,
  queryHints: { stepMillis: 30_000, func: { name: 'rate' }, grouping: { by: true, labels: ['job'] }, range: { millis: 300_000 }, projectionLabels: ['p'], projectionInclude: true },
  shardInfo: { shardIndex: 1, totalShards: 3, by: true, labels: ['instance'] },
  withoutReplicaLabels: ['replica', 'prometheus_replica'],
  limit: 1000,
  responseBatchSize: 64,
};

const upstreamRequest = {
  min_time: '-5', max_time: '1700000000000',
  matchers: [{ name: 'a', value: '1' }, { type: 'NEQ', name: 'b', value: '2' }, { type: 'RE', name: 'c', value: 'x.*' }, { type: 'NRE', name: 'd', value: 'y|z' }],
  max_resolution_window: '300000',
  aggregates: ['COUNT', 'SUM', 'RAW', 'MIN', 'MAX', 'COUNTER'],
  partial_response_disabled: true,
  partial_response_strategy: 'ABORT',
  skip_chunks: true,
  hints: { type_url: 'type.googleapis.com/hintspb.SeriesRequestHints', value: [10, 2, 8, 1] },
  step: '15000', range: '60000',
  query_hints: { step_millis: '30000', func: { name: 'rate' }, grouping: { by: true, labels: ['job'] }, range: { millis: '300000' }, projection_labels: ['p'], projection_include: true },
  shard_info: { shard_index: '1', total_shards: '3', by: true, labels: ['instance'] },
  without_replica_labels: ['replica', 'prometheus_replica'],
  limit: '1000',
  response_batch_size: '64',
};

const chunk = (s: string, encoding: 'XOR' | 'HISTOGRAM' | 'FLOAT_HISTOGRAM' = 'XOR') => ({ encoding, data: Buffer.from(s) });
const fullSeries: SeriesResponse = {
  type: 'series',
  series: {
    labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }],
    chunks: [
      { minTime: 0, maxTime: 119_000, raw: { ...chunk('raw'), hash: 0xdeadbeefcafebaben } },
      {
        minTime: 120_000, maxTime: 2 ** 40, count: chunk('cnt'), sum: chunk('sum'), min: chunk('min', 'HISTOGRAM'),
        max: chunk('max', 'FLOAT_HISTOGRAM'), counter: chunk('ctr'),
      },
    ],
  },
};
const upstreamSeries = {
  series: {
    labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'x' }],
    chunks: [
      { max_time: '119000', raw: { data: bytes('raw'), hash: String(0xdeadbeefcafebaben) } },
      {
        min_time: '120000', max_time: String(2 ** 40), count: { data: bytes('cnt') }, sum: { data: bytes('sum') },
        min: { type: 'HISTOGRAM', data: bytes('min') }, max: { type: 'FLOAT_HISTOGRAM', data: bytes('max') }, counter: { data: bytes('ctr') },
      },
    ],
  },
  result: 'series',
};

/** Our decoded values with byte views turned into arrays, for deep comparison. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => {
    if (typeof x === 'bigint') return `bigint:${x}`;
    if (x && typeof x === 'object' && (x as { type?: unknown }).type === 'Buffer') return (x as { data: number[] }).data;
    if (x instanceof Uint8Array) return Array.from(x);
    if (x instanceof Matcher) return { type: x.type, name: x.name, value: x.value };
    return x;
  }));
}

describe('StoreAPI wire format against upstream field numbers', () => {
  it('encodes SeriesRequest with every field where upstream expects it', () => {
    expect(upstreamDecode(up, 'thanos.SeriesRequest', encodeSeriesRequest(fullRequest))).toEqual(upstreamRequest);
  });

  it('decodes an upstream-encoded SeriesRequest into every typed field', () => {
    expect(plain(decodeSeriesRequest(upstreamEncode(up, 'thanos.SeriesRequest', upstreamRequest)))).toEqual(plain(fullRequest));
  });

  it('encodes SeriesResponse series frames (raw and aggregate chunks, XOR numbered 0) as upstream', () => {
    expect(upstreamDecode(up, 'thanos.SeriesResponse', encodeSeriesResponse(fullSeries))).toEqual(upstreamSeries);
  });

  it('decodes upstream SeriesResponse frames, including warnings, hints and batches', () => {
    expect(plain(decodeSeriesResponse(upstreamEncode(up, 'thanos.SeriesResponse', upstreamSeries)))).toEqual(plain(fullSeries));
    expect(decodeSeriesResponse(upstreamEncode(up, 'thanos.SeriesResponse', { warning: 'store x down' }))).toEqual({ type: 'warning', warning: 'store x down' });
    expect(plain(decodeSeriesResponse(upstreamEncode(up, 'thanos.SeriesResponse', { hints: { type_url: 'type.googleapis.com/hintspb.SeriesResponseHints', value: [1] } }))))
      .toEqual({ type: 'hints', hints: { typeUrl: 'type.googleapis.com/hintspb.SeriesResponseHints', value: [1] } });
    expect(upstreamDecode(up, 'thanos.SeriesResponse', encodeSeriesResponse({ type: 'warning', warning: 'w' }))).toEqual({ warning: 'w', result: 'warning' });
    const batch = decodeSeriesResponse(upstreamEncode(up, 'thanos.SeriesResponse', { batch: { series: [upstreamSeries.series, { labels: [{ name: 'a', value: 'b' }] }] } }));
    expect(batch.type === 'batch' && batch.series.length).toBe(2);
  });

  it('clamps upstream MinInt64/MaxInt64 time bounds to safe integers that re-encode without wrapping', () => {
    const req = decodeSeriesRequest(upstreamEncode(up, 'thanos.SeriesRequest', { min_time: '-9223372036854775808', max_time: '9223372036854775807' }));
    expect([req.minTime, req.maxTime]).toEqual([Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
    const again = upstreamDecode(up, 'thanos.SeriesRequest', encodeSeriesRequest(req));
    expect(again).toMatchObject({ min_time: String(Number.MIN_SAFE_INTEGER), max_time: String(Number.MAX_SAFE_INTEGER) });
  });

  it('encodes LabelValuesRequest and both Info responses as upstream', () => {
    expect(upstreamDecode(up, 'thanos.LabelValuesRequest', encodeLabelValuesRequest(labelValuesRequest('job', { start: 1, end: 2, matchers: [new Matcher('=~', 'a', 'b')], limit: 5, partialResponseStrategy: 'ABORT' }))))
      .toEqual({ label: 'job', partial_response_strategy: 'ABORT', start: '1', end: '2', matchers: [{ type: 'RE', name: 'a', value: 'b' }], limit: '5' });
    const info: StoreInfo = {
      componentType: 'sidecar', labelSets: [[{ name: 'replica', value: 'a' }]], minTime: 10, maxTime: 20,
      supportsSharding: true, supportsWithoutReplicaLabels: true, tsdbInfos: [{ labels: [{ name: 'replica', value: 'a' }], minTime: 10, maxTime: 20 }],
    };
    const wire = encodeInfoResponse(infoResponseFor(info, { rules: true, exemplars: { minTime: 1, maxTime: 2 } }));
    expect(upstreamDecode(up, 'thanos.info.InfoResponse', wire)).toEqual({
      label_sets: [{ labels: [{ name: 'replica', value: 'a' }] }], ComponentType: 'sidecar',
      store: { min_time: '10', max_time: '20', supports_sharding: true, supports_without_replica_labels: true, tsdb_infos: [{ labels: { labels: [{ name: 'replica', value: 'a' }] }, min_time: '10', max_time: '20' }] },
      rules: {}, exemplars: { min_time: '1', max_time: '2' },
    });
    expect(decodeInfoResponse(wire).store?.tsdbInfos).toEqual(info.tsdbInfos);
    expect(upstreamDecode(up, 'thanos.InfoResponse', encodeLegacyInfoResponse(info))).toEqual({
      labels: [{ name: 'replica', value: 'a' }], min_time: '10', max_time: '20', storeType: 'SIDECAR', label_sets: [{ labels: [{ name: 'replica', value: 'a' }] }],
    });
  });
});

describe('StoreAPI over loopback against an upstream-schema peer', () => {
  let upstreamServer: Server;
  let upstreamPort = 0;
  const received: Record<string, unknown>[] = [];
  let ours: RunningGrpcServer;

  beforeAll(async () => {
    // A server that knows only the upstream schema, as an upstream sidecar would.
    upstreamServer = new Server();
    upstreamServer.addService({
      Series: {
        path: '/thanos.Store/Series', requestStream: false, responseStream: true,
        requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
      },
    }, {
      Series: (call: ServerWritableStream<Buffer, Buffer>) => {
        received.push(upstreamDecode(up, 'thanos.SeriesRequest', call.request));
        call.write(Buffer.from(upstreamEncode(up, 'thanos.SeriesResponse', upstreamSeries)));
        call.write(Buffer.from(upstreamEncode(up, 'thanos.SeriesResponse', { warning: 'partial' })));
        call.end();
      },
    });
    upstreamPort = await new Promise<number>((res, rej) => upstreamServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))));
    ours = await startGrpcServer(storeGrpcServices(new MemoryStore([series({ __name__: 'up', job: 'x' }, [0, 10])], [{ name: 'ext', value: '1' }])), { address: '127.0.0.1:0' });
  });
  afterAll(async () => {
    upstreamServer.forceShutdown();
    await ours.stop(1000);
  });

  it('our client sends upstream-exact SeriesRequest bytes and reads upstream frames', async () => {
    const client = new GrpcStoreClient(`127.0.0.1:${upstreamPort}`);
    const frames: SeriesResponse[] = [];
    for await (const f of client.series(fullRequest)) frames.push(f);
    client.close();
    expect(received).toEqual([upstreamRequest]);
    expect(plain(frames)).toEqual(plain([fullSeries, { type: 'warning', warning: 'partial' }]));
  });

  it('our server answers an upstream-schema client', async () => {
    const client = new Client(`127.0.0.1:${ours.port}`, credentials.createInsecure());
    const call = client.makeServerStreamRequest('/thanos.Store/Series', (b: Buffer) => b, (b: Buffer) => b,
      Buffer.from(upstreamEncode(up, 'thanos.SeriesRequest', { matchers: [{ type: 'EQ', name: 'job', value: 'x' }], max_time: '9223372036854775807' })), new Metadata());
    const got: Record<string, unknown>[] = [];
    for await (const b of call as AsyncIterable<Buffer>) got.push(upstreamDecode(up, 'thanos.SeriesResponse', b));
    client.close();
    expect(got).toEqual([{
      result: 'series',
      series: {
        labels: [{ name: '__name__', value: 'up' }, { name: 'ext', value: '1' }, { name: 'job', value: 'x' }],
        chunks: [{ max_time: '10', raw: { data: bytes('{"__name__":"up","job":"x"}@0-10') } }],
      },
    }]);
  });
});
