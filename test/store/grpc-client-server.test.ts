// GrpcStoreClient against the StoreAPI gRPC server over loopback: Info (both services), Series, LabelNames and
// LabelValues round-trip exactly, errors arrive as typed errors with the right status, and backpressure holds.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status as Status } from '@grpc/grpc-js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { InvalidArgumentError, LimitError, UnavailableError } from '../../src/runtime/errors.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { ProxyStore } from '../../src/store/proxy.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest, type SeriesResponse, type StoreAPI } from '../../src/store/store-api.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { MemoryStore, series } from './support/memory-store.js';

const data = [
  series({ __name__: 'up', job: 'a', instance: '1' }, [0, 999], [1000, 1999]),
  series({ __name__: 'up', job: 'b', instance: '2' }, [0, 999]),
  series({ __name__: 'down', job: 'a' }, [500, 1500]),
];
const ext = [{ name: 'region', value: 'eu' }, { name: 'replica', value: 'r0' }];

async function collect(it: AsyncIterable<SeriesResponse>): Promise<SeriesResponse[]> {
  const out: SeriesResponse[] = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('GrpcStoreClient with the StoreAPI gRPC server', () => {
  const local = new MemoryStore(data, ext);
  let server: RunningGrpcServer;
  let client: GrpcStoreClient;

  beforeAll(async () => {
    server = await startGrpcServer(storeGrpcServices(local, { extraApis: { rules: true } }), { address: '127.0.0.1:0' });
    client = new GrpcStoreClient(`127.0.0.1:${server.port}`, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    client.close();
    await server.stop(1000);
  });

  it('returns Info from thanos.info.Info with the store and extra APIs', async () => {
    const r = await client.infoResponse();
    expect(r.componentType).toBe('store');
    expect(r.labelSets).toEqual([ext]);
    expect(r.store).toEqual({ minTime: 0, maxTime: 1999, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] });
    expect(r.rules).toBe(true);
    expect(r.query).toBe(false);
    expect(await client.info()).toEqual(await local.info());
  });

  it('falls back to the legacy Store.Info against servers without thanos.info.Info (before v0.37)', async () => {
    const legacyOnly = storeGrpcServices(local).filter((svc) => 'Series' in svc.definition);
    const s = await startGrpcServer(legacyOnly, { address: '127.0.0.1:0' });
    const c = new GrpcStoreClient(`127.0.0.1:${s.port}`);
    try {
      const info = await c.info();
      expect(info).toMatchObject({ componentType: 'store', labelSets: [ext], minTime: 0, maxTime: 1999 });
    } finally {
      c.close();
      await s.stop(1000);
    }
  });

  it('streams exactly what the local store returns for Series', async () => {
    const reqs = [
      seriesRequest({ matchers: [new Matcher('=', '__name__', 'up')] }),
      seriesRequest({ matchers: [new Matcher('=~', 'job', 'a|b')], minTime: 1000, maxTime: 1200 }),
      seriesRequest({ matchers: [new Matcher('!=', 'job', '')], skipChunks: true, withoutReplicaLabels: ['replica'] }),
      seriesRequest({ matchers: [new Matcher('=', 'instance', '')] }),
    ];
    for (const req of reqs) {
      const remote = await collect(client.series(req));
      expect(remote.length).toBeGreaterThan(0);
      expect(remote.map(plain)).toEqual((await collect(local.series(req))).map(plain));
    }
  });

  it('answers LabelNames and LabelValues', async () => {
    expect((await client.labelNames(labelNamesRequest({ matchers: [new Matcher('=', 'job', 'b')] }))).names)
      .toEqual(['__name__', 'instance', 'job', 'region', 'replica']);
    expect((await client.labelValues(labelValuesRequest('job'))).values).toEqual(['a', 'b']);
    expect((await client.labelValues(labelValuesRequest('__name__', { matchers: [new Matcher('=', 'job', 'a')] }))).values).toEqual(['down', 'up']);
  });

  it('maps store errors to gRPC codes and back to typed errors', async () => {
    const failing: StoreAPI = {
      info: () => local.info(),
      series: async function* () { yield* []; throw new LimitError('exceeded series limit of 1', 'series', 1); },
      labelNames: async () => { throw new InvalidArgumentError('bad request'); },
      labelValues: async () => { throw new Error('boom'); },
    };
    const s = await startGrpcServer(storeGrpcServices(failing), { address: '127.0.0.1:0' });
    const c = new GrpcStoreClient(`127.0.0.1:${s.port}`);
    try {
      await expect(collect(c.series(seriesRequest({ matchers: [] })))).rejects.toSatisfy((e: unknown) =>
        e instanceof LimitError && (e.cause as { code: Status }).code === Status.RESOURCE_EXHAUSTED && e.message.includes('exceeded series limit'));
      await expect(c.labelNames(labelNamesRequest())).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(c.labelValues(labelValuesRequest('x'))).rejects.toSatisfy((e: unknown) =>
        e instanceof UnavailableError && (e.cause as { code: Status }).code === Status.INTERNAL && e.message.includes('boom'));
    } finally {
      c.close();
      await s.stop(1000);
    }
  });

  it('answers UNAVAILABLE when a proxied store is dead (ABORT), a warning frame under WARN', async () => {
    const dead = new GrpcStoreClient('127.0.0.1:1', { timeoutMs: 2000 });
    const proxy = new ProxyStore(() => [
      { name: 'local', store: local, info: { componentType: 'store', labelSets: [], minTime: 0, maxTime: 2000, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] } },
      { name: '127.0.0.1:1', store: dead, info: { componentType: 'sidecar', labelSets: [], minTime: 0, maxTime: 2000, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] } },
    ]);
    const s = await startGrpcServer(storeGrpcServices(proxy), { address: '127.0.0.1:0' });
    const c = new GrpcStoreClient(`127.0.0.1:${s.port}`);
    try {
      await expect(collect(c.series(seriesRequest({ matchers: [], partialResponseStrategy: 'ABORT' })))).rejects.toSatisfy((e: unknown) =>
        e instanceof UnavailableError && (e.cause as { code: Status }).code === Status.UNAVAILABLE && e.message.includes('127.0.0.1:1'));
      const frames = await collect(c.series(seriesRequest({ matchers: [], partialResponseStrategy: 'WARN' })));
      expect(frames.filter((f) => f.type === 'series')).toHaveLength(3);
      expect(frames.filter((f) => f.type === 'warning')).toEqual([{ type: 'warning', warning: expect.stringMatching(/fetch series from store 127\.0\.0\.1:1: series on 127\.0\.0\.1:1: UNAVAILABLE/) }]);
    } finally {
      c.close();
      dead.close();
      await s.stop(1000);
    }
  });

  it('reports a dead store as UnavailableError', async () => {
    const c = new GrpcStoreClient('127.0.0.1:1', { timeoutMs: 2000 });
    try {
      await expect(c.info()).rejects.toBeInstanceOf(UnavailableError);
    } finally {
      c.close();
    }
  });

  it.each([
    { name: 'one series per message', batch: 1, bound: 300 },
    { name: 'batched messages', batch: 64, bound: 2000 },
  ])('does not run ahead of a slow reader (backpressure, $name) and stops the store when the reader leaves', async ({ batch, bound }) => {
    let produced = 0;
    let finished = false;
    const chunk = Buffer.alloc(64 * 1024, 7);
    const endless: StoreAPI = {
      info: () => local.info(),
      series: async function* (_req, signal) {
        try {
          for (let i = 0; ; i++) {
            if (signal?.aborted) return;
            produced++;
            yield { type: 'series', series: { labels: [{ name: 'i', value: String(i).padStart(9, '0') }], chunks: [{ minTime: 0, maxTime: 1, raw: { encoding: 'XOR', data: chunk } }] } };
          }
        } finally {
          finished = true;
        }
      },
      labelNames: () => local.labelNames(labelNamesRequest()),
      labelValues: (r) => local.labelValues(r),
    };
    const s = await startGrpcServer(storeGrpcServices(endless), { address: '127.0.0.1:0' });
    const c = new GrpcStoreClient(`127.0.0.1:${s.port}`, { responseBatchSize: batch });
    try {
      let read = 0;
      for await (const _ of c.series(seriesRequest({ matchers: [] }))) {
        if (++read === 5) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      // 64 KiB series: HTTP/2 windows plus stream buffers hold some MiB at most (batches of up to 1 MiB), never an
      // unbounded run.
      expect(produced).toBeLessThan(bound);
      await expect.poll(() => finished, { timeout: 5000 }).toBe(true);
    } finally {
      c.close();
      await s.stop(1000);
    }
  });
});

/** Buffers compare by content; the views the decoder returns are compared as plain byte arrays. */
function plain(f: SeriesResponse): unknown {
  return JSON.parse(JSON.stringify(f, (_k, v: unknown) => (v instanceof Uint8Array || (v as { type?: string })?.type === 'Buffer' ? Array.from(v instanceof Uint8Array ? v : (v as { data: number[] }).data) : v)));
}
