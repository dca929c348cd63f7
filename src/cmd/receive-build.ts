// Wiring of receive from its options: the Receiver (remote-write listener, per-tenant TSDBs, writer; the hashring
// and its file watcher when routing), its StoreAPI and thanos.WriteableStore on gRPC, readiness once every tenant's
// WAL is replayed, and the maintenance loop (head compaction, shipping, retention). Loaded only when the mode runs.
import type { Runtime } from '../runtime/runtime.js';
import type { Actor } from '../runtime/run-group.js';
import { untilAborted } from '../runtime/run-group.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { Bucket } from '../objstore/bucket.js';
import { createShipperMetrics } from '../shipper/shipper.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { withSeriesLimits } from '../store/limited-store.js';
import type { StoreAPI } from '../store/store-api.js';
import { labelsFromRecord } from '../tsdb/labels/labels.js';
import { readAuthConfig } from '../receive/auth.js';
import { createLimitsMetrics } from '../receive/limits.js';
import { Receiver } from '../receive/receiver.js';
import { loadHashringsConfig } from '../receive/hashring/watcher.js';
import type { ModeParts } from './serve.js';
import type { ReceiveOptions } from './receive.js';

export async function buildReceive(rt: Runtime, o: ReceiveOptions): Promise<ModeParts> {
  const r = o.routing;
  // An unusable hashrings file or content at startup is fatal (as upstream); later bad edits keep the ring in use.
  const ring = r ? loadHashringsConfig({
    file: r.hashringsFile, content: r.hashringsContent, refreshIntervalMs: r.refreshMs, algorithm: r.algorithm,
    replicationFactor: r.replicationFactor, logger: rt.logger, registry: rt.registry,
  }) : undefined;
  if (r && !ring) throw new ConfigError('the hashrings configuration is empty', { where: r.hashringsFile !== undefined ? '--receive.hashrings-file' : '--receive.hashrings' });
  if (r && ring) {
    const mode = r.localEndpoint === undefined ? 'RouterOnly' : 'RouterIngestor';
    if (r.localEndpoint !== undefined && !ring.current().nodes().some((n) => n.address === r.localEndpoint)) {
      rt.logger.warn('--receive.local-endpoint is in no hashring: this node stores only what peers forward to it', { localEndpoint: r.localEndpoint });
    }
    rt.logger.info('receive routes through a hashring', { mode, replicationFactor: r.replicationFactor, nodes: ring.current().nodes().length });
  }
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
    decodeThreads: o.decodeThreads,
    maxInflightRequestBytes: o.maxInflightRequestBytes,
    routing: r && ring ? {
      hashring: () => ring.current(), localEndpoint: r.localEndpoint, replicationFactor: r.replicationFactor, timeoutMs: r.timeoutMs,
      peers: { workers: r.workers, maxBackoffMs: r.maxBackoffMs, maxInflightBytes: r.maxInflightBytes, tls: r.tls },
    } : undefined,
  });
  // A new ring is used from the next request on: no node turns unready, no head is flushed (upstream's hashmod
  // flush cycle, #3141, is not needed: series that move simply start on their new nodes, and queries merge).
  ring?.onChange((next) => receiver.peers?.retain(new Set(next.nodes().map((n) => n.address))));
  rt.prober.notReady('replaying the tenants\' WALs');
  await receiver.listen(o.remoteWriteAddress);
  const local = receiver.store;
  const store: StoreAPI | undefined = local && withSeriesLimits(local, o.storeLimits);
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
  if (ring) actors.push({ name: 'hashrings-watcher', run: (signal) => ring.run(signal) });
  if (o.limitsFile !== undefined) actors.push({ name: 'limits-reloader', run: (signal) => receiver.limits.run(signal) });
  const grpcServices = [...(store ? storeGrpcServices(store, { logger: rt.logger }) : []), receiver.writeableStore()];
  return { grpcServices, actors, ...(store ? { store } : {}) };
}
