// Upstream's write limits YAML (--receive.limits-config-file / --receive.limits-config, pkg/receive/limiter_config.go):
// request size, series and samples per request, head series per tenant, global write concurrency. Parsed strictly;
// the file is re-read every second and a bad new version keeps the old limits (counted in the reload metrics).

import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Summary } from 'prom-client';
import { parseYaml } from '../runtime/yaml-fields.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';

/** One tenant's request limits; 0 = unlimited. */
export interface RequestLimits {
  readonly sizeBytes: number;
  readonly series: number;
  readonly samples: number;
}

export interface TenantLimits {
  readonly request: RequestLimits;
  /** Head series the tenant may hold before writes get 429; 0 = unlimited. */
  readonly headSeries: number;
}

export interface WriteLimits {
  /** write.global.max_concurrency: requests written at once (others wait); 0 = unlimited. */
  readonly maxConcurrency: number;
  readonly defaults: TenantLimits;
  readonly tenants: ReadonlyMap<string, TenantLimits>;
}

export const UNLIMITED: WriteLimits = {
  maxConcurrency: 0,
  defaults: { request: { sizeBytes: 0, series: 0, samples: 0 }, headSeries: 0 },
  tenants: new Map(),
};

type Obj = Record<string, unknown>;

function object(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where}: expected a mapping`);
  return v as Obj;
}

function onlyKeys(o: Obj, keys: readonly string[], where: string): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ConfigError(`${where}: field ${k} not found in type (allowed: ${keys.join(', ')})`);
}

function count(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ConfigError(`${where}: expected a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function requestLimits(v: unknown, where: string, inherit: RequestLimits): RequestLimits {
  const o = object(v, where);
  onlyKeys(o, ['size_bytes_limit', 'series_limit', 'samples_limit'], where);
  return {
    sizeBytes: count(o.size_bytes_limit, `${where}.size_bytes_limit`) ?? inherit.sizeBytes,
    series: count(o.series_limit, `${where}.series_limit`) ?? inherit.series,
    samples: count(o.samples_limit, `${where}.samples_limit`) ?? inherit.samples,
  };
}

/**
 * Parses the limits YAML. `write.global.meta_monitoring_*` are accepted for compatibility and not needed:
 * head_series_limit is checked against the tenant's own head here (upstream queries a meta-monitoring Prometheus).
 */
export function parseWriteLimits(text: string, source: string, logger?: Logger): WriteLimits {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`parse limits config ${source}: ${errorMessage(err)}`);
  }
  const root = object(doc, source);
  onlyKeys(root, ['write'], source);
  const write = object(root.write, 'write');
  onlyKeys(write, ['global', 'default', 'tenants'], 'write');
  const global = object(write.global, 'write.global');
  onlyKeys(global, ['max_concurrency', 'meta_monitoring_url', 'meta_monitoring_http_client', 'meta_monitoring_limit_query'], 'write.global');
  if (global.meta_monitoring_url !== undefined) {
    logger?.warn('write.global.meta_monitoring_url is not used: head_series_limit is checked against each tenant\'s own head', { source });
  }
  const def = object(write.default, 'write.default');
  onlyKeys(def, ['request', 'head_series_limit'], 'write.default');
  const defaults: TenantLimits = {
    request: requestLimits(def.request, 'write.default.request', UNLIMITED.defaults.request),
    headSeries: count(def.head_series_limit, 'write.default.head_series_limit') ?? 0,
  };
  const tenants = new Map<string, TenantLimits>();
  for (const [id, v] of Object.entries(object(write.tenants, 'write.tenants'))) {
    const where = `write.tenants.${id}`;
    const t = object(v, where);
    onlyKeys(t, ['request', 'head_series_limit'], where);
    tenants.set(id, {
      request: requestLimits(t.request, `${where}.request`, defaults.request),
      headSeries: count(t.head_series_limit, `${where}.head_series_limit`) ?? defaults.headSeries,
    });
  }
  return { maxConcurrency: count(global.max_concurrency, 'write.global.max_concurrency') ?? 0, defaults, tenants };
}

export function limitsFor(l: WriteLimits, tenant: string): TenantLimits {
  return l.tenants.get(tenant) ?? l.defaults;
}

export interface LimitsMetrics {
  readonly hit: Summary;
  readonly configured: Gauge;
  readonly headSeriesLimited: Counter;
  readonly reloads: Counter;
  readonly reloadErrors: Counter;
}

export function createLimitsMetrics(registry: Registry): LimitsMetrics {
  const registers = [registry];
  return {
    hit: new Summary({
      name: 'thanos_receive_write_limits_hit', help: 'Summary of how much beyond the limit a refused remote write request was.',
      labelNames: ['tenant', 'limit'], percentiles: [0.5, 0.95, 0.99], registers,
    }),
    configured: new Gauge({ name: 'thanos_receive_write_limits', help: 'The configured write limits.', labelNames: ['tenant', 'limit'], registers }),
    headSeriesLimited: new Counter({
      name: 'thanos_receive_head_series_limited_requests_total', help: 'The total number of remote write requests that have been dropped due to active series limiting.',
      labelNames: ['tenant'], registers,
    }),
    reloads: new Counter({ name: 'thanos_receive_limits_config_reload_total', help: 'How many times the limit configuration was reloaded', registers }),
    reloadErrors: new Counter({ name: 'thanos_receive_limits_config_reload_err_total', help: 'How many times the limit configuration failed to reload.', registers }),
  };
}

/** The current limits: from flag content (fixed) or a file (re-read when it changes). */
export class LimitsSource {
  private text: string;
  current: WriteLimits;

  constructor(private readonly file: string | undefined, content: string | undefined, private readonly logger: Logger, private readonly metrics?: LimitsMetrics) {
    this.text = file !== undefined ? readLimitsFile(file) : content ?? '';
    this.current = this.text.trim() === '' ? UNLIMITED : parseWriteLimits(this.text, file ?? '--receive.limits-config', logger);
    this.publish();
  }

  private publish(): void {
    const g = this.metrics?.configured;
    if (!g) return;
    g.reset();
    const set = (tenant: string, l: TenantLimits): void => {
      g.set({ tenant, limit: 'body_size' }, l.request.sizeBytes);
      g.set({ tenant, limit: 'series' }, l.request.series);
      g.set({ tenant, limit: 'samples' }, l.request.samples);
    };
    set('', this.current.defaults);
    for (const [t, l] of this.current.tenants) set(t, l);
  }

  /** Re-reads the file; a change that does not parse keeps the old limits. Returns whether limits changed. */
  reload(): boolean {
    if (this.file === undefined) return false;
    let text: string;
    try {
      text = readLimitsFile(this.file);
    } catch (err) {
      this.metrics?.reloadErrors.inc();
      this.logger.error('reading limits config failed, keeping the current limits', { file: this.file, err: errorMessage(err) });
      return false;
    }
    if (text === this.text) return false;
    this.text = text;
    this.metrics?.reloads.inc();
    try {
      this.current = text.trim() === '' ? UNLIMITED : parseWriteLimits(text, this.file, this.logger);
      this.publish();
      this.logger.info('limits config reloaded', { file: this.file });
      return true;
    } catch (err) {
      this.metrics?.reloadErrors.inc();
      this.logger.error('invalid limits config, keeping the current limits', { file: this.file, err: errorMessage(err) });
      return false;
    }
  }

  /** Re-reads every `intervalMs` until `signal` aborts. */
  async run(signal: AbortSignal, intervalMs = 1000): Promise<void> {
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, intervalMs);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (!signal.aborted) this.reload();
    }
  }
}

function readLimitsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`read limits config ${file}: ${errorMessage(err)}`);
  }
}
