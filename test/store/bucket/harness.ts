// Starts a BucketStore over a bucket behind a real gRPC server on 127.0.0.1 and returns a gRPC client to it.
import { Registry } from 'prom-client';
import type { MetaFilter } from '../../../src/block/fetcher.js';
import { MetaFetcher } from '../../../src/block/fetcher.js';
import type { Bucket } from '../../../src/objstore/bucket.js';
import { InstrumentedBucket } from '../../../src/objstore/instrumented.js';
import { startGrpcServer, type RunningGrpcServer } from '../../../src/runtime/grpc-server.js';
import { nopLogger } from '../../../src/runtime/logger.js';
import { BucketStore, type BucketStoreOptions } from '../../../src/store/bucket/bucket-store.js';
import { GrpcStoreClient } from '../../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../../src/store/grpc-server.js';
import type { SeriesRequest, Series } from '../../../src/store/store-api.js';
import type { StoreAPI } from '../../../src/store/store-api.js';

export interface Gateway {
  readonly store: BucketStore;
  readonly client: GrpcStoreClient;
  readonly registry: Registry;
  readonly server: RunningGrpcServer;
  /** Value of thanos_objstore_bucket_operations_total for an operation. */
  ops(operation: string): Promise<number>;
  stop(): Promise<void>;
}

export async function startGateway(bucket: Bucket, opts: Partial<BucketStoreOptions> & { dataDir: string; filters?: MetaFilter[] }): Promise<Gateway> {
  const registry = new Registry();
  const ib = new InstrumentedBucket(bucket, registry);
  const fetcher = new MetaFetcher(ib, { filters: opts.filters ?? [], registry });
  const store = new BucketStore(ib, fetcher, { logger: nopLogger, registry, ...opts });
  await store.sync();
  const server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0', logger: nopLogger });
  const client = new GrpcStoreClient(server.address);
  return {
    store, client, registry, server,
    async ops(operation) {
      const m = await registry.getSingleMetric('thanos_objstore_bucket_operations_total')?.get();
      return m?.values.find((v) => v.labels['operation'] === operation)?.value ?? 0;
    },
    async stop() {
      client.close();
      await server.stop(0);
      await store.close();
    },
  };
}

/** Every series frame of a Series call, in order. */
export async function collectSeries(store: StoreAPI, req: SeriesRequest): Promise<{ series: Series[]; warnings: string[] }> {
  const series: Series[] = [];
  const warnings: string[] = [];
  for await (const f of store.series(req)) {
    if (f.type === 'series') series.push(f.series);
    else if (f.type === 'warning') warnings.push(f.warning);
  }
  return { series, warnings };
}
