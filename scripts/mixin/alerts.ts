// The Thanos alerting and recording rules as upstream's mixin defines them: the same alert names, expressions,
// thresholds, `for` and severities, with our job selectors. Each group belongs to one mode.
import { COMPONENTS, RUNBOOK_BASE, SIDECAR_PROMETHEUS_DIMENSIONS, type Component, type Mode } from './config.js';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly summary: string;
  readonly description: string;
}

export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface RuleGroup<R> {
  readonly name: string;
  /** The mode whose deployment the group watches; absent: every alert names its own (the absent-component group). */
  readonly mode?: Mode;
  readonly rules: readonly R[];
}

/** The gRPC codes upstream's server/client error-rate alerts count (store's leaves ResourceExhausted out: limits). */
const SERVER_ERRORS = 'Unknown|ResourceExhausted|Internal|Unavailable|DataLoss|DeadlineExceeded';
const STORE_SERVER_ERRORS = 'Unknown|Internal|Unavailable|DataLoss|DeadlineExceeded';

const rate = (metric: string, selector: string, by = 'job'): string => `sum by (${by}) (rate(${metric}{${selector}}[5m]))`;

/** `(failures / total * 100 > threshold)` in upstream's layout. */
function percent(failures: string, total: string, threshold: string, by = 'job'): string {
  return `(\n  ${failures.replace(/^sum by \(job\)/, `sum by (${by})`)}\n/\n  ${total.replace(/^sum by \(job\)/, `sum by (${by})`)}\n* 100 > ${threshold}\n)\n`;
}

/** p99 above a threshold, only while there is traffic (upstream's latency alerts). */
function latency(metric: string, selector: string, threshold: number, trafficSuffix: '_bucket' | '_count' = '_count'): string {
  return `(\n  histogram_quantile(0.99, sum by (job, le) (rate(${metric}_bucket{${selector}}[5m]))) > ${threshold}\nand\n  sum by (job) (rate(${metric}${trafficSuffix}{${selector}}[5m])) > 0\n)\n`;
}

function a(alert: string, expr: string, forDuration: string | undefined, severity: AlertRule['severity'], summary: string, description: string): AlertRule {
  return { alert, expr, ...(forDuration !== undefined ? { for: forDuration } : {}), severity, summary, description };
}

const c = COMPONENTS;

function compactAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  return [
    a('ThanosCompactMultipleRunning', `sum by (job) (up{${s}}) > 1`, '5m', 'warning', 'Thanos Compact has multiple instances running.',
      'No more than one Thanos Compact instance should be running at once. There are {{$value}} instances running.'),
    a('ThanosCompactHalted', `thanos_compact_halted{${s}} == 1`, '5m', 'warning', 'Thanos Compact has failed to run and is now halted.',
      'Thanos Compact {{$labels.job}} has failed to run and now is halted.'),
    a('ThanosCompactHighCompactionFailures',
      percent(rate('thanos_compact_group_compactions_failures_total', s), rate('thanos_compact_group_compactions_total', s), '5'), '15m', 'warning',
      'Thanos Compact is failing to execute compactions.', 'Thanos Compact {{$labels.job}} is failing to execute {{$value | humanize}}% of compactions.'),
    a('ThanosCompactBucketHighOperationFailures',
      percent(rate('thanos_objstore_bucket_operation_failures_total', s), rate('thanos_objstore_bucket_operations_total', s), '5'), '15m', 'warning',
      'Thanos Compact Bucket is having a high number of operation failures.', 'Thanos Compact {{$labels.job}} Bucket is failing to execute {{$value | humanize}}% of operations.'),
    a('ThanosCompactHasNotRun',
      `(time() - max by (job) (max_over_time(thanos_objstore_bucket_last_successful_upload_time{${s}}[24h]))) / 60 / 60 > 24`, undefined, 'warning',
      'Thanos Compact has not uploaded anything for last 24 hours.', 'Thanos Compact {{$labels.job}} has not uploaded anything for 24 hours.'),
  ];
}

function queryAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  const httpErrors = (handler: string): string =>
    `(\n  ${rate('http_requests_total', `code=~"5..", ${s}, handler="${handler}"`)}\n/\n  ${rate('http_requests_total', `${s}, handler="${handler}"`)}\n) * 100 > 5\n`;
  return [
    a('ThanosQueryHttpRequestQueryErrorRateHigh', httpErrors('query'), '5m', 'critical', 'Thanos Query is failing to handle requests.',
      'Thanos Query {{$labels.job}} is failing to handle {{$value | humanize}}% of "query" requests.'),
    a('ThanosQueryHttpRequestQueryRangeErrorRateHigh', httpErrors('query_range'), '5m', 'critical', 'Thanos Query is failing to handle requests.',
      'Thanos Query {{$labels.job}} is failing to handle {{$value | humanize}}% of "query_range" requests.'),
    a('ThanosQueryGrpcServerErrorRate',
      percent(rate('grpc_server_handled_total', `grpc_code=~"${SERVER_ERRORS}", ${s}`), rate('grpc_server_started_total', s), '5'), '5m', 'warning',
      'Thanos Query is failing to handle requests.', 'Thanos Query {{$labels.job}} is failing to handle {{$value | humanize}}% of requests.'),
    a('ThanosQueryGrpcClientErrorRate',
      `(\n  ${rate('grpc_client_handled_total', `grpc_code!="OK", ${s}`)}\n/\n  ${rate('grpc_client_started_total', s)}\n) * 100 > 5\n`, '5m', 'warning',
      'Thanos Query is failing to send requests.', 'Thanos Query {{$labels.job}} is failing to send {{$value | humanize}}% of requests.'),
    a('ThanosQueryHighDNSFailures',
      `(\n  ${rate('thanos_query_store_apis_dns_failures_total', s)}\n/\n  ${rate('thanos_query_store_apis_dns_lookups_total', s)}\n) * 100 > 1\n`, '15m', 'warning',
      'Thanos Query is having high number of DNS failures.', 'Thanos Query {{$labels.job}} have {{$value | humanize}}% of failing DNS queries for store endpoints.'),
    a('ThanosQueryInstantLatencyHigh', latency('http_request_duration_seconds', `${s}, handler="query"`, 40, '_bucket'), '10m', 'critical',
      'Thanos Query has high latency for queries.', 'Thanos Query {{$labels.job}} has a 99th percentile latency of {{$value}} seconds for instant queries.'),
    a('ThanosQueryRangeLatencyHigh', latency('http_request_duration_seconds', `${s}, handler="query_range"`, 90), '10m', 'critical',
      'Thanos Query has high latency for queries.', 'Thanos Query {{$labels.job}} has a 99th percentile latency of {{$value}} seconds for range queries.'),
    a('ThanosQueryOverload',
      `(\n  max_over_time(thanos_query_concurrent_gate_queries_max[5m]) - avg_over_time(thanos_query_concurrent_gate_queries_in_flight[5m]) < 1\n)\n`, '15m', 'warning',
      'Thanos query reaches its maximum capacity serving concurrent requests.',
      'Thanos Query {{$labels.job}} has been overloaded for more than 15 minutes. This may be a symptom of excessive simultaneous complex requests, low performance of the Prometheus API, or failures within these components. Assess the health of the Thanos query instances, the connected Prometheus instances, look for potential senders of these requests and then contact support.'),
  ];
}

function receiveAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  return [
    a('ThanosReceiveHttpRequestErrorRateHigh',
      `(\n  ${rate('http_requests_total', `code=~"5..", ${s}, handler="receive"`)}\n/\n  ${rate('http_requests_total', `${s}, handler="receive"`)}\n) * 100 > 5\n`, '5m', 'critical',
      'Thanos Receive is failing to handle requests.', 'Thanos Receive {{$labels.job}} is failing to handle {{$value | humanize}}% of requests.'),
    a('ThanosReceiveHttpRequestLatencyHigh', latency('http_request_duration_seconds', `${s}, handler="receive"`, 10), '10m', 'critical',
      'Thanos Receive has high HTTP requests latency.', 'Thanos Receive {{$labels.job}} has a 99th percentile latency of {{ $value }} seconds for requests.'),
    a('ThanosReceiveHighReplicationFailures',
      `thanos_receive_replication_factor > 1\n  and\n(\n  (\n    ${rate('thanos_receive_replications_total', `result="error", ${s}`)}\n  /\n    ${rate('thanos_receive_replications_total', s)}\n  )\n  >\n  (\n    max by (job) (floor((thanos_receive_replication_factor{${s}}+1) / 2))\n  /\n    max by (job) (thanos_receive_hashring_nodes{${s}})\n  )\n) * 100\n`,
      '5m', 'warning', 'Thanos Receive is having high number of replication failures.',
      'Thanos Receive {{$labels.job}} is failing to replicate {{$value | humanize}}% of requests.'),
    a('ThanosReceiveHighForwardRequestFailures',
      `(\n  ${rate('thanos_receive_forward_requests_total', `result="error", ${s}`)}\n/\n  ${rate('thanos_receive_forward_requests_total', s)}\n) * 100 > 20\n`, '5m', 'info',
      'Thanos Receive is failing to forward requests.', 'Thanos Receive {{$labels.job}} is failing to forward {{$value | humanize}}% of requests.'),
    a('ThanosReceiveHighHashringFileRefreshFailures',
      `(\n  ${rate('thanos_receive_hashrings_file_errors_total', s)}\n/\n  ${rate('thanos_receive_hashrings_file_refreshes_total', s)}\n> 0\n)\n`, '15m', 'warning',
      'Thanos Receive is failing to refresh hasring file.', 'Thanos Receive {{$labels.job}} is failing to refresh hashring file, {{$value | humanize}} of attempts failed.'),
    a('ThanosReceiveConfigReloadFailure', `avg by (job) (thanos_receive_config_last_reload_successful{${s}}) != 1`, '5m', 'warning',
      'Thanos Receive has not been able to reload configuration.', 'Thanos Receive {{$labels.job}} has not been able to reload hashring configurations.'),
    a('ThanosReceiveNoUpload',
      `(up{${s}} - 1)\n+ on (job, instance) # filters to only alert on current instance last 3h\n(sum by (job, instance) (increase(thanos_shipper_uploads_total{${s}}[3h])) == 0)\n`, '3h', 'critical',
      'Thanos Receive has not uploaded latest data to object storage.', 'Thanos Receive {{$labels.instance}} has not uploaded latest data to object storage.'),
    a('ThanosReceiveLimitsConfigReloadFailure', `sum by (job) (increase(thanos_receive_limits_config_reload_err_total{${s}}[5m])) > 0`, '5m', 'warning',
      'Thanos Receive has not been able to reload the limits configuration.', 'Thanos Receive {{$labels.job}} has not been able to reload the limits configuration.'),
    a('ThanosReceiveLimitsHighMetaMonitoringQueriesFailureRate',
      `(sum by (job) (increase(thanos_receive_metamonitoring_failed_queries_total{${s}}[5m])) / 20) * 100 > 20`, '5m', 'warning',
      'Thanos Receive has not been able to update the number of head series.', 'Thanos Receive {{$labels.job}} is failing for {{$value | humanize}}% of meta monitoring queries.'),
    a('ThanosReceiveTenantLimitedByHeadSeries', `sum by (job, tenant) (increase(thanos_receive_head_series_limited_requests_total{${s}}[5m])) > 0`, '5m', 'warning',
      'A Thanos Receive tenant is limited by head series.', 'Thanos Receive tenant {{$labels.tenant}} is limited by head series.'),
  ];
}

function sidecarAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  return [
    a('ThanosSidecarBucketOperationsFailed', `${rate('thanos_objstore_bucket_operation_failures_total', s, 'job, instance')} > 0\n`, '5m', 'critical',
      'Thanos Sidecar bucket operations are failing', 'Thanos Sidecar {{$labels.instance}} bucket operations are failing'),
    a('ThanosSidecarNoConnectionToStartedPrometheus',
      `thanos_sidecar_prometheus_up{${s}} == 0\nAND on (${SIDECAR_PROMETHEUS_DIMENSIONS})\nprometheus_tsdb_data_replay_duration_seconds != 0\n`, '5m', 'critical',
      'Thanos Sidecar cannot access Prometheus, even though Prometheus seems healthy and has reloaded WAL.', 'Thanos Sidecar {{$labels.instance}} is unhealthy.'),
  ];
}

function storeAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  return [
    a('ThanosStoreGrpcErrorRate',
      percent(rate('grpc_server_handled_total', `grpc_code=~"${STORE_SERVER_ERRORS}", ${s}`), rate('grpc_server_started_total', s), '5'), '5m', 'warning',
      'Thanos Store is failing to handle gRPC requests.', 'Thanos Store {{$labels.job}} is failing to handle {{$value | humanize}}% of requests.'),
    a('ThanosStoreSeriesGateLatencyHigh', latency('thanos_bucket_store_series_gate_duration_seconds', s, 2), '10m', 'warning',
      'Thanos Store has high latency for store series gate requests.', 'Thanos Store {{$labels.job}} has a 99th percentile latency of {{$value}} seconds for store series gate requests.'),
    a('ThanosStoreBucketHighOperationFailures',
      percent(rate('thanos_objstore_bucket_operation_failures_total', s), rate('thanos_objstore_bucket_operations_total', s), '5'), '15m', 'warning',
      'Thanos Store Bucket is failing to execute operations.', 'Thanos Store {{$labels.job}} Bucket is failing to execute {{$value | humanize}}% of operations.'),
    a('ThanosStoreObjstoreOperationLatencyHigh', latency('thanos_objstore_bucket_operation_duration_seconds', s, 2), '10m', 'warning',
      'Thanos Store is having high latency for bucket operations.', 'Thanos Store {{$labels.job}} Bucket has a 99th percentile latency of {{$value}} seconds for the bucket operations.'),
  ];
}

function ruleAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  const ji = 'job, instance';
  return [
    a('ThanosRuleQueueIsDroppingAlerts', `${rate('thanos_alert_queue_alerts_dropped_total', s, ji)} > 0\n`, '5m', 'critical',
      'Thanos Rule is failing to queue alerts.', 'Thanos Rule {{$labels.instance}} is failing to queue alerts.'),
    a('ThanosRuleSenderIsFailingAlerts', `${rate('thanos_alert_sender_alerts_dropped_total', s, ji)} > 0\n`, '5m', 'critical',
      'Thanos Rule is failing to send alerts to alertmanager.', 'Thanos Rule {{$labels.instance}} is failing to send alerts to alertmanager.'),
    a('ThanosRuleHighRuleEvaluationFailures',
      percent(rate('prometheus_rule_evaluation_failures_total', s), rate('prometheus_rule_evaluations_total', s), '5', ji), '5m', 'critical',
      'Thanos Rule is failing to evaluate rules.', 'Thanos Rule {{$labels.instance}} is failing to evaluate rules.'),
    a('ThanosRuleHighRuleEvaluationWarnings', `${rate('thanos_rule_evaluation_with_warnings_total', s, ji)} > 0\n`, '15m', 'info',
      'Thanos Rule has high number of evaluation warnings.', 'Thanos Rule {{$labels.instance}} has high number of evaluation warnings.'),
    a('ThanosRuleRuleEvaluationLatencyHigh',
      `(\n  sum by (job, instance, rule_group) (prometheus_rule_group_last_duration_seconds{${s}})\n>\n  sum by (job, instance, rule_group) (prometheus_rule_group_interval_seconds{${s}})\n)\n`,
      '5m', 'warning', 'Thanos Rule has high rule evaluation latency.',
      'Thanos Rule {{$labels.instance}} has higher evaluation latency than interval for {{$labels.rule_group}}.'),
    a('ThanosRuleGrpcErrorRate',
      percent(rate('grpc_server_handled_total', `grpc_code=~"${SERVER_ERRORS}", ${s}`), rate('grpc_server_started_total', s), '5', ji), '5m', 'warning',
      'Thanos Rule is failing to handle grpc requests.', 'Thanos Rule {{$labels.job}} is failing to handle {{$value | humanize}}% of requests.'),
    a('ThanosRuleConfigReloadFailure', `avg by (job, instance) (thanos_rule_config_last_reload_successful{${s}}) != 1`, '5m', 'info',
      'Thanos Rule has not been able to reload configuration.', 'Thanos Rule {{$labels.job}} has not been able to reload its configuration.'),
    a('ThanosRuleQueryHighDNSFailures',
      percent(rate('thanos_rule_query_apis_dns_failures_total', s), rate('thanos_rule_query_apis_dns_lookups_total', s), '1', ji), '15m', 'warning',
      'Thanos Rule is having high number of DNS failures.', 'Thanos Rule {{$labels.job}} has {{$value | humanize}}% of failing DNS queries for query endpoints.'),
    a('ThanosRuleAlertmanagerHighDNSFailures',
      percent(rate('thanos_rule_alertmanagers_dns_failures_total', s), rate('thanos_rule_alertmanagers_dns_lookups_total', s), '1', ji), '15m', 'warning',
      'Thanos Rule is having high number of DNS failures.', 'Thanos Rule {{$labels.instance}} has {{$value | humanize}}% of failing DNS queries for Alertmanager endpoints.'),
    a('ThanosRuleNoEvaluationFor10Intervals',
      `time() -  max by (job, instance, group) (prometheus_rule_group_last_evaluation_timestamp_seconds{${s}})\n>\n10 * max by (job, instance, group) (prometheus_rule_group_interval_seconds{${s}})\n`,
      '5m', 'info', 'Thanos Rule has rule groups that did not evaluate for 10 intervals.',
      'Thanos Rule {{$labels.job}} has rule groups that did not evaluate for at least 10x of their expected interval.'),
    a('ThanosNoRuleEvaluations',
      `${rate('prometheus_rule_evaluations_total', s, ji)} <= 0\n  and\nsum by (job, instance) (thanos_rule_loaded_rules{${s}}) > 0\n`, '5m', 'critical',
      'Thanos Rule did not perform any rule evaluations.', 'Thanos Rule {{$labels.instance}} did not perform any rule evaluations in the past 10 minutes.'),
  ];
}

function bucketReplicateAlerts(x: Component): AlertRule[] {
  const s = x.selector;
  return [
    a('ThanosBucketReplicateErrorRate',
      `(\n  ${rate('thanos_replicate_replication_runs_total', `result="error", ${s}`)}\n/ on (job) group_left\n  ${rate('thanos_replicate_replication_runs_total', s)}\n) * 100 >= 10\n`,
      '5m', 'critical', 'Thanos Replicate is failing to run.', 'Thanos Replicate is failing to run, {{$value | humanize}}% of attempts failed.'),
    a('ThanosBucketReplicateRunLatency',
      `(\n  histogram_quantile(0.99, sum by (job, le) (rate(thanos_replicate_replication_run_duration_seconds_bucket{${s}}[5m]))) > 20\nand\n  sum by (job) (rate(thanos_replicate_replication_run_duration_seconds_bucket{${s}}[5m])) > 0\n)\n`,
      '5m', 'critical', 'Thanos Replicate has a high latency for replicate operations.',
      'Thanos Replicate {{$labels.job}} has a 99th percentile latency of {{$value}} seconds for the replicate operations.'),
  ];
}

/** `Thanos<Component>IsDown` for every component Prometheus scrapes as its own job. */
function absentAlerts(): (AlertRule & { readonly mode: Mode })[] {
  return ([['Compact', c.compact], ['Query', c.query], ['Receive', c.receive], ['Rule', c.rule], ['Sidecar', c.sidecar], ['Store', c.store]] as const)
    .map(([name, x]) => ({
      ...a(`Thanos${name}IsDown`, `absent(up{${x.selector}} == 1)\n`, '5m', 'critical', 'Thanos component has disappeared.',
        `Thanos${name} has disappeared. Prometheus target for the component cannot be discovered.`),
      mode: x.mode,
    }));
}

export const ALERT_GROUPS: readonly RuleGroup<AlertRule & { readonly mode?: Mode }>[] = [
  { name: 'thanos-compact', mode: 'compact', rules: compactAlerts(c.compact) },
  { name: 'thanos-query', mode: 'query', rules: queryAlerts(c.query) },
  { name: 'thanos-receive', mode: 'receive', rules: receiveAlerts(c.receive) },
  { name: 'thanos-sidecar', mode: 'sidecar', rules: sidecarAlerts(c.sidecar) },
  { name: 'thanos-store', mode: 'store', rules: storeAlerts(c.store) },
  { name: 'thanos-rule', mode: 'rule', rules: ruleAlerts(c.rule) },
  { name: 'thanos-bucket-replicate', mode: 'bucket-replicate', rules: bucketReplicateAlerts(c.bucketReplicate) },
  { name: 'thanos-component-absent', rules: absentAlerts() },
];

function quantileRecord(record: string, metric: string, selector: string): RecordingRule {
  return { record, expr: `histogram_quantile(0.99,\n  sum by (job, le) (rate(${metric}_bucket{${selector}}[5m]))\n)\n`, labels: { quantile: '0.99' } };
}

const ratioRecord = (record: string, failures: string, total: string): RecordingRule => ({ record, expr: `(\n  ${failures}\n/\n  ${total}\n)\n` });

function grpcRecords(prefix: string, side: 'server' | 'client', codes: string, s: string): RecordingRule[] {
  return (['unary', 'server_stream'] as const).map((t) => ratioRecord(
    `${prefix}_failures_per_${t === 'unary' ? 'unary' : 'stream'}:sum_rate`,
    rate(`grpc_${side}_handled_total`, `grpc_code=~"${codes}", ${s}, grpc_type="${t}"`),
    rate(`grpc_${side}_started_total`, `${s}, grpc_type="${t}"`),
  ));
}

/** Upstream's recording rules (used by its SLO dashboards), same names and expressions. */
export const RECORDING_GROUPS: readonly RuleGroup<RecordingRule>[] = [
  {
    name: 'thanos-query.rules', mode: 'query',
    rules: [
      ...grpcRecords(':grpc_client', 'client', SERVER_ERRORS, c.query.selector),
      ratioRecord(':thanos_query_store_apis_dns_failures_per_lookup:sum_rate',
        rate('thanos_query_store_apis_dns_failures_total', c.query.selector), rate('thanos_query_store_apis_dns_lookups_total', c.query.selector)),
      quantileRecord(':query_duration_seconds:histogram_quantile', 'http_request_duration_seconds', `${c.query.selector}, handler="query"`),
      quantileRecord(':api_range_query_duration_seconds:histogram_quantile', 'http_request_duration_seconds', `${c.query.selector}, handler="query_range"`),
    ],
  },
  {
    name: 'thanos-receive.rules', mode: 'receive',
    rules: [
      ...grpcRecords(':thanos_query_receive_grpc_server', 'server', SERVER_ERRORS, c.receive.selector),
      ratioRecord(':http_failure_per_request:sum_rate',
        rate('http_requests_total', `handler="receive", ${c.receive.selector}, code!~"5.."`), rate('http_requests_total', `handler="receive", ${c.receive.selector}`)),
      quantileRecord(':http_request_duration_seconds:histogram_quantile', 'http_request_duration_seconds', `handler="receive", ${c.receive.selector}`),
      ratioRecord(':thanos_receive_replication_failure_per_requests:sum_rate',
        rate('thanos_receive_replications_total', `result="error", ${c.receive.selector}`), rate('thanos_receive_replications_total', c.receive.selector)),
      ratioRecord(':thanos_receive_forward_failure_per_requests:sum_rate',
        rate('thanos_receive_forward_requests_total', `result="error", ${c.receive.selector}`), rate('thanos_receive_forward_requests_total', c.receive.selector)),
      ratioRecord(':thanos_receive_hashring_file_failure_per_refresh:sum_rate',
        rate('thanos_receive_hashrings_file_errors_total', c.receive.selector), rate('thanos_receive_hashrings_file_refreshes_total', c.receive.selector)),
    ],
  },
  {
    name: 'thanos-store.rules', mode: 'store',
    rules: [
      ...grpcRecords(':thanos_query_store_grpc_server', 'server', STORE_SERVER_ERRORS, c.store.selector),
      ratioRecord(':thanos_objstore_bucket_failures_per_operation:sum_rate',
        rate('thanos_objstore_bucket_operation_failures_total', c.store.selector), rate('thanos_objstore_bucket_operations_total', c.store.selector)),
      quantileRecord(':thanos_objstore_bucket_operation_duration_seconds:histogram_quantile', 'thanos_objstore_bucket_operation_duration_seconds', c.store.selector),
    ],
  },
];

/** The runbook anchor upstream's runbook has for an alert. */
export const runbookUrl = (alert: string): string => `${RUNBOOK_BASE}#alert-name-${alert.toLowerCase()}`;
