// Wiring of receive from its options: the Receiver (remote-write listener, per-tenant TSDBs, writer), its StoreAPI
// on gRPC, readiness once every tenant's WAL is replayed, and the maintenance loop (head compaction, shipping,
// retention). Loaded only when the mode runs.
import type { Runtime } from '../runtime/runtime.js';
import type { Actor } from '../runtime/run-group.js';
import { untilAborted } from '../runtime/run-group.js';
import { errorMessage } from '../runtime/errors.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { Bucket } from '../objstore/bucket.js';
import { createShipperMetrics } from '../shipper/shipper.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { LimitedStore } from '../store/limited-store.js';
import type { StoreAPI } from '../store/store-api.js';
import { labelsFromRecord } from '../tsdb/labels/labels.js';
import { readAuthConfig } from '../receive/auth.js';
import { createLimitsMetrics } from '../receive/limits.js';
import { Receiver } from '../receive/receiver.js';
import type { ModeParts } from './serve.js';
import type { ReceiveOptions } from './receive.js';

export async function buildReceive(rt: Runtime, o: ReceiveOptions): Promise<ModeParts> {
  const auth = o.authFile !== undefined ? readAuthConfig(o.authFile) : undefined;
  let bucket: Bucket | undefined;
  if (o.objstore !== undefined) {
    bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger), { logger: rt.logger, metrics: rt.registry, tracing: rt.tracing });
  } else {
    rt.logger.info('no supported bucket was configured, uploads will be disabled');
  }
  const receiver = new Receiver({
    tsdbPath: o.tsdbPath,
    externalLabels: labelsFromRecord(o.externalLabels),
    tenantHeader: o.tenantHeader,
    defaultTenant: o.defaultTenant,
    tenantLabelName: o.tenantLabelName,
    replicaHeader: o.replicaHeader,
    db: { chunkRange: o.blockDurationMs, walCompression: o.walCompression },
    retentionMs: o.retentionMs,
    tooFarInFutureMs: o.tooFarInFutureMs,
    limitsFile: o.limitsFile,
    limitsContent: o.limitsContent,
    auth,
    bucket,
    shipperMetrics: bucket ? createShipperMetrics(rt.registry) : undefined,
    limitsMetrics: createLimitsMetrics(rt.registry),
    logger: rt.logger,
    registry: rt.registry,
    now: rt.now,
    tls: o.tls,
  });
  rt.prober.notReady('replaying the tenants\' WALs');
  await receiver.listen(o.remoteWriteAddress);
  const { series, samples } = o.storeLimits;
  const store: StoreAPI = series > 0 || samples > 0 ? new LimitedStore(receiver.store, { series, samples }) : receiver.store;
  const actors: Actor[] = [];
  // The bucket closes last (actors stop in reverse order): receive ships its last blocks when it stops.
  if (bucket) {
    const b = bucket;
    actors.push({ name: 'bucket', run: (signal) => untilAborted(signal), stop: () => b.close() });
  }
  actors.push(
    {
      name: 'receive',
      run: async (signal) => {
        await receiver.start();
        rt.prober.ready();
        // Ship what is already there (blocks cut before a restart), then keep maintaining.
        await receiver.maintain(signal).catch((err: unknown) => rt.logger.error('receive maintenance failed', { err: errorMessage(err) }));
        await Promise.all([receiver.runMaintenance(signal), untilAborted(signal)]);
      },
      stop: () => receiver.close(),
    },
  );
  if (o.limitsFile !== undefined) actors.push({ name: 'limits-reloader', run: (signal) => receiver.limits.run(signal) });
  return { grpcServices: storeGrpcServices(store, { logger: rt.logger }), actors, store };
}
