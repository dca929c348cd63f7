// Wiring of the query mode from typed options: endpoint discovery (static, DNS, file SD) feeding the endpoint set,
// the HTTP API over the proxy, the StoreAPI and the Rules/Targets/Metadata/Exemplars APIs served on gRPC (so
// queriers stack), and the actors that keep it fresh. Loaded only when the mode runs.

import type { FastifyInstance } from 'fastify';
import type { GrpcService } from '../runtime/grpc-server.js';
import type { ClientTlsOptions } from '../runtime/grpc-tls.js';
import { pause } from '../runtime/async.js';
import { errorMessage } from '../runtime/errors.js';
import { grpcClientMetrics } from '../runtime/grpc-metrics.js';
import { grpcClientTracing } from '../runtime/tracing/spans.js';
import type { Actor } from '../runtime/run-group.js';
import type { Runtime } from '../runtime/runtime.js';
import { advertisedApis, componentApiGrpcServices } from '../store/apis/grpc.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { LabelCache } from '../store/series-decoder.js';
import { withSeriesLimits, type SeriesLimits } from '../store/limited-store.js';
import { ProxyStore, type StoreTarget } from '../store/proxy.js';
import { ComponentApi } from '../query/api/component-api.js';
import { QueryApi } from '../query/api/query-api.js';
import { registerApiNotFound, registerStatusApi } from '../query/api/status-api.js';
import type { DedupAlgorithm } from '../query/dedup.js';
import { readFile } from 'node:fs/promises';
import { DnsProvider, dnsMetrics, type DnsResolver, type EndpointSpec } from '../query/dns-discovery.js';
import { endpointsFromFlags, groupTarget, parseEndpointConfig, type ConfiguredEndpoint } from '../query/endpoint-config.js';
import { EndpointSet, type ApiEndpoint, type ComponentApiName } from '../query/endpoint-set.js';
import { ProxyApis } from '../query/fanout/proxy-apis.js';
import { FileSd } from '../query/file-sd.js';
import { normalizeWebPrefix } from '../query/ui/web-ui.js';

export interface QuerierOptions {
  /** --endpoint and --store values, parsed. */
  readonly endpoints: readonly EndpointSpec[];
  /** --endpoint-strict. */
  readonly strictEndpoints: readonly string[];
  /** --endpoint-group / --endpoint-group-strict: DNS names whose addresses share calls round-robin. */
  readonly endpointGroups?: readonly string[];
  readonly strictEndpointGroups?: readonly string[];
  /** --endpoint.sd-config(-file): endpoints with their own TLS; a file is re-read when it changes. */
  readonly sdConfig?: { readonly content: string; readonly source: string; readonly file: string | undefined };
  /** --endpoint.sd-config-reload-interval: the longest a changed file goes unnoticed. Default 5m. */
  readonly sdConfigReloadIntervalMs?: number;
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
  /** --query.shared-selects-window/-max-bytes. */
  readonly sharedSelects: { readonly windowMs: number; readonly maxBytes: number };
  /** --store.limits.request-series/-samples: on the queries' Series calls and on the StoreAPI this querier serves. */
  readonly seriesLimits?: SeriesLimits;
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
  readonly localApis?: (api: ComponentApiName) => readonly ApiEndpoint[];
}

/** How often the --endpoint.sd-config file is compared with what was loaded (its reload interval caps this). */
const SD_CONFIG_CHECK_MS = 5_000;

export interface QuerierParts {
  readonly grpcServices: readonly GrpcService[];
  readonly actors: readonly Actor[];
  /** Instant queries evaluated in this process, as /api/v1/query would (standalone's rule groups use it). */
  readonly instantQuery: QueryApi['instantQuery'];
}

/** Registers the API routes on `http` and returns the gRPC services and actors of the query mode. */
export function buildQuerier(rt: Runtime, http: FastifyInstance, opts: QuerierOptions): QuerierParts {
  const logger = rt.logger;
  const dns = new DnsProvider(opts.resolver, logger, dnsMetrics(rt.registry, 'thanos_query_store_apis_'));
  const flagEndpoints = endpointsFromFlags({
    endpoints: opts.endpoints, strict: opts.strictEndpoints, groups: opts.endpointGroups ?? [],
    strictGroups: opts.strictEndpointGroups ?? [], tls: opts.clientTls,
  });
  const sdConfig = opts.sdConfig;
  let sdConfigText = sdConfig?.content;
  let configured: readonly ConfiguredEndpoint[] = [
    ...flagEndpoints, ...(sdConfig ? parseEndpointConfig(sdConfig.content, sdConfig.source, opts.clientTls) : []),
  ];
  // Address (or a group's gRPC target) → the endpoint it came from; static ones are known before any DNS lookup.
  let resolved = new Map<string, ConfiguredEndpoint>();
  const staticOnes = (): Map<string, ConfiguredEndpoint> => new Map(configured.flatMap((e): [string, ConfiguredEndpoint][] =>
    e.group ? [[groupTarget(e).target, e]] : e.spec.kind === 'static' ? [[e.spec.address, e]] : []));
  resolved = staticOnes();
  const resolveAll = async (): Promise<void> => {
    const next = new Map<string, ConfiguredEndpoint>();
    for (const e of configured) {
      if (e.group) next.set(groupTarget(e).target, e);
      else for (const a of await dns.resolve([e.spec])) if (!next.has(a)) next.set(a, e);
    }
    resolved = next;
  };
  let fileAddresses: readonly string[] = [];
  const metrics = grpcClientMetrics(rt.registry);
  // With --tracing.config each StoreAPI call is a span whose context goes to the store (W3C traceparent).
  const interceptors = rt.tracing ? [metrics, grpcClientTracing()] : [metrics];
  const endpoints = new EndpointSet({
    addresses: () => [...new Set([...resolved.keys(), ...fileAddresses])],
    strict: () => [...resolved].filter(([, e]) => e.strict).map(([a]) => a),
    // One label cache for every store client: equal labels from different stores become the same strings.
    clientOptions: { ...(opts.clientTls ? { tls: opts.clientTls } : {}), interceptors, labelCache: new LabelCache() },
    clientFor: (address) => {
      const e = resolved.get(address);
      if (!e) return undefined;
      const group = e.group ? groupTarget(e) : undefined;
      return {
        key: JSON.stringify({ tls: e.tls ?? null, group: group?.serviceConfig ?? null }),
        options: {
          ...(e.tls ? { tls: e.tls } : { tls: { secure: false } }),
          ...(group ? { channelOptions: { 'grpc.service_config': group.serviceConfig } } : {}),
          interceptors,
        },
      };
    },
    unhealthyTimeoutMs: opts.unhealthyTimeoutMs,
    logger,
    registry: rt.registry,
    now: rt.now,
  });
  /** Re-reads the --endpoint.sd-config file; a changed, valid one replaces the configured endpoints. */
  const reloadSdConfig = async (): Promise<boolean> => {
    if (!sdConfig?.file) return false;
    let text: string;
    try {
      text = await readFile(sdConfig.file, 'utf8');
    } catch (err) {
      logger.error('failed to reload endpoint config', { file: sdConfig.file, err: errorMessage(err) });
      return false;
    }
    if (text === sdConfigText) return false;
    sdConfigText = text;
    try {
      configured = [...flagEndpoints, ...parseEndpointConfig(text, sdConfig.file, opts.clientTls)];
    } catch (err) {
      logger.error('failed to reload endpoint config, keeping the previous one', { file: sdConfig.file, err: errorMessage(err) });
      return false;
    }
    logger.info('reloaded endpoint config', { file: sdConfig.file, endpoints: configured.length });
    return true;
  };
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
  const queryApi = new QueryApi({
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
    sharedSelects: opts.sharedSelects,
    ...(opts.seriesLimits ? { seriesLimits: opts.seriesLimits } : {}),
    defaultStepMs: opts.defaultStepMs,
    autoDownsampling: opts.autoDownsampling,
    metadataDefaultRangeMs: opts.metadataDefaultRangeMs,
    flags: opts.flags,
    endpointStatuses: () => endpoints.statuses(),
    logger,
    registry: rt.registry,
    now: rt.now,
  });
  queryApi.register(http, opts.routePrefix);
  const apiBase = normalizeWebPrefix(opts.routePrefix) + '/api/v1';
  const apiEndpoints = (api: ComponentApiName): ApiEndpoint[] => [...endpoints.apiEndpoints(api), ...(opts.localApis?.(api) ?? [])];
  new ComponentApi({
    endpoints: apiEndpoints, replicaLabels: opts.replicaLabels, partialResponse: opts.partialResponse, logger,
  }).register(http, apiBase);
  registerStatusApi(http, apiBase, { startTime: new Date(rt.now()), logger });
  registerApiNotFound(http, apiBase);

  const proxy = withSeriesLimits(new ProxyStore(targets, { logger, componentType: 'query', maxConcurrency: 0 }), opts.seriesLimits);
  const discovery: Actor = {
    name: 'endpoint-discovery',
    run: async (signal) => {
      await fileSd?.start();
      let nextDns = 0;
      let nextReload = rt.now() + Math.min(opts.sdConfigReloadIntervalMs ?? 300_000, SD_CONFIG_CHECK_MS);
      const interval = opts.endpointUpdateIntervalMs ?? 5000;
      while (!signal.aborted) {
        if (rt.now() >= nextReload) {
          if (await reloadSdConfig()) nextDns = 0;
          nextReload = rt.now() + Math.min(opts.sdConfigReloadIntervalMs ?? 300_000, SD_CONFIG_CHECK_MS);
        }
        if (rt.now() >= nextDns) {
          await resolveAll();
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
  return { grpcServices, actors: [discovery], instantQuery: (expr, t, partial, signal) => queryApi.instantQuery(expr, t, partial, signal) };
}
