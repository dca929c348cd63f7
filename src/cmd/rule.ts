// `thanos-ts rule` (ruler): flags as upstream's cmd/thanos/rule.go and the typed options they become; the
// wiring is in rule-build.ts.
import type { Command } from 'commander';
import { ensureUsableDir } from './data-dir.js';
import { OBJSTORE_FLAGS, SERVER_FLAGS, STORE_LIMIT_FLAGS, readGrpcServerOptions, readHttpOptions, readTracingFlag, readLogOptions, readObjstoreFlag, readSeriesLimits } from './flag-groups.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import type { FlagReader, FlagSpec } from './flags.js';
import { FlagError } from './flags.js';
import { defineMode, type ModeRegistry } from './mode.js';
import { serveMode } from './serve.js';
import { ConfigError } from '../runtime/errors.js';

export const RULE_FLAGS: readonly FlagSpec[] = [
  ...SERVER_FLAGS,
  { name: 'data-dir', default: 'data/', placeholder: 'dir', help: 'data directory' },
  { name: 'rule-file', kind: 'repeat', placeholder: 'path', help: 'Rule files that should be used by rule manager. Can be in glob format (repeated). Note that rules are not automatically detected, use SIGHUP or do HTTP POST /-/reload to re-read them. (default: rules/)' },
  { name: 'eval-interval', default: '1m', placeholder: 'duration', help: 'The default evaluation interval to use.' },
  { name: 'rule-query-offset', default: '0s', placeholder: 'duration', help: 'The default rule group query_offset duration to use.' },
  { name: 'tsdb.block-duration', default: '2h', placeholder: 'duration', help: 'Block duration for TSDB block.' },
  { name: 'tsdb.retention', default: '48h', placeholder: 'duration', help: 'Block retention time on local disk.', support: { ignored: 'local blocks are kept; thanos-ts does not delete the ruler\'s local blocks yet' } },
  { name: 'tsdb.no-lockfile', kind: 'bool', help: 'Do not create lockfile in TSDB data directory.', support: { ignored: 'thanos-ts does not create a lockfile' } },
  { name: 'tsdb.wal-compression', kind: 'bool', help: 'Compress the tsdb WAL.' },
  { name: 'label', kind: 'repeat', placeholder: 'key="value"', help: 'Labels to be applied to all generated metrics (repeated). Similar to external labels for Prometheus, used to identify ruler and its blocks as unique source.' },
  { name: 'query', kind: 'repeat', placeholder: 'address', help: 'Addresses of statically configured query API servers (repeatable). The scheme may be prefixed with \'dns+\' or \'dnssrv+\' to detect query API servers through respective DNS lookups.' },
  { name: 'query.config-file', placeholder: 'file-path', help: 'Path to YAML file that contains query API servers configuration.' },
  { name: 'query.config', placeholder: 'content', help: 'Alternative to \'query.config-file\' flag (mutually exclusive).' },
  { name: 'query.sd-files', kind: 'repeat', placeholder: 'path', help: 'Path to file that contains addresses of query API servers. The path can be a glob pattern (repeatable).' },
  { name: 'query.sd-interval', default: '5m', placeholder: 'duration', help: 'Refresh interval to re-read file SD files. (used as a fallback)' },
  { name: 'query.sd-dns-interval', default: '30s', placeholder: 'duration', help: 'Interval between DNS resolutions.' },
  { name: 'query.http-method', default: 'POST', help: 'HTTP method to use when sending queries. Possible options: [GET, POST]' },
  { name: 'query.default-step', default: '1s', placeholder: 'duration', help: 'Default range query step to use. This is only used in stateless Ruler and alert state restoration.' },
  { name: 'alertmanagers.url', kind: 'repeat', placeholder: 'url', help: 'Alertmanager replica URLs to push firing alerts. Ruler claims success if push to at least one alertmanager from discovered succeeds. The scheme should not be empty e.g `http` might be used. The scheme may be prefixed with \'dns+\' or \'dnssrv+\' to detect Alertmanager IPs through respective DNS lookups. The port defaults to 9093 or the SRV record\'s value. The URL path is used as a prefix for the regular Alertmanager API path.' },
  { name: 'alertmanagers.config-file', placeholder: 'file-path', help: 'Path to YAML file that contains alerting configuration.' },
  { name: 'alertmanagers.config', placeholder: 'content', help: 'Alternative to \'alertmanagers.config-file\' flag (mutually exclusive).' },
  { name: 'alertmanagers.send-timeout', default: '10s', placeholder: 'duration', help: 'Timeout for sending alerts to Alertmanager' },
  { name: 'alertmanagers.sd-dns-interval', default: '30s', placeholder: 'duration', help: 'Interval between DNS resolutions of Alertmanager hosts.' },
  { name: 'alert.label-drop', kind: 'repeat', placeholder: 'label', help: 'Labels by name to drop before sending to alertmanager. This allows alert to be deduplicated on replica label (repeated). Similar Prometheus alert relabelling' },
  { name: 'alert.relabel-config-file', placeholder: 'file-path', help: 'Path to YAML file that contains alert relabelling configuration.' },
  { name: 'alert.relabel-config', placeholder: 'content', help: 'Alternative to \'alert.relabel-config-file\' flag (mutually exclusive).' },
  { name: 'alert.query-url', default: '', help: 'The external Thanos Query URL that would be set in all alerts \'Source\' field' },
  { name: 'alert.query-template', default: '/graph?g0.expr={{.Expr}}&g0.tab=1', help: 'Template to use in alerts source field. Need only include {{.Expr}} parameter' },
  { name: 'resend-delay', default: '1m', placeholder: 'duration', help: 'Minimum amount of time to wait before resending an alert to Alertmanager.' },
  { name: 'for-outage-tolerance', default: '1h', placeholder: 'duration', help: 'Max time to tolerate prometheus outage for restoring "for" state of alert.' },
  { name: 'for-grace-period', default: '10m', placeholder: 'duration', help: 'Minimum duration between alert and restored "for" state. This is maintained only for alerts with configured "for" time greater than grace period.' },
  { name: 'restore-ignored-label', kind: 'repeat', placeholder: 'label', help: 'Label names to be ignored when restoring alerts from the remote storage. This is only used in stateless mode.', support: { ignored: 'only used in stateless mode, which thanos-ts does not support yet' } },
  { name: 'rule-concurrent-evaluation', default: '1', help: 'How many rules can be evaluated concurrently. Default is 1.' },
  { name: 'remote-write.config-file', placeholder: 'file-path', help: 'Path to YAML config for the remote-write configurations, that specify servers where samples should be sent to. If this flag is set, the ruler runs in stateless mode.', support: 'refused' },
  { name: 'remote-write.config', placeholder: 'content', help: 'Alternative to \'remote-write.config-file\' flag (mutually exclusive).', support: 'refused' },
  ...OBJSTORE_FLAGS,
  { name: 'shipper.upload-compacted', kind: 'bool', help: 'If true shipper will try to upload compacted blocks as well.' },
  { name: 'web.route-prefix', default: '', help: 'Prefix for API and UI endpoints.' },
  { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the UI query web interface.', support: { ignored: 'the ruler serves no web UI in thanos-ts; its rules and alerts show in the querier\'s UI' } },
  { name: 'web.prefix-header', default: '', help: 'Name of HTTP request header used for dynamic prefixing of UI links and redirects.', support: { ignored: 'the ruler serves no web UI in thanos-ts; its rules and alerts show in the querier\'s UI' } },
  { name: 'web.disable-cors', kind: 'bool', help: 'Whether to disable CORS headers to be set by Thanos.', support: { ignored: 'the ruler serves no web UI in thanos-ts; its rules and alerts show in the querier\'s UI' } },
  ...STORE_LIMIT_FLAGS,
  { name: 'query.only-prometheus-params', kind: 'bool', help: 'Send only Prometheus\'s query parameters (no dedup, partial_response, …).' },
];

/** What evaluating rules needs (the ruler, and standalone with --rule-file): rule files, TSDB, alerting. */
export interface RuleEvalOptions {
  readonly dataDir: string;
  readonly ruleFiles: readonly string[];
  readonly evalIntervalMs: number;
  readonly queryOffsetMs: number;
  readonly blockDurationMs: number;
  readonly walCompression: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly alertmanagerUrls: readonly string[];
  readonly alertmanagersConfig: { content: string; source: string } | undefined;
  readonly alertmanagersSendTimeoutMs: number;
  readonly alertmanagersDnsIntervalMs: number;
  readonly alertLabelDrop: readonly string[];
  readonly alertRelabel: { content: string; source: string } | undefined;
  readonly alertQueryUrl: string;
  readonly alertQueryTemplate: string;
  readonly resendDelayMs: number;
  readonly forOutageToleranceMs: number;
  readonly forGracePeriodMs: number;
  /** --rule-concurrent-evaluation: rules evaluated at once beside their groups' sequences (≤ 1: in order only). */
  readonly concurrentEvals: number;
}

export interface RuleOptions extends RuleEvalOptions {
  readonly query: readonly string[];
  readonly queryConfig: { content: string; source: string } | undefined;
  readonly querySdFiles: readonly string[];
  readonly querySdIntervalMs: number;
  readonly querySdDnsIntervalMs: number;
  readonly queryHttpMethod: 'GET' | 'POST';
  readonly onlyPrometheusParams: boolean;
  readonly objstore: ObjstoreFlagValue | undefined;
  readonly uploadCompacted: boolean;
  readonly routePrefix: string;
  /** --store.limits.request-series/-samples on the StoreAPI served. */
  readonly seriesLimits?: { series: number; samples: number } | undefined;
}

/** The flags standalone takes over from the ruler to evaluate rules in-process (read by readRuleEvalOptions). */
export const RULE_EVAL_FLAG_NAMES: readonly string[] = [
  'rule-file', 'eval-interval', 'rule-query-offset', 'label', 'alertmanagers.url', 'alertmanagers.config-file', 'alertmanagers.config',
  'alertmanagers.send-timeout', 'alertmanagers.sd-dns-interval', 'alert.label-drop', 'alert.relabel-config-file', 'alert.relabel-config',
  'alert.query-url', 'alert.query-template', 'resend-delay', 'for-outage-tolerance', 'for-grace-period',
  'rule-concurrent-evaluation',
];

/** The rule-evaluation options; `dataDir`, the block duration and WAL compression come from the caller. */
export function readRuleEvalOptions(f: FlagReader, storage: { dataDir: string; blockDurationMs: number; walCompression: boolean }, defaultRuleFiles: readonly string[]): RuleEvalOptions {
  const alertmanagerUrls = f.list('alertmanagers.url');
  const alertmanagersConfig = f.pathOrContent('alertmanagers.config');
  if (alertmanagersConfig !== undefined && alertmanagerUrls.length > 0) {
    throw new ConfigError('--alertmanagers.config(-file) and --alertmanagers.url are mutually exclusive');
  }
  const ruleFiles = f.list('rule-file');
  return {
    ...storage,
    ruleFiles: ruleFiles.length > 0 ? ruleFiles : defaultRuleFiles,
    evalIntervalMs: f.durationMs('eval-interval'),
    queryOffsetMs: f.durationMs('rule-query-offset'),
    labels: f.labels('label'),
    alertmanagerUrls,
    alertmanagersConfig,
    alertmanagersSendTimeoutMs: f.durationMs('alertmanagers.send-timeout'),
    alertmanagersDnsIntervalMs: f.durationMs('alertmanagers.sd-dns-interval'),
    alertLabelDrop: f.list('alert.label-drop'),
    alertRelabel: f.pathOrContent('alert.relabel-config'),
    alertQueryUrl: f.string('alert.query-url'),
    alertQueryTemplate: f.string('alert.query-template'),
    resendDelayMs: f.durationMs('resend-delay'),
    forOutageToleranceMs: f.durationMs('for-outage-tolerance'),
    forGracePeriodMs: f.durationMs('for-grace-period'),
    // As upstream, anything up to 1 means rules are evaluated in order only.
    concurrentEvals: f.int('rule-concurrent-evaluation'),
  };
}

export function readRuleOptions(f: FlagReader): RuleOptions {
  const method = f.string('query.http-method').toUpperCase();
  if (method !== 'GET' && method !== 'POST') throw new FlagError('query.http-method', f.string('query.http-method'), 'must be one of GET, POST');
  const query = f.list('query');
  const queryConfig = f.pathOrContent('query.config');
  const querySdFiles = f.list('query.sd-files');
  if (queryConfig !== undefined && (query.length > 0 || querySdFiles.length > 0)) {
    throw new ConfigError('--query.config(-file) cannot be combined with --query or --query.sd-files');
  }
  if (queryConfig === undefined && query.length === 0 && querySdFiles.length === 0) {
    throw new ConfigError('no --query parameter was given; the ruler needs a query API to evaluate rules (--query, --query.sd-files or --query.config-file)');
  }
  return {
    seriesLimits: readSeriesLimits(f),
    ...readRuleEvalOptions(f, { dataDir: f.string('data-dir'), blockDurationMs: f.durationMs('tsdb.block-duration'), walCompression: f.bool('tsdb.wal-compression') }, ['rules/']),
    query,
    queryConfig,
    querySdFiles,
    querySdIntervalMs: f.durationMs('query.sd-interval'),
    querySdDnsIntervalMs: f.durationMs('query.sd-dns-interval'),
    queryHttpMethod: method,
    onlyPrometheusParams: f.bool('query.only-prometheus-params'),
    objstore: readObjstoreFlag(f),
    uploadCompacted: f.bool('shipper.upload-compacted'),
    routePrefix: f.string('web.route-prefix'),
  };
}

export function registerRule(program: Command, registry?: ModeRegistry): void {
  defineMode(program, {
    name: 'rule',
    description: 'Ruler evaluating Prometheus rules against given Query nodes, exposing Store API and storing old blocks in bucket.',
    flags: RULE_FLAGS,
    read: (f) => {
      f.durationMs('query.default-step');
      return { log: readLogOptions(f), tracing: readTracingFlag(f), http: readHttpOptions(f), grpc: readGrpcServerOptions(f), rule: readRuleOptions(f) };
    },
    run: async ({ log, tracing, http, grpc, rule }) => {
      ensureUsableDir(rule.dataDir, 'data-dir');
      await serveMode({ component: 'rule', log, tracing, http, grpc, setup: async (rt, app) => (await import('./rule-build.js')).buildRule(rt, app, rule) });
    },
  }, registry);
}
