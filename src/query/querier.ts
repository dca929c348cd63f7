// Assembles the query mode from typed options: endpoint discovery (static, DNS, file SD) feeding the endpoint set,
// the HTTP API over the proxy, the StoreAPI and the Rules/Targets/Metadata/Exemplars APIs served on gRPC (so
// queriers stack), and the actors that keep it fresh.

import type { FastifyInstance } from 'fastify';
import type { GrpcService } from '../runtime/grpc-server.js';
import type { ClientTlsOptions } from '../runtime/grpc-tls.js';
import { pause } from '../runtime/async.js';
import { errorMessage } from '../runtime/errors.js';
import { grpcClientMetrics } from '../runtime/grpc-metrics.js';
import type { Actor } from '../runtime/run-group.js';
import type { Runtime } from '../runtime/runtime.js';
import { advertisedApis, componentApiGrpcServices } from '../store/apis/grpc.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { ProxyStore, type StoreTarget } from '../store/proxy.js';
import { ComponentApi } from './api/component-api.js';
import { QueryApi } from './api/query-api.js';
import { registerApiNotFound, registerStatusApi } from './api/status-api.js';
import type { DedupAlgorithm } from './dedup.js';
import { DnsProvider, dnsMetrics, type DnsResolver, type EndpointSpec } from './dns-discovery.js';
import { EndpointSet, type ApiEndpoint, type ComponentApiName } from './endpoint-set.js';
import { ProxyApis } from './fanout/proxy-apis.js';
import { FileSd } from './file-sd.js';
import { normalizeWebPrefix } from './ui/web-ui.js';

export interface QuerierOptions {
  /** --endpoint and --store values, parsed. */
  readonly endpoints: readonly EndpointSpec[];
  /** --endpoint-strict. */
  readonly strictEndpoints: readonly string[];
  /** --store.sd-files. */
  readonly sdFiles: readonly string[];
  readonly sdIntervalMs: number;
  readonly dnsIntervalMs: number;
  /** How often Info is polled on every endpoint (upstream refreshes every 5s). */
  readonly endpointUpdateIntervalMs?: number;
  readonly unhealthyTimeoutMs: number;
  readonly clientTls?: ClientTlsOptions;
  readonly replicaLabels: readonly string[];
  readonly algorithm: DedupAlgorithm;
  readonly partialResponse: boolean;
  readonly timeoutMs: number;
  readonly maxConcurrent: number;
  readonly maxConcurrentSelect: number;
  readonly lookbackDeltaMs: number | undefined;
  readonly defaultEvaluationIntervalMs: number;
  readonly defaultStepMs: number;
  readonly autoDownsampling: boolean;
  readonly metadataDefaultRangeMs: number;
  readonly routePrefix: string;
  /** /api/v1/status/flags. */
  readonly flags: Readonly<Record<string, string>>;
  readonly resolver?: DnsResolver;
  /** Stores wired in-process (standalone), queried alongside the discovered endpoints. */
  readonly localTargets?: () => readonly StoreTarget[];
  /** Rules, Targets, Metadata and Exemplars of in-process components (standalone's sidecar). */
  readonly localApis?: () => readonly ApiEndpoint[];
}

export interface QuerierParts {
  readonly grpcServices: readonly GrpcService[];
  readonly actors: readonly Actor[];
}

/** Registers the API routes on `http` and returns the gRPC services and actors of the query mode. */
export function buildQuerier(rt: Runtime, http: FastifyInstance, opts: QuerierOptions): QuerierParts {
  const logger = rt.logger;
  const dns = new DnsProvider(opts.resolver, logger, dnsMetrics(rt.registry, 'thanos_query_store_apis_'));
  let dnsAddresses: readonly string[] = opts.endpoints.flatMap((e) => (e.kind === 'static' ? [e.address] : []));
  let fileAddresses: readonly string[] = [];
  const endpoints = new EndpointSet({
    addresses: () => [...new Set([...dnsAddresses, ...fileAddresses])],
    strict: opts.strictEndpoints,
    clientOptions: { ...(opts.clientTls ? { tls: opts.clientTls } : {}), interceptors: [grpcClientMetrics(rt.registry)] },
    unhealthyTimeoutMs: opts.unhealthyTimeoutMs,
    logger,
    registry: rt.registry,
    now: rt.now,
  });
  const fileSd = opts.sdFiles.length > 0
    ? new FileSd({
      files: opts.sdFiles, refreshIntervalMs: opts.sdIntervalMs, logger,
      onChange: (a) => {
        fileAddresses = a;
        endpoints.update().catch((err: unknown) => logger.error('endpoint update failed', { err: errorMessage(err) }));
      },
    })
    : undefined;

  const targets = (): StoreTarget[] => [...endpoints.targets(), ...(opts.localTargets?.() ?? [])];
  new QueryApi({
    targets,
    engineOptions: {
      timeoutMs: opts.timeoutMs,
      defaultSubqueryStepMs: opts.defaultEvaluationIntervalMs,
      ...(opts.lookbackDeltaMs !== undefined ? { lookbackDeltaMs: opts.lookbackDeltaMs } : {}),
    },
    replicaLabels: opts.replicaLabels,
    algorithm: opts.algorithm,
    partialResponse: opts.partialResponse,
    maxConcurrent: opts.maxConcurrent,
    prestartWorkers: true,
    maxConcurrentSelect: opts.maxConcurrentSelect,
    defaultStepMs: opts.defaultStepMs,
    autoDownsampling: opts.autoDownsampling,
    metadataDefaultRangeMs: opts.metadataDefaultRangeMs,
    flags: opts.flags,
    endpointStatuses: () => endpoints.statuses(),
    logger,
    registry: rt.registry,
    now: rt.now,
  }).register(http, opts.routePrefix);
  const apiBase = normalizeWebPrefix(opts.routePrefix) + '/api/v1';
  const apiEndpoints = (api: ComponentApiName): ApiEndpoint[] => [...endpoints.apiEndpoints(api), ...(opts.localApis?.() ?? [])];
  new ComponentApi({
    endpoints: apiEndpoints, replicaLabels: opts.replicaLabels, partialResponse: opts.partialResponse, logger,
  }).register(http, apiBase);
  registerStatusApi(http, apiBase, { startTime: new Date(rt.now()), logger });
  registerApiNotFound(http, apiBase);

  const proxy = new ProxyStore(targets, { logger, componentType: 'query', maxConcurrency: 0 });
  const discovery: Actor = {
    name: 'endpoint-discovery',
    run: async (signal) => {
      await fileSd?.start();
      let nextDns = 0;
      const interval = opts.endpointUpdateIntervalMs ?? 5000;
      while (!signal.aborted) {
        if (rt.now() >= nextDns) {
          dnsAddresses = await dns.resolve(opts.endpoints);
          nextDns = rt.now() + opts.dnsIntervalMs;
        }
        await endpoints.update();
        rt.prober.ready();
        await pause(interval, signal);
      }
    },
    stop: async () => {
      fileSd?.stop();
      endpoints.close();
    },
  };
  // As upstream's querier: its endpoints' Rules, Targets, Metadata and Exemplars, relayed (so queriers stack).
  const proxyApis = new ProxyApis(apiEndpoints);
  const apis = { rules: proxyApis, targets: proxyApis, metadata: proxyApis, exemplars: proxyApis };
  const grpcServices = [
    ...storeGrpcServices(proxy, { logger, extraApis: { query: false, ...advertisedApis(apis) } }),
    ...componentApiGrpcServices(apis, { logger }),
  ];
  return { grpcServices, actors: [discovery] };
}
