// Wiring of the sidecar from its options: Prometheus client and metadata, the Prometheus StoreAPI, the shipper and
// the reloader. Loaded only when the mode runs, so `--help` does not pay for it.
import type { Runtime } from '../runtime/runtime.js';
import type { Actor } from '../runtime/run-group.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import { Shipper, createShipperMetrics, oldestLocalBlockTime, runShipperLoop } from '../shipper/shipper.js';
import { PrometheusClient } from '../store/prometheus/client.js';
import { PrometheusMetadata, prometheusUpGauge } from '../store/prometheus/metadata.js';
import { PrometheusStore } from '../store/prometheus/prometheus-store.js';
import { PrometheusApis } from '../store/prometheus/prometheus-apis.js';
import { advertisedApis, componentApiGrpcServices } from '../store/apis/grpc.js';
import { validateBlockDurations } from '../store/prometheus/validate.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { withSeriesLimits } from '../store/limited-store.js';
import { Reloader } from '../reloader/reloader.js';
import { createReloaderMetrics } from '../reloader/metrics.js';
import { httpReloadTrigger, signalReloadTrigger } from '../reloader/trigger.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { HttpClient } from '../runtime/http-client.js';
import type { ModeParts } from './serve.js';
import type { SidecarOptions } from './sidecar.js';

const SHIPPER_INTERVAL_MS = 30_000;

/** Builds the sidecar's parts; the HTTP server and gRPC server around them come from serveMode. */
export async function buildSidecar(rt: Runtime, o: SidecarOptions): Promise<ModeParts> {
  const http = new HttpClient(o.prometheusHttp);
  const client = new PrometheusClient(o.prometheusUrl, { http });
  const metadata = new PrometheusMetadata(client, {
    logger: rt.logger,
    readyTimeoutMs: o.readyTimeoutMs,
    configIntervalMs: o.configIntervalMs,
    configTimeoutMs: o.configTimeoutMs,
    limitMinTime: o.minTime,
    oldestBlockTime: () => oldestLocalBlockTime(o.tsdbPath),
    onReady: () => rt.prober.ready(),
    onNotReady: (reason) => rt.prober.notReady(reason),
    onHeartbeat: prometheusUpGauge(rt.registry),
  });
  const store = new PrometheusStore(client, {
    externalLabels: () => metadata.externalLabels,
    minTime: () => metadata.minTime,
    logger: rt.logger,
  });
  const actors: Actor[] = [{ name: 'prometheus-metadata', run: (signal) => metadata.run(signal) }];

  const r = o.reloader;
  if (r.configFile !== undefined || r.ruleDirs.length > 0) {
    const reloader = new Reloader({
      configFile: r.configFile,
      configEnvsubstFile: r.configEnvsubstFile,
      ruleDirs: r.ruleDirs,
      watchIntervalMs: r.watchIntervalMs,
      retryIntervalMs: r.retryIntervalMs,
      trigger: r.method === 'http' ? httpReloadTrigger(o.prometheusUrl, http) : signalReloadTrigger(r.processName),
      logger: rt.logger.with({ component: 'reloader' }),
      metrics: createReloaderMetrics(rt.registry, 'thanos_sidecar_'),
      now: rt.now,
    });
    actors.push({ name: 'reloader', run: (signal) => reloader.run(signal) });
  }

  if (o.objstore !== undefined) {
    const config = parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger);
    const bucket = await createBucket(config, { logger: rt.logger, metrics: rt.registry, tracing: rt.tracing });
    const logger = rt.logger.with({ component: 'shipper' });
    const shipper = new Shipper(bucket, o.tsdbPath, {
      logger,
      labels: () => metadata.externalLabels ?? [],
      source: 'sidecar',
      uploadCompacted: o.uploadCompacted,
      metaFileName: o.shipperMetaFileName,
      metrics: createShipperMetrics(rt.registry),
    });
    let validated = false;
    actors.push({
      name: 'shipper',
      run: (signal) => runShipperLoop(shipper, signal, {
        intervalMs: SHIPPER_INTERVAL_MS,
        // Blocks carry the external labels, so nothing ships before they are known; and, as upstream, nothing ships
        // while Prometheus compacts its own blocks (a ConfigError here stops the sidecar).
        ready: async (sig) => {
          if (metadata.externalLabels === undefined) return false;
          if (validated) return true;
          try {
            validateBlockDurations(await client.flags(sig), logger);
            validated = true;
          } catch (err) {
            if (err instanceof ConfigError) throw err;
            logger.warn('get prometheus flags, retrying', { err: errorMessage(err) });
          }
          return validated;
        },
      }),
      stop: () => bucket.close(),
    });
  } else {
    rt.logger.info('no supported bucket was configured, uploads will be disabled');
  }

  // Rules, Targets, Metadata and Exemplars from the same Prometheus, advertised in Info as upstream's sidecar does.
  const promApis = new PrometheusApis(client, { externalLabels: () => metadata.externalLabels });
  const apis = { rules: promApis, targets: promApis, metadata: promApis, exemplars: promApis };
  const grpcServices = [
    ...storeGrpcServices(withSeriesLimits(store, o.seriesLimits), { logger: rt.logger, extraApis: advertisedApis(apis) }),
    ...componentApiGrpcServices(apis, { logger: rt.logger }),
  ];
  return { grpcServices, actors, store, apis: promApis };
}
