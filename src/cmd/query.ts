// `thanos-ts query` (querier): flags as upstream's cmd/thanos/query.go, plus --store as an alias of --endpoint.
import { networkInterfaces } from 'node:os';
import { isIPv6 } from 'node:net';
import type { Command } from 'commander';
import { REQUEST_LOGGING_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readSeriesLimits } from './flag-groups.js';
import type { ClientTlsOptions } from '../runtime/grpc-tls.js';
import { parseEndpointSpec, type EndpointSpec } from '../query/dns-discovery.js';
import { parseHostPort } from '../runtime/flag-values.js';
import type { QuerierOptions } from './query-build.js';
import { endpointsFromFlags, parseEndpointConfig } from '../query/endpoint-config.js';
import { FlagError, type FlagReader, type FlagSpec } from './flags.js';
import { gossipFlags } from './removed-flags.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';

export const QUERY_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'grpc-client-tls-secure', kind: 'bool', help: 'Use TLS when talking to the gRPC server' },
  { name: 'grpc-client-tls-skip-verify', kind: 'bool', help: 'Disable TLS certificate verification i.e self signed, signed by fake CA' },
  { name: 'grpc-client-tls-cert', default: '', placeholder: 'file', help: 'TLS Certificates to use to identify this client to the server' },
  { name: 'grpc-client-tls-key', default: '', placeholder: 'file', help: 'TLS Key for the client\'s certificate' },
  { name: 'grpc-client-tls-ca', default: '', placeholder: 'file', help: 'TLS CA Certificates to use to verify gRPC servers' },
  { name: 'grpc-client-server-name', default: '', help: 'Server name to verify the hostname on the returned gRPC certificates. See https://tools.ietf.org/html/rfc4366#section-3.1' },
  { name: 'grpc-compression', default: 'none', help: 'Compression algorithm to use for gRPC requests to other clients. Must be one of: snappy, none', support: 'refused' },
  { name: 'web.route-prefix', default: '', help: 'Prefix for API and UI endpoints. This allows thanos UI to be served on a sub-path.' },
  { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the UI query web interface.' },
  { name: 'web.prefix-header', default: '', help: 'Name of HTTP request header used for dynamic prefixing of UI links and redirects.' },
  { name: 'web.disable-cors', kind: 'bool', help: 'Whether to disable CORS headers to be set by Thanos.', support: { ignored: 'thanos-ts sets no CORS headers, so there are none to disable' } },
  { name: 'query.timeout', default: '2m', placeholder: 'duration', help: 'Maximum time to process query by query node.' },
  { name: 'query.max-concurrent', default: '20', help: 'Maximum number of queries processed concurrently by query node.' },
  { name: 'query.max-concurrent-select', default: '4', help: 'Maximum number of select requests made concurrently per a query.' },
  { name: 'query.shared-selects-window', default: '5s', placeholder: 'duration', help: 'thanos-ts only: instant queries at the same evaluation time (as a ruler sends a group\'s rules) answer identical selectors from one store select started at most this long before. 0s turns it off.' },
  { name: 'query.shared-selects-max-bytes', default: '64MB', placeholder: 'bytes', help: 'thanos-ts only: chunk bytes of finished selects kept for --query.shared-selects-window; a bigger answer is shared only while it is being fetched.' },
  { name: 'query.lookback-delta', default: '', placeholder: 'duration', help: 'The maximum lookback duration for retrieving metrics during expression evaluations. PromQL always evaluates the query for the certain timestamp (query range timestamps are deduced by step). Since scrape intervals might be different, PromQL looks back for given amount of time to get latest sample. If it exceeds the maximum lookback delta it assumes series is stale and returns none (a gap). This is why lookback delta should be set to at least 2 times of the slowest scrape interval. If unset it will use the promql default of 5m.' },
  { name: 'query.replica-label', kind: 'repeat', placeholder: 'label', help: 'Labels to treat as a replica indicator along which data is deduplicated. Still you will be able to query without deduplication using \'dedup=false\' parameter. Data includes time series, recording rules, and alerting rules. Flag may be specified multiple times as well as a comma separated list of labels.' },
  { name: 'deduplication.func', default: 'penalty', help: 'Experimental. Deduplication algorithm for merging overlapping series. Possible values are: "penalty", "chain".' },
  { name: 'query.partial-response', kind: 'bool', default: 'true', help: 'Enable partial response for queries if no partial_response param is specified.' },
  { name: 'query.default-evaluation-interval', default: '1m', placeholder: 'duration', help: 'Set default evaluation interval for sub queries.' },
  { name: 'query.default-step', default: '1s', placeholder: 'duration', help: 'Set default step for range queries. Default step is only used when step is not set in UI.' },
  { name: 'query.auto-downsampling', kind: 'bool', help: 'Enable automatic adjustment (step / 5) to what source of data should be used in store gateways if no max_source_resolution param is specified.' },
  { name: 'query.promql-engine', default: 'prometheus', help: 'Default PromQL engine to use.', support: 'refused' },
  { name: 'query.metadata.default-time-range', default: '0s', placeholder: 'duration', help: 'The default metadata time range duration for retrieving labels through Labels and Series API when the range parameters are not specified. The zero value means range covers the time since the beginning.' },
  { name: 'selector-label', kind: 'repeat', placeholder: 'key="value"', help: 'Query selector labels that will be exposed in info endpoint (repeated).', support: 'refused' },
  { name: 'endpoint', kind: 'repeat', placeholder: 'address', help: 'Addresses of statically configured Thanos API servers. The scheme may be prefixed with \'dns+\' or \'dnssrv+\' to detect Thanos API servers through respective DNS lookups.' },
  { name: 'store', kind: 'repeat', placeholder: 'address', help: 'Alias of --endpoint (removed upstream in v0.38; accepted here so existing manifests keep working).' },
  { name: 'endpoint-strict', kind: 'repeat', placeholder: 'address', help: 'Addresses of only statically configured Thanos API servers that are always used, even if the health check fails.' },
  { name: 'endpoint-group', kind: 'repeat', placeholder: 'address', help: '(Deprecated, Experimental: use --endpoint.sd-config with group: true): DNS name of statically configured Thanos API server groups (repeatable). Targets resolved from the DNS name will be queried in a round-robin, instead of a fanout manner. This flag should be used when connecting a Thanos Query to HA groups of Thanos components.' },
  { name: 'endpoint-group-strict', kind: 'repeat', placeholder: 'address', help: '(Deprecated, Experimental: use --endpoint.sd-config with group: true, strict: true): DNS name of statically configured Thanos API server groups (repeatable) that are always used, even if the health check fails.' },
  { name: 'endpoint.sd-config-file', default: '', placeholder: 'file', help: 'Path to Config File with endpoint definitions' },
  { name: 'endpoint.sd-config', default: '', placeholder: 'content', help: 'Alternative to \'endpoint.sd-config-file\' flag (mutually exclusive). Content of Config File with endpoint definitions' },
  { name: 'endpoint.sd-config-reload-interval', default: '5m', placeholder: 'duration', help: 'Interval between endpoint config refreshes' },
  { name: 'store.sd-files', kind: 'repeat', placeholder: 'path', help: 'Path to files that contain addresses of store API servers. The path can be a glob pattern.' },
  { name: 'store.sd-interval', default: '5m', placeholder: 'duration', help: 'Refresh interval to re-read file SD files. It is used as a resync fallback.' },
  { name: 'store.sd-dns-interval', default: '30s', placeholder: 'duration', help: 'Interval between DNS resolutions.' },
  { name: 'store.unhealthy-timeout', default: '5m', placeholder: 'duration', help: 'Timeout before an unhealthy store is cleaned from the store UI page.' },
  { name: 'store.response-timeout', default: '0ms', placeholder: 'duration', help: 'If a Store doesn\'t send any data in this specified duration then a Store will be ignored and partial data will be returned if it\'s enabled. 0 disables timeout.', support: 'refused' },
  { name: 'alert.query-url', default: '', help: 'The external Thanos Query URL that would be set in all alerts \'Source\' field.', support: 'refused' },
  ...REQUEST_LOGGING_FLAGS,
  ...STORE_LIMIT_FLAGS,
  ...gossipFlags('discovery'),
];

export function registerQuery(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'query',
    description: 'Query node exposing PromQL enabled Query API with data retrieved from multiple store nodes.',
    flags: QUERY_FLAGS,
    read: (f) => {
      const querier = readQuerierOptions(f);
      return {
        log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), querier, requestLogging: f.pathOrContent('request.logging-config'),
        webUi: { routePrefix: querier.routePrefix, externalPrefix: f.string('web.external-prefix'), prefixHeader: f.string('web.prefix-header') },
      };
    },
    run: ({ log, tracing, http, grpc, querier, webUi, requestLogging }) => serveMode({
      component: 'query', log, tracing, http, grpc, requestLogging,
      setup: async (rt, app) => {
        // Loaded when the mode runs, so `--help` does not pay for the engine and the gRPC stack.
        const [{ registerWebUi }, { buildQuerier }] = await Promise.all([import('../query/ui/web-ui.js'), import('./query-build.js')]);
        registerWebUi(app, { ...webUi, logger: rt.logger });
        return buildQuerier(rt, app, querier);
      },
    }),
  }, registry);
}

/** Turns the query flags into typed options, rejecting bad values with the flag named. */
export function readQuerierOptions(f: FlagReader): QuerierOptions {
  const endpoints = [
    ...f.list('endpoint').map((v) => parseEndpointSpec(v, '--endpoint')),
    ...f.list('store').map((v) => parseEndpointSpec(v, '--store')),
    ...(f.declared('cluster.peers') ? gossipPeerEndpoints(f) : []),
  ];
  const algorithm = f.string('deduplication.func');
  if (algorithm !== 'penalty' && algorithm !== 'chain') throw new FlagError('deduplication.func', algorithm, 'must be one of penalty, chain');
  const maxConcurrent = f.int('query.max-concurrent');
  if (maxConcurrent < 1) throw new FlagError('query.max-concurrent', String(maxConcurrent), 'must be at least 1');
  const secure = f.bool('grpc-client-tls-secure');
  const skipVerify = f.bool('grpc-client-tls-skip-verify');
  const certFile = f.optionalString('grpc-client-tls-cert');
  const keyFile = f.optionalString('grpc-client-tls-key');
  const caFile = f.optionalString('grpc-client-tls-ca');
  const serverName = f.optionalString('grpc-client-server-name');
  const clientTls: ClientTlsOptions | undefined = secure ? {
    secure, skipVerify,
    ...(certFile ? { certFile } : {}),
    ...(keyFile ? { keyFile } : {}),
    ...(caFile ? { caFile } : {}),
    ...(serverName ? { serverName } : {}),
  } : undefined;
  if (!secure && (skipVerify || certFile || keyFile || caFile || serverName)) {
    // Upstream ignores them too without --grpc-client-tls-secure; say so instead of dialling plaintext silently.
    f.warnings.push('flags --grpc-client-tls-skip-verify/-cert/-key/-ca and --grpc-client-server-name are ignored: --grpc-client-tls-secure is not set, so stores are dialled without TLS');
  }
  const strictEndpoints = f.list('endpoint-strict');
  const endpointGroups = f.list('endpoint-group');
  const strictEndpointGroups = f.list('endpoint-group-strict');
  // Checked now, so a bad config or a strict dns+ endpoint stops the start with exit 2, naming where.
  endpointsFromFlags({ endpoints, strict: strictEndpoints, groups: endpointGroups, strictGroups: strictEndpointGroups, tls: clientTls });
  const sdFlag = f.pathOrContent('endpoint.sd-config');
  if (sdFlag) parseEndpointConfig(sdFlag.content, sdFlag.source, clientTls);
  const sdFile = f.string('endpoint.sd-config-file');
  return {
    endpoints,
    strictEndpoints,
    endpointGroups,
    strictEndpointGroups,
    ...(sdFlag ? { sdConfig: { ...sdFlag, file: sdFile !== '' ? sdFile : undefined } } : {}),
    sdConfigReloadIntervalMs: f.durationMs('endpoint.sd-config-reload-interval'),
    sdFiles: f.list('store.sd-files'),
    sdIntervalMs: f.durationMs('store.sd-interval'),
    dnsIntervalMs: f.durationMs('store.sd-dns-interval'),
    unhealthyTimeoutMs: f.durationMs('store.unhealthy-timeout'),
    ...(clientTls ? { clientTls } : {}),
    replicaLabels: f.commaList('query.replica-label'),
    algorithm,
    partialResponse: f.bool('query.partial-response'),
    timeoutMs: f.durationMs('query.timeout'),
    maxConcurrent,
    maxConcurrentSelect: f.int('query.max-concurrent-select'),
    sharedSelects: { windowMs: f.durationMs('query.shared-selects-window'), maxBytes: f.bytes('query.shared-selects-max-bytes') },
    ...optionalLimits(readSeriesLimits(f)),
    lookbackDeltaMs: f.string('query.lookback-delta') !== '' ? f.durationMs('query.lookback-delta') : undefined,
    defaultEvaluationIntervalMs: f.durationMs('query.default-evaluation-interval'),
    defaultStepMs: f.durationMs('query.default-step'),
    autoDownsampling: f.bool('query.auto-downsampling'),
    metadataDefaultRangeMs: f.durationMs('query.metadata.default-time-range'),
    // Upstream: --web.route-prefix defaults to --web.external-prefix (docs/operating/reverse-proxy.md).
    routePrefix: f.string('web.route-prefix') !== '' ? f.string('web.route-prefix') : f.string('web.external-prefix'),
    flags: Object.fromEntries(QUERY_FLAGS.filter((spec) => f.declared(spec.name)).map((spec) => [spec.name, f.display(spec)])),
  };
}

/**
 * --cluster.peers (gossip era): every address a peer name resolves to is a StoreAPI at our own gRPC port (in those
 * deployments every component listened for gRPC on the same port); the gossip port is dropped and we skip ourselves.
 */
function gossipPeerEndpoints(f: FlagReader): EndpointSpec[] {
  const { host: ownHost, port } = parseHostPort(f.string('grpc-address'));
  const self = ownHost === '0.0.0.0' || ownHost === '::' ? localAddresses() : [ownHost];
  const exclude = self.map((ip) => (isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`));
  return f.commaList('cluster.peers').map((peer) => {
    const m = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(peer);
    if (!m) throw new FlagError('cluster.peers', peer, 'expected host or host:port');
    return { kind: 'dns', host: m[1] ?? m[2]!, port: String(port), raw: `--cluster.peers=${peer}`, exclude } satisfies EndpointSpec;
  });
}

/** Every address of this host's interfaces (what a wildcard --grpc-address listens on). */
function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

function optionalLimits(limits: { series: number; samples: number } | undefined): { seriesLimits?: { series: number; samples: number } } {
  return limits ? { seriesLimits: limits } : {};
}
