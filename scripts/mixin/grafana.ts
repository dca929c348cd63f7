// A small builder for Grafana dashboard JSON (schema 39: row panels and gridPos, timeseries and table panels), with
// the panel shapes the Thanos dashboards repeat: request rate by code, error ratio, latency quantiles.
import type { Mode } from './config.js';

export type Unit = 'short' | 'percentunit' | 's' | 'bytes';

export interface Target {
  readonly expr: string;
  readonly legend: string;
}

export interface PanelSpec {
  readonly title: string;
  readonly description?: string;
  readonly kind?: 'timeseries' | 'table';
  readonly unit: Unit;
  readonly stack?: boolean;
  readonly targets: readonly Target[];
}

export interface RowSpec {
  readonly title: string;
  /** The mode whose deployment must make every panel of this row return data (default: the dashboard's). */
  readonly mode?: Mode;
  readonly panels: readonly PanelSpec[];
}

export interface DashboardSpec {
  /** File name under examples/mixin/dashboards/. */
  readonly file: string;
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  /** The scrape-job selector behind the $job variable; without it the dashboard has no $job. */
  readonly jobSelector?: string;
  /** Extra query variables, e.g. receive's $tenant. */
  readonly variables?: readonly { readonly name: string; readonly query: string }[];
  readonly rows: readonly RowSpec[];
}

type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const PANEL_HEIGHT = 7;
const GRID_WIDTH = 24;

/** gRPC codes the dashboards' error panels count as failures (upstream's list). */
export const GRPC_ERROR_CODES = 'Unknown|ResourceExhausted|Internal|Unavailable|DataLoss';

/** The dashboard as Grafana imports it. */
export function renderDashboard(d: DashboardSpec): Json {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({ type: 'row', id: id++, title: row.title, collapsed: false, gridPos: { h: 1, w: GRID_WIDTH, x: 0, y }, panels: [] });
    y += 1;
    const width = Math.floor(GRID_WIDTH / row.panels.length);
    row.panels.forEach((p, i) => {
      panels.push(renderPanel(p, id++, { h: PANEL_HEIGHT, w: width, x: i * width, y }));
    });
    y += PANEL_HEIGHT;
  }
  const variables: Json[] = [
    { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: { text: 'default', value: 'default' }, hide: 0 },
    {
      name: 'interval', label: 'Interval', type: 'interval', query: '5m,10m,30m,1h,6h,12h', auto: false,
      current: { text: '5m', value: '5m' }, hide: 0,
      options: ['5m', '10m', '30m', '1h', '6h', '12h'].map((v) => ({ text: v, value: v, selected: v === '5m' })),
    },
  ];
  if (d.jobSelector !== undefined) variables.push(queryVariable('job', `label_values(up{${d.jobSelector}}, job)`));
  for (const v of d.variables ?? []) variables.push(queryVariable(v.name, v.query));
  return {
    uid: d.uid,
    title: d.title,
    tags: [...d.tags],
    timezone: 'UTC',
    editable: true,
    refresh: '10s',
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    templating: { list: variables },
    panels,
  };
}

function queryVariable(name: string, query: string): Json {
  return {
    name, label: name, type: 'query', datasource: DATASOURCE, query: { query, refId: `${name}-values` }, definition: query,
    includeAll: true, multi: false, current: { text: 'All', value: '$__all' }, refresh: 1, sort: 2, hide: 0,
  };
}

function renderPanel(p: PanelSpec, id: number, gridPos: Json): Json {
  const targets = p.targets.map((t, i) => ({
    datasource: DATASOURCE, expr: t.expr, legendFormat: t.legend, refId: String.fromCharCode(65 + i),
    ...(p.kind === 'table' ? { instant: true, format: 'table' } : { range: true }),
  }));
  const base = { id, title: p.title, description: p.description ?? '', datasource: DATASOURCE, gridPos, targets };
  if (p.kind === 'table') {
    return { ...base, type: 'table', fieldConfig: { defaults: { unit: 's' }, overrides: [] }, options: { showHeader: true } };
  }
  return {
    ...base,
    type: 'timeseries',
    fieldConfig: {
      defaults: {
        unit: p.unit,
        min: 0,
        custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: p.stack ? 30 : 10, stacking: { mode: p.stack ? 'normal' : 'none' } },
      },
      overrides: [],
    },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi', sort: 'desc' } },
  };
}

/** `a, b` joined as label matchers, skipping empty parts. */
export const sel = (...parts: readonly string[]): string => parts.filter((p) => p !== '').join(', ');

/** p50/p90/p99 of a classic histogram, summed by job. */
export function quantiles(metric: string, selector: string, window = '$interval'): Target[] {
  return (['0.50', '0.90', '0.99'] as const).map((q) => ({
    expr: `histogram_quantile(${q}, sum by (job, le) (rate(${metric}_bucket{${selector}}[${window}])))`,
    legend: `p${Number(q) * 100} {{job}}`,
  }));
}

/** Requests by code, their 5xx ratio and latency quantiles for one HTTP handler. */
export function httpPanels(selector: string, handler: string, what: string): PanelSpec[] {
  const s = sel(selector, `handler="${handler}"`);
  return [
    {
      title: 'Rate', unit: 'short', stack: true, description: `Shows rate of requests against ${what}.`,
      targets: [{ expr: `sum by (job, handler, code) (rate(http_requests_total{${s}}[$interval]))`, legend: '{{job}} {{handler}} {{code}}' }],
    },
    {
      title: 'Errors', unit: 'percentunit', stack: true, description: `Shows ratio of errors compared to the total number of handled requests against ${what}.`,
      targets: [{
        expr: `sum by (job, code) (rate(http_requests_total{${sel(s, 'code=~"5.."')}}[$interval])) / ignoring (code) group_left() sum by (job) (rate(http_requests_total{${s}}[$interval]))`,
        legend: '{{job}} {{code}}',
      }],
    },
    { title: 'Duration', unit: 's', description: 'Shows how long has it taken to handle requests, in quantiles.', targets: quantiles('http_request_duration_seconds', s) },
  ];
}

/** Handled calls by method and code, their error ratio and latency quantiles, on the server or client side. */
export function grpcPanels(side: 'server' | 'client', selector: string, type: 'unary' | 'server_stream', from: string): PanelSpec[] {
  const s = sel(selector, `grpc_type="${type}"`);
  const kind = type === 'unary' ? 'Unary' : 'Streamed';
  return [
    {
      title: 'Rate', unit: 'short', stack: true, description: `Shows rate of handled ${kind} gRPC requests ${from}.`,
      targets: [{ expr: `sum by (job, grpc_method, grpc_code) (rate(grpc_${side}_handled_total{${s}}[$interval]))`, legend: '{{job}} {{grpc_method}} {{grpc_code}}' }],
    },
    {
      title: 'Errors', unit: 'percentunit', stack: true, description: `Shows ratio of errors compared to the total number of handled requests ${from}.`,
      targets: [{
        expr: `sum by (job, grpc_code) (rate(grpc_${side}_handled_total{${sel(`grpc_code=~"${GRPC_ERROR_CODES}"`, s)}}[$interval])) / ignoring (grpc_code) group_left() sum by (job) (rate(grpc_${side}_handled_total{${s}}[$interval]))`,
        legend: '{{job}} {{grpc_code}}',
      }],
    },
    {
      title: 'Duration', unit: 's', description: `Shows how long has it taken to handle requests ${from}, in quantiles.`,
      targets: quantiles(`grpc_${side}_handling_seconds`, s),
    },
  ];
}

/** failures / total of two counters, by job. */
export function ratio(failures: string, total: string, selector: string, window = '$interval'): string {
  return `sum by (job) (rate(${failures}{${selector}}[${window}])) / sum by (job) (rate(${total}{${selector}}[${window}]))`;
}

/**
 * The process's resources. Upstream's row reads Go runtime metrics (go_memstats_*, go_goroutines,
 * go_gc_duration_seconds); a Node process has none, so these are the Node/process metrics prom-client exports.
 */
export function resourcesRow(): RowSpec {
  const s = 'job=~"$job"';
  return {
    title: 'Resources',
    panels: [
      {
        title: 'Memory Used', unit: 'bytes', description: 'Resident memory, and the V8 heap used and reserved.',
        targets: [
          { expr: `process_resident_memory_bytes{${s}}`, legend: 'resident {{instance}}' },
          { expr: `nodejs_heap_size_used_bytes{${s}}`, legend: 'heap used {{instance}}' },
          { expr: `nodejs_heap_size_total_bytes{${s}}`, legend: 'heap total {{instance}}' },
          { expr: `nodejs_external_memory_bytes{${s}}`, legend: 'external {{instance}}' },
        ],
      },
      {
        title: 'Event Loop Lag', unit: 's', description: 'How late the event loop runs callbacks (Node\'s counterpart of runnable goroutines waiting).',
        targets: [
          { expr: `nodejs_eventloop_lag_p50_seconds{${s}}`, legend: 'p50 {{instance}}' },
          { expr: `nodejs_eventloop_lag_p99_seconds{${s}}`, legend: 'p99 {{instance}}' },
        ],
      },
      {
        title: 'GC Time', unit: 's', description: 'Seconds per second spent in garbage collection, by kind.',
        targets: [{ expr: `sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{${s}}[$__rate_interval]))`, legend: '{{kind}} {{instance}}' }],
      },
    ],
  };
}
