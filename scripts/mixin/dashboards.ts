// The Thanos dashboards (overview and one per component) as upstream's mixin lays them out: the same rows, panels
// and metric expressions, with our job selectors and a Node resources row in place of the Go one.
import { COMPONENTS, DASHBOARD_PREFIX, DASHBOARD_TAGS, type Component, type Mode } from './config.js';
import {
  grpcPanels, httpPanels, quantiles, ratio, resourcesRow, sel, type DashboardSpec, type PanelSpec, type RowSpec,
} from './grafana.js';

const JOB = 'job=~"$job"';

function dashboard(c: Component, file: string, uid: string, rows: readonly RowSpec[], extra: Partial<DashboardSpec> = {}): DashboardSpec {
  return { file, uid, title: DASHBOARD_PREFIX + c.title, tags: DASHBOARD_TAGS, jobSelector: c.selector, rows: [...rows, resourcesRow()], ...extra };
}

function bucketOperationsRow(byOperation: boolean): RowSpec {
  const by = byOperation ? 'job, operation' : 'job';
  // Upstream's store dashboard takes the error ratio per operation over $__rate_interval, the others per job over $interval.
  const window = byOperation ? '$__rate_interval' : '$interval';
  return {
    title: 'Bucket Operations',
    panels: [
      {
        title: 'Rate', unit: 'short', stack: true, description: 'Shows rate of execution for operations against the bucket.',
        targets: [{ expr: `sum by (job, operation) (rate(thanos_objstore_bucket_operations_total{${JOB}}[$__rate_interval]))`, legend: '{{job}} {{operation}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed operations against the bucket.',
        targets: [{
          expr: `sum by (${by}) (rate(thanos_objstore_bucket_operation_failures_total{${JOB}}[${window}])) / sum by (${by}) (rate(thanos_objstore_bucket_operations_total{${JOB}}[${window}]))`,
          legend: byOperation ? '{{job}} {{operation}}' : 'error {{job}}',
        }],
      },
      {
        title: 'Duration', unit: 's', description: 'Shows how long has it taken to execute operations against the bucket, in quantiles.',
        targets: byOperation
          ? [
            { expr: `histogram_quantile(0.99, sum by (job, operation, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket{${JOB}}[$__rate_interval])))`, legend: 'P99 {{job}} {{operation}}' },
            {
              expr: `sum by (job, operation) (rate(thanos_objstore_bucket_operation_duration_seconds_sum{${JOB}}[$__rate_interval])) / sum by (job, operation) (rate(thanos_objstore_bucket_operation_duration_seconds_count{${JOB}}[$__rate_interval]))`,
              legend: 'mean {{job}} {{operation}}',
            },
            { expr: `histogram_quantile(0.50, sum by (job, operation, le) (rate(thanos_objstore_bucket_operation_duration_seconds_bucket{${JOB}}[$__rate_interval])))`, legend: 'P50 {{job}} {{operation}}' },
          ]
          : quantiles('thanos_objstore_bucket_operation_duration_seconds', JOB),
      },
    ],
  };
}

function lastUploadRow(): RowSpec {
  return {
    title: 'Last Updated',
    panels: [{
      title: 'Successful Upload', kind: 'table', unit: 's', description: 'Shows the relative time of last successful upload to the object-store bucket.',
      targets: [{ expr: `time() - max by (job, bucket) (thanos_objstore_bucket_last_successful_upload_time{${JOB}})`, legend: '' }],
    }],
  };
}

/** P99, mean and P50 of a histogram. */
function distribution(metric: string, title: string, unit: PanelSpec['unit'], by: string, description = ''): PanelSpec {
  const group = by === '' ? 'le' : `${by}, le`;
  const legend = by.includes('data_type') ? ': {{data_type}} / {{job}}' : ' {{job}}';
  return {
    title, unit, description,
    targets: [
      { expr: `histogram_quantile(0.99, sum by (${group}) (rate(${metric}_bucket{${JOB}}[$__rate_interval])))`, legend: `P99${legend}` },
      {
        expr: `sum by (${by || 'job'}) (rate(${metric}_sum{${JOB}}[$__rate_interval])) / sum by (${by || 'job'}) (rate(${metric}_count{${JOB}}[$__rate_interval]))`,
        legend: `mean${legend}`,
      },
      { expr: `histogram_quantile(0.50, sum by (${group}) (rate(${metric}_bucket{${JOB}}[$__rate_interval])))`, legend: `P50${legend}` },
    ],
  };
}

const query = dashboard(COMPONENTS.query, 'query.json', 'thanos-ts-query', [
  { title: 'Instant Query API', panels: httpPanels(JOB, 'query', '/query') },
  { title: 'Range Query API', panels: httpPanels(JOB, 'query_range', '/query_range') },
  { title: 'gRPC (Unary)', panels: grpcPanels('client', JOB, 'unary', 'sent to stores') },
  { title: 'gRPC (Stream)', panels: grpcPanels('client', JOB, 'server_stream', 'sent to stores') },
  {
    title: 'DNS',
    panels: [
      {
        title: 'Rate', unit: 'short', description: 'Shows rate of DNS lookups to discover stores.',
        targets: [{ expr: `sum by (job) (rate(thanos_query_store_apis_dns_lookups_total{${JOB}}[$interval]))`, legend: 'lookups {{job}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of failures compared to the total number of executed DNS lookups.',
        targets: [{ expr: ratio('thanos_query_store_apis_dns_failures_total', 'thanos_query_store_apis_dns_lookups_total', JOB), legend: 'error {{job}}' }],
      },
    ],
  },
  {
    title: 'Query Concurrency',
    panels: [{
      title: 'Concurrent Capacity', unit: 'short', description: 'Shows available capacity of processing queries in parallel.',
      targets: [{
        expr: `max_over_time(thanos_query_concurrent_gate_queries_max{${JOB}}[$__rate_interval]) - avg_over_time(thanos_query_concurrent_gate_queries_in_flight{${JOB}}[$__rate_interval])`,
        legend: '{{job}} {{instance}}',
      }],
    }],
  },
]);

const queryFrontend = dashboard(COMPONENTS.queryFrontend, 'query-frontend.json', 'thanos-ts-query-frontend', [
  {
    title: 'Query Frontend API',
    panels: [
      ...httpPanels(JOB, 'query-frontend', 'Query Frontend').slice(0, 1).map((p) => ({ ...p, title: 'Rate of requests' })),
      {
        title: 'Rate of queries', unit: 'short', stack: true, description: 'Shows rate of queries passing through Query Frontend.',
        targets: [{ expr: `sum by (job, handler, code) (rate(thanos_query_frontend_queries_total{${JOB}, op="query_range"}[$interval]))`, legend: '{{job}} {{handler}} {{code}}' }],
      },
      ...httpPanels(JOB, 'query-frontend', 'Query Frontend').slice(1),
    ],
  },
  {
    title: 'Cache Operations',
    panels: [
      {
        title: 'Requests', unit: 'short', stack: true, description: 'Shows rate of cache requests.',
        targets: [{ expr: `sum by (job, tripperware) (rate(cortex_cache_request_duration_seconds_count{${JOB}}[$__rate_interval]))`, legend: '{{job}} {{tripperware}}' }],
      },
      {
        title: 'Querier cache gets vs misses', unit: 'short', stack: true, description: 'Shows rate of querier cache gets vs misses.',
        targets: [
          { expr: `sum by (job, tripperware) (rate(querier_cache_gets_total{${JOB}}[$__rate_interval]))`, legend: 'Cache gets - {{job}} {{tripperware}}' },
          { expr: `sum by (job, tripperware) (rate(querier_cache_misses_total{${JOB}}[$__rate_interval]))`, legend: 'Cache misses - {{job}} {{tripperware}}' },
        ],
      },
      {
        title: 'Cortex fetched keys', unit: 'short', stack: true, description: 'Shows rate of fetched cache keys.',
        targets: [{ expr: `sum by (job, tripperware) (rate(cortex_cache_fetched_keys_total{${JOB}}[$__rate_interval]))`, legend: '{{job}} {{tripperware}}' }],
      },
      {
        title: 'Cortex cache hits', unit: 'short', stack: true, description: 'Shows rate of cache hits.',
        targets: [{ expr: `sum by (job, tripperware) (rate(cortex_cache_hits_total{${JOB}}[$__rate_interval]))`, legend: '{{job}} {{tripperware}}' }],
      },
    ],
  },
]);

const store = dashboard(COMPONENTS.store, 'store.json', 'thanos-ts-store', [
  { title: 'gRPC (Unary)', panels: grpcPanels('server', JOB, 'unary', 'from queriers') },
  { title: 'gRPC (Stream)', panels: grpcPanels('server', JOB, 'server_stream', 'from queriers') },
  bucketOperationsRow(true),
  {
    title: 'Block Operations',
    panels: [
      {
        title: 'Block Load Rate', unit: 'short', stack: true, description: 'Shows rate of block loads from the bucket.',
        targets: [{ expr: `sum by (job) (rate(thanos_bucket_store_block_loads_total{${JOB}}[$__rate_interval]))`, legend: 'block loads {{job}}' }],
      },
      {
        title: 'Block Load Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of block loads from the bucket.',
        targets: [{ expr: ratio('thanos_bucket_store_block_load_failures_total', 'thanos_bucket_store_block_loads_total', JOB), legend: 'error {{job}}' }],
      },
      {
        title: 'Block Drop Rate', unit: 'short', stack: true, description: 'Shows rate of block drops.',
        targets: [{ expr: `sum by (job, operation) (rate(thanos_bucket_store_block_drops_total{${JOB}}[$__rate_interval]))`, legend: 'block drops {{job}}' }],
      },
      {
        title: 'Block Drop Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of block drops.',
        targets: [{ expr: ratio('thanos_bucket_store_block_drop_failures_total', 'thanos_bucket_store_block_drops_total', JOB), legend: 'error {{job}}' }],
      },
    ],
  },
  {
    title: 'Cache Operations',
    panels: ([
      ['Requests', 'thanos_store_index_cache_requests_total', 'Shows rate of cache requests.'],
      ['Hits', 'thanos_store_index_cache_hits_total', 'Shows rate of cache hits.'],
      ['Added', 'thanos_store_index_cache_items_added_total', 'Shows rate of items added to the cache.'],
      ['Evicted', 'thanos_store_index_cache_items_evicted_total', 'Shows rate of items evicted from the cache.'],
    ] as const).map(([title, metric, description]) => ({
      title, unit: 'short', stack: true, description,
      targets: [{ expr: `sum by (job, item_type) (rate(${metric}{${JOB}}[$__rate_interval]))`, legend: '{{job}} {{item_type}}' }],
    })),
  },
  {
    title: 'Store Sent',
    panels: [{
      title: 'Chunk Size', unit: 'bytes', description: 'Shows size of chunks that have sent to the bucket.',
      targets: distribution('thanos_bucket_store_sent_chunk_size_bytes', '', 'bytes', 'job').targets,
    }],
  },
  {
    title: 'Series Operations',
    panels: [
      distribution('thanos_bucket_store_series_blocks_queried', 'Block queried', 'short', 'job'),
      distribution('thanos_bucket_store_series_data_fetched', 'Data Fetched', 'short', 'job, data_type', 'Shows the number of items of each data type fetched.'),
      distribution('thanos_bucket_store_series_data_touched', 'Data Touched', 'short', 'job, data_type', 'Shows the number of items of each data type touched.'),
      distribution('thanos_bucket_store_series_result_series', 'Result series', 'short', 'job'),
    ],
  },
  {
    title: 'Series Operation Durations',
    panels: [
      { title: 'Get All', unit: 's', description: 'Shows how long has it taken to get all series.', targets: quantiles('thanos_bucket_store_series_get_all_duration_seconds', JOB) },
      { title: 'Merge', unit: 's', description: 'Shows how long has it taken to merge series.', targets: quantiles('thanos_bucket_store_series_merge_duration_seconds', JOB) },
      { title: 'Gate', unit: 's', description: 'Shows how long has it taken for a series to wait at the gate.', targets: quantiles('thanos_bucket_store_series_gate_duration_seconds', JOB) },
    ],
  },
]);

const sidecar = dashboard(COMPONENTS.sidecar, 'sidecar.json', 'thanos-ts-sidecar', [
  { title: 'gRPC (Unary)', panels: grpcPanels('server', JOB, 'unary', 'from queriers') },
  { title: 'gRPC (Stream)', panels: grpcPanels('server', JOB, 'server_stream', 'from queriers') },
  lastUploadRow(),
  bucketOperationsRow(false),
]);

const compact = dashboard(COMPONENTS.compact, 'compact.json', 'thanos-ts-compact', [
  {
    title: 'Group Compaction',
    panels: [
      {
        title: 'Rate', unit: 'short', stack: true, description: 'Shows rate of execution for compactions against blocks that are stored in the bucket by compaction resolution.',
        targets: [{ expr: `sum by (job, resolution) (rate(thanos_compact_group_compactions_total{${JOB}}[$__rate_interval]))`, legend: 'compaction {{job}} {{resolution}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed compactions against blocks that are stored in the bucket.',
        targets: [{ expr: ratio('thanos_compact_group_compactions_failures_total', 'thanos_compact_group_compactions_total', JOB), legend: 'error {{job}}' }],
      },
    ],
  },
  {
    title: 'Downsample',
    panels: [
      {
        title: 'Rate', unit: 'short', stack: true, description: 'Shows rate of execution for downsampling against blocks that are stored in the bucket by compaction resolution.',
        targets: [{ expr: `sum by (job, resolution) (rate(thanos_compact_downsample_total{${JOB}}[$__rate_interval]))`, legend: 'downsample {{job}} {{resolution}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed downsampling against blocks that are stored in the bucket.',
        targets: [{ expr: ratio('thanos_compact_downsample_failed_total', 'thanos_compact_downsample_total', JOB), legend: 'error {{job}}' }],
      },
    ],
  },
  {
    title: 'Garbage Collection',
    panels: [
      {
        title: 'Rate', unit: 'short', stack: true, description: 'Shows rate of execution for removals of blocks if their data is available as part of a block with a higher compaction level.',
        targets: [{ expr: `sum by (job) (rate(thanos_compact_garbage_collection_total{${JOB}}[$__rate_interval]))`, legend: 'garbage collection {{job}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed garbage collections.',
        targets: [{ expr: ratio('thanos_compact_garbage_collection_failures_total', 'thanos_compact_garbage_collection_total', JOB), legend: 'error {{job}}' }],
      },
      { title: 'Duration', unit: 's', description: 'Shows how long has it taken to execute garbage collection, in quantiles.', targets: quantiles('thanos_compact_garbage_collection_duration_seconds', JOB) },
    ],
  },
  {
    title: 'Blocks deletion',
    panels: [
      {
        title: 'Deletion Rate', unit: 'short', stack: true, description: 'Shows deletion rate of blocks already marked for deletion.',
        targets: [{ expr: `sum by (job) (rate(thanos_compact_blocks_cleaned_total{${JOB}}[$__rate_interval]))`, legend: 'Blocks cleanup {{job}}' }],
      },
      {
        title: 'Deletion Error Rate', unit: 'short', description: 'Shows deletion failures rate of blocks already marked for deletion.',
        targets: [{ expr: `sum by (job) (rate(thanos_compact_block_cleanup_failures_total{${JOB}}[$__rate_interval]))`, legend: 'Blocks cleanup failures {{job}}' }],
      },
      {
        title: 'Marking Rate', unit: 'short', description: 'Shows rate at which blocks are marked for deletion (from GC and retention policy).',
        targets: [{ expr: `sum by (job) (rate(thanos_compact_blocks_marked_for_deletion_total{${JOB}}[$__rate_interval]))`, legend: 'Blocks marked {{job}}' }],
      },
    ],
  },
  {
    title: 'Sync Meta',
    panels: [
      {
        title: 'Rate', unit: 'short', stack: true, description: 'Shows rate of execution for all meta files from blocks in the bucket into the memory.',
        targets: [{ expr: `sum by (job) (rate(thanos_blocks_meta_syncs_total{${JOB}}[$__rate_interval]))`, legend: 'sync {{job}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed meta file sync.',
        targets: [{ expr: ratio('thanos_blocks_meta_sync_failures_total', 'thanos_blocks_meta_syncs_total', JOB), legend: 'error {{job}}' }],
      },
      { title: 'Duration', unit: 's', description: 'Shows how long has it taken to execute meta file sync, in quantiles.', targets: quantiles('thanos_blocks_meta_sync_duration_seconds', JOB) },
    ],
  },
  { ...bucketOperationsRow(false), title: 'Object Store Operations' },
]);

const TENANT = 'tenant=~"$tenant"';
const receive = dashboard(COMPONENTS.receive, 'receive.json', 'thanos-ts-receive', [
  { title: 'WRITE - Incoming Request', panels: httpPanels(JOB, 'receive', 'the remote-write endpoint') },
  {
    title: 'WRITE - Incoming Request (tenant focus)',
    panels: [
      {
        title: 'Rate of write requests (by tenant and code)', unit: 'short',
        targets: [{ expr: `sum by (tenant, code) (rate(http_requests_total{${sel(JOB, TENANT, 'handler="receive"')}}[$__rate_interval]))`, legend: '{{code}} - {{tenant}}' }],
      },
      {
        title: 'Number of errors (by tenant and code)', unit: 'short',
        targets: [{ expr: `sum by (tenant, code) (rate(http_requests_total{${sel(JOB, TENANT, 'handler="receive"', 'code!~"2.."')}}[$__rate_interval]))`, legend: '{{code}} - {{tenant}}' }],
      },
      {
        title: 'Average request duration (by tenant)', unit: 's',
        targets: [{
          expr: `sum by (job, tenant) (rate(http_request_duration_seconds_sum{${sel(JOB, TENANT, 'handler="receive"')}}[$__rate_interval])) / sum by (job, tenant) (http_request_duration_seconds_count{${sel(JOB, TENANT, 'handler="receive"')}})`,
          legend: '{{tenant}}',
        }],
      },
    ],
  },
  {
    title: 'HTTP requests (tenant focus)',
    panels: [
      ...([['successful', 'only 2XX', 'code=~"2.."'], ['failed', 'non 2XX', 'code!~"2.."']] as const).map(([what, codes, m]) => ({
        title: `Average ${what} HTTP request size (per tenant and code, ${codes})`, unit: 'bytes' as const,
        targets: [{
          expr: `sum by (job, tenant) (rate(http_request_size_bytes_sum{${sel(JOB, TENANT, 'handler="receive"', m)}}[$__rate_interval])) / sum by (job, tenant) (rate(http_request_size_bytes_count{${sel(JOB, TENANT, 'handler="receive"', m)}}[$__rate_interval]))`,
          legend: '{{tenant}}',
        }],
      })),
      {
        title: 'Inflight requests (per tenant and method)', unit: 'short',
        targets: [{ expr: `sum by (job, tenant, method) (http_inflight_requests{${sel(JOB, TENANT, 'handler="receive"')}})`, legend: '{{method}} - {{tenant}}' }],
      },
    ],
  },
  {
    title: 'Series & Samples (tenant focus)',
    panels: ([['series', 'timeseries'], ['samples', 'samples']] as const).flatMap(([what, metric]) => [
      {
        title: `Rate of ${what} received (per tenant, only 2XX)`, unit: 'short' as const,
        targets: [{ expr: `sum by (job, tenant) (rate(thanos_receive_write_${metric}_sum{${sel(JOB, TENANT, 'code=~"2.."')}}[$__rate_interval]))`, legend: '{{tenant}}' }],
      },
      {
        title: `Rate of ${what} not written (per tenant and code, non 2XX)`, unit: 'short' as const,
        targets: [{ expr: `sum by (tenant, code) (rate(thanos_receive_write_${metric}_sum{${sel(JOB, TENANT, 'code!~"2.."')}}[$__rate_interval]))`, legend: '{{code}} - {{tenant}}' }],
      },
    ]),
  },
  ...([['WRITE - Replication', 'thanos_receive_replications_total', 'replications to other receive nodes'],
    ['WRITE - Forward Request', 'thanos_receive_forward_requests_total', 'forwarded requests to other receive nodes']] as const).map(([title, metric, what]): RowSpec => ({
    title,
    panels: [
      {
        title: 'Rate', unit: 'short', description: `Shows rate of ${what}.`,
        targets: [{ expr: `sum by (job) (rate(${metric}{${JOB}}[$__rate_interval]))`, legend: 'all {{job}}' }],
      },
      {
        title: 'Errors', unit: 'percentunit', stack: true, description: `Shows ratio of errors compared to the total number of ${what}.`,
        targets: [{ expr: `sum by (job) (rate(${metric}{${JOB}, result="error"}[$interval])) / sum by (job) (rate(${metric}{${JOB}}[$interval]))`, legend: 'error {{job}}' }],
      },
    ],
  })),
  { title: 'WRITE - gRPC (Unary)', panels: grpcPanels('server', sel(JOB, 'grpc_method="RemoteWrite"'), 'unary', 'from other receivers') },
  { title: 'READ - gRPC (Unary)', panels: grpcPanels('server', sel(JOB, 'grpc_method!="RemoteWrite"'), 'unary', 'from queriers') },
  { title: 'READ - gRPC (Stream)', panels: grpcPanels('server', JOB, 'server_stream', 'from queriers') },
  lastUploadRow(),
], { variables: [{ name: 'tenant', query: 'label_values(http_requests_total{job=~"$job", tenant!=""}, tenant)' }] });

const rule = dashboard(COMPONENTS.rule, 'rule.json', 'thanos-ts-rule', [
  {
    title: 'Rule Group Evaluations',
    panels: [
      ...([['Rule Group Evaluations', 'rate', 'prometheus_rule_evaluations_total'],
        ['Rule Group Evaluations Failed', 'rate', 'prometheus_rule_evaluation_failures_total'],
        ['Rule Group Evaluations Missed', 'increase', 'prometheus_rule_group_iterations_missed_total']] as const).map(([title, fn, metric]) => ({
        title, unit: 'short' as const,
        targets: [{ expr: `sum by (job, rule_group, strategy) (${fn}(${metric}{${JOB}}[$__rate_interval]))`, legend: '{{rule_group}} {{strategy}}' }],
      })),
      {
        title: 'Rule Group Evaluations Too Slow', unit: 's',
        targets: [{
          expr: `sum by (job, rule_group) (prometheus_rule_group_last_duration_seconds{${JOB}}) > sum by (job, rule_group) (prometheus_rule_group_interval_seconds{${JOB}})`,
          legend: '{{rule_group}}',
        }],
      },
    ],
  },
  {
    title: 'Alert Sent',
    panels: [
      {
        title: 'Dropped Rate', unit: 'short', description: 'Shows rate of dropped alerts.',
        targets: [{ expr: `sum by (job, alertmanager) (rate(thanos_alert_sender_alerts_dropped_total{${JOB}}[$__rate_interval]))`, legend: '{{alertmanager}}' }],
      },
      {
        title: 'Sent Rate', unit: 'short', stack: true, description: 'Shows rate of alerts that successfully sent to alert manager.',
        targets: [{ expr: `sum by (job, alertmanager) (rate(thanos_alert_sender_alerts_sent_total{${JOB}}[$__rate_interval]))`, legend: '{{alertmanager}}' }],
      },
      {
        title: 'Sent Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of sent alerts.',
        targets: [{ expr: ratio('thanos_alert_sender_errors_total', 'thanos_alert_sender_alerts_sent_total', JOB), legend: 'error {{job}}' }],
      },
      { title: 'Sent Duration', unit: 's', description: 'Shows how long has it taken to send alerts to alert manager.', targets: quantiles('thanos_alert_sender_latency_seconds', JOB) },
    ],
  },
  {
    title: 'Alert Queue',
    panels: [
      {
        title: 'Push Rate', unit: 'short', description: 'Shows rate of queued alerts.',
        targets: [{ expr: `sum by (job) (rate(thanos_alert_queue_alerts_dropped_total{${JOB}}[$__rate_interval]))`, legend: '{{job}}' }],
      },
      {
        title: 'Drop Ratio', unit: 'percentunit', stack: true, description: 'Shows ratio of dropped alerts compared to the total number of queued alerts.',
        targets: [{ expr: ratio('thanos_alert_queue_alerts_dropped_total', 'thanos_alert_queue_alerts_pushed_total', JOB), legend: 'error {{job}}' }],
      },
    ],
  },
  { title: 'gRPC (Unary)', panels: grpcPanels('server', JOB, 'unary', 'from queriers') },
  { title: 'gRPC (Stream)', panels: grpcPanels('server', JOB, 'server_stream', 'from queriers') },
]);

const bucketReplicate = dashboard(COMPONENTS.bucketReplicate, 'bucket-replicate.json', 'thanos-ts-bucket-replicate', [
  {
    title: 'Bucket Replicate Runs',
    panels: [
      {
        title: 'Rate', unit: 'percentunit', stack: true,
        targets: [{
          expr: `sum by (job) (rate(thanos_replicate_replication_runs_total{${sel('result="error"', JOB)}}[$interval])) / sum by (job) (rate(thanos_replicate_replication_runs_total{${JOB}}[$interval]))`,
          legend: 'error {{job}}',
        }],
      },
      {
        title: 'Errors', unit: 'short', stack: true, description: 'Shows rate of errors.',
        targets: [{ expr: `sum by (job, result) (rate(thanos_replicate_replication_runs_total{${sel('result="error"', JOB)}}[$__rate_interval]))`, legend: '{{result}}' }],
      },
      {
        title: 'Duration', unit: 's', description: 'Shows how long has it taken to run a replication cycle.',
        targets: quantiles('thanos_replicate_replication_run_duration_seconds', sel('result="success"', JOB)),
      },
    ],
  },
  {
    title: 'Bucket Replication',
    panels: [{
      title: 'Metrics', unit: 'short',
      targets: [
        { expr: `sum by (job) (rate(blocks_meta_synced{${sel('state="loaded"', JOB)}}[$__rate_interval]))`, legend: 'meta loads' },
        { expr: `sum by (job) (rate(blocks_meta_synced{${sel('state="failed"', JOB)}}[$__rate_interval]))`, legend: 'partial meta reads' },
        { expr: `sum by (job) (rate(thanos_replicate_blocks_already_replicated_total{${JOB}}[$__rate_interval]))`, legend: 'already replicated blocks' },
        { expr: `sum by (job) (rate(thanos_replicate_blocks_replicated_total{${JOB}}[$__rate_interval]))`, legend: 'replicated blocks' },
        { expr: `sum by (job) (rate(thanos_replicate_objects_replicated_total{${JOB}}[$__rate_interval]))`, legend: 'replicated objects' },
      ],
    }],
  },
]);

/** Overview rows: each component's headline panels, across every job (no $job), as upstream's overview has them. */
function overviewHttpRow(title: string, mode: Mode, handler: string, what: string, titlePrefix = ''): RowSpec {
  const [rate, errors] = httpPanels('', handler, what);
  return {
    title, mode,
    panels: [
      { ...rate!, title: `${titlePrefix}Requests Rate` },
      { ...errors!, title: `${titlePrefix}Requests Errors` },
      {
        title: `${titlePrefix}Requests Latency 99th Percentile`.replace(/^Requests /, ''), unit: 's', description: 'Shows how long has it taken to handle requests.',
        targets: [{ expr: `histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket{handler="${handler}"}[$interval])))`, legend: '{{job}} P99' }],
      },
    ],
  };
}

function overviewGrpcRow(title: string, mode: Mode, selector: string, latencyTitle: string): RowSpec {
  const [rate, errors] = grpcPanels('server', selector, 'unary', 'from queriers');
  return {
    title, mode,
    panels: [
      { ...rate!, title: 'gRPC (Unary) Rate' },
      { ...errors!, title: 'gRPC (Unary) Errors' },
      {
        title: latencyTitle, unit: 's', description: 'Shows how long has it taken to handle requests from queriers.',
        targets: [{ expr: `histogram_quantile(0.99, sum by (job, le) (rate(grpc_server_handling_seconds_bucket{${sel(selector, 'grpc_type="unary"')}}[$interval])))`, legend: '{{job}} P99' }],
      },
    ],
  };
}

const overview: DashboardSpec = {
  file: 'overview.json', uid: 'thanos-ts-overview', title: `${DASHBOARD_PREFIX}Overview`, tags: DASHBOARD_TAGS,
  rows: [
    overviewHttpRow('Instant Query', 'query', 'query', '/query'),
    overviewHttpRow('Range Query', 'query', 'query_range', '/query_range'),
    // Upstream's Store and Sidecar rows read every job's gRPC server metrics; ours narrow each to its component.
    overviewGrpcRow('Store', 'store', COMPONENTS.store.selector, 'gRPC Latency 99th Percentile'),
    overviewGrpcRow('Sidecar', 'sidecar', COMPONENTS.sidecar.selector, 'gRPC (Unary) Latency 99th Percentile'),
    overviewHttpRow('Receive', 'receive', 'receive', 'the remote-write endpoint', 'Incoming '),
    {
      title: 'Rule', mode: 'rule',
      panels: [
        {
          title: 'Alert Sent Rate', unit: 'short', stack: true, description: 'Shows rate of alerts that successfully sent to alert manager.',
          targets: [{ expr: 'sum by (job, alertmanager) (rate(thanos_alert_sender_alerts_sent_total[$__rate_interval]))', legend: '{{job}} {{alertmanager}}' }],
        },
        {
          title: 'Alert Sent Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of sent alerts.',
          targets: [{ expr: ratio('thanos_alert_sender_errors_total', 'thanos_alert_sender_alerts_sent_total', ''), legend: 'error {{job}}' }],
        },
        {
          title: 'Alert Sent Duration', unit: 's', description: 'Shows how long has it taken to send alerts to alert manager.',
          targets: [{ expr: 'histogram_quantile(0.99, sum by (job, le) (rate(thanos_alert_sender_latency_seconds_bucket[$interval])))', legend: '{{job}} P99' }],
        },
      ],
    },
    {
      title: 'Compact', mode: 'compact',
      panels: [
        {
          title: 'Compaction Rate', unit: 'short', stack: true, description: 'Shows rate of execution for compactions against blocks that are stored in the bucket.',
          targets: [{ expr: 'sum by (job) (rate(thanos_compact_group_compactions_total[$__rate_interval]))', legend: 'compaction {{job}}' }],
        },
        {
          title: 'Compaction Errors', unit: 'percentunit', stack: true, description: 'Shows ratio of errors compared to the total number of executed compactions.',
          targets: [{ expr: ratio('thanos_compact_group_compactions_failures_total', 'thanos_compact_group_compactions_total', ''), legend: 'error {{job}}' }],
        },
      ],
    },
  ],
};

/** Every dashboard, with the mode each belongs to (overview rows carry their own). */
export const DASHBOARDS: readonly { readonly spec: DashboardSpec; readonly mode?: Component['mode'] }[] = [
  { spec: overview },
  { spec: query, mode: 'query' },
  { spec: queryFrontend, mode: 'query-frontend' },
  { spec: store, mode: 'store' },
  { spec: sidecar, mode: 'sidecar' },
  { spec: compact, mode: 'compact' },
  { spec: receive, mode: 'receive' },
  { spec: rule, mode: 'rule' },
  { spec: bucketReplicate, mode: 'bucket-replicate' },
];

