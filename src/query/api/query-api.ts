// The Prometheus-compatible HTTP API of the querier (upstream pkg/api/query/v1.go over Prometheus's web/api/v1):
// query, query_range, series, labels, label values, buildinfo, flags and Thanos's /stores,
// with GET and POST form bodies and the Thanos parameters dedup, partial_response, replicaLabels[], storeMatch[],
// max_source_resolution. Responses and errors have Prometheus's JSON shapes, status codes and texts.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import { deadline, type Deadline } from '../../runtime/async.js';
import { AbortError } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import { buildInfo } from '../../runtime/version.js';
import type { EngineOptions } from '../../promql/engine.js';
import type { Expr } from '../../promql/parser/ast.js';
import type { SelectHints } from '../../promql/queryable.js';
import { parseExpr } from '../../promql/parser/parse.js';
import { Gate, GateMetrics } from '../../store/gate.js';
import { withSeriesLimits, type SeriesLimits } from '../../store/limited-store.js';
import { ProxyStore, type StoreTarget } from '../../store/proxy.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest, type StoreAPI } from '../../store/store-api.js';
import { compareLabels, withoutLabels, type Labels } from '../../tsdb/labels/labels.js';
import { matchesAll, type Matcher } from '../../tsdb/labels/matcher.js';
import type { DedupAlgorithm } from '../dedup.js';
import type { EndpointStatus } from '../endpoint-set.js';
import { EvalPool } from '../eval-pool/pool.js';
import { evaluateInline, inlineCandidate } from '../eval-pool/inline.js';
import type { SelectSource } from '../eval-pool/pool.js';
import type { EvalJob } from '../eval-pool/protocol.js';
import { aggregatesForFunc, maxResolutionForSelector } from '../downsampled.js';
import { fetchSeries, type FetchedSeries, type QueryOptions } from '../queryable.js';
import { SharedSelects } from '../shared-selects.js';
import { bindToActiveSpan, withSpan } from '../../runtime/tracing/spans.js';
import { labelsJson } from './json.js';
import { replyApi } from './serve.js';
import {
  BadDataError, MAX_TIME_MS, MIN_TIME_MS, Params, boolParam, invalidParam, parseDuration, parseForm, parseTime, timeParam,
} from './params.js';

export interface QueryApiOptions {
  /** The stores a request may use (the endpoint set's healthy targets). */
  readonly targets: () => readonly StoreTarget[];
  readonly engineOptions: EngineOptions;
  /** --query.replica-label. */
  readonly replicaLabels: readonly string[];
  readonly algorithm: DedupAlgorithm;
  /** --query.partial-response: the default of partial_response=. */
  readonly partialResponse: boolean;
  /** --query.max-concurrent: queries evaluating at once, each on its own worker thread. */
  readonly maxConcurrent: number;
  /** Start the warm evaluation workers when the routes are registered, not on the first queries. */
  readonly prestartWorkers?: boolean;
  /** Small instant queries evaluated on the main thread (eval-pool/inline.ts); default true, false sends all to workers. */
  readonly inlineSmallQueries?: boolean;
  /** --query.max-concurrent-select: store calls one request runs at once. */
  readonly maxConcurrentSelect?: number;
  /** --store.limits.request-series/-samples: every Series call a request makes (as upstream's limited proxy). */
  readonly seriesLimits?: SeriesLimits;
  /** --query.auto-downsampling: max_source_resolution defaults to step/5 for range queries. */
  readonly autoDownsampling?: boolean;
  /** --query.metadata.default-time-range: the range of series/labels requests without start/end (0 = all). */
  readonly metadataDefaultRangeMs?: number;
  /** --query.default-step, used when a range query has no step. */
  readonly defaultStepMs: number;
  /**
   * --query.shared-selects-window and --query.shared-selects-max-bytes: instant queries at the same evaluation time
   * share their store selects for this long (0 = never); see shared-selects.ts.
   */
  readonly sharedSelects?: { readonly windowMs: number; readonly maxBytes: number };
  /** /api/v1/status/flags. */
  readonly flags: Readonly<Record<string, string>>;
  readonly endpointStatuses: () => Record<string, EndpointStatus[]>;
  readonly logger?: Logger;
  /** Where the concurrent-query gate's metrics go (thanos_query_concurrent_gate_queries_*). */
  readonly registry?: Registry;
  readonly now?: () => number;
}

/** Prometheus's cap on points per series of a range query. */
const MAX_POINTS = 11_000;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Handler = (p: Params, signal: AbortSignal, req: FastifyRequest) => Promise<{ data: string; warnings?: readonly string[]; infos?: readonly string[] }>;

export class QueryApi {
  private readonly gate: Gate;
  private readonly pool: EvalPool;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly shared: SharedSelects;

  constructor(private readonly opts: QueryApiOptions) {
    this.gate = new Gate(opts.maxConcurrent, opts.registry
      ? new GateMetrics(opts.registry, 'thanos_query_concurrent_', 'queries', opts.maxConcurrent)
      : undefined);
    this.logger = opts.logger ?? nopLogger;
    this.pool = new EvalPool({ maxWorkers: opts.maxConcurrent, logger: this.logger });
    this.now = opts.now ?? Date.now;
    const counter = opts.registry && opts.sharedSelects && opts.sharedSelects.windowMs > 0 ? new Counter({
      name: 'thanos_query_shared_selects_total',
      help: 'Store selects of instant queries by how they were answered: miss (fetched), joined (a fetch in flight), hit (a finished fetch), filtered (a finished fetch with fewer matchers).',
      labelNames: ['result'] as const,
      registers: [opts.registry],
    }) : undefined;
    this.shared = new SharedSelects({ windowMs: opts.sharedSelects?.windowMs ?? 0, maxBytes: opts.sharedSelects?.maxBytes ?? 0, now: this.now, ...(counter ? { counter } : {}) });
  }

  /** Registers every route under `prefix` (--web.route-prefix, '' or '/path'). */
  register(app: FastifyInstance, prefix = ''): void {
    const base = normalizePrefix(prefix) + '/api/v1';
    if (this.opts.prestartWorkers) this.pool.prestart();
    app.addHook('onClose', async () => this.pool.close());
    if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    }
    const both = (path: string, h: Handler): void => {
      app.get(base + path, (req, reply) => this.serve(req, reply, h));
      app.post(base + path, (req, reply) => this.serve(req, reply, h));
    };
    both('/query', (p, s) => this.query(p, s));
    both('/query_range', (p, s) => this.queryRange(p, s));
    both('/series', (p, s) => this.series(p, s));
    both('/labels', (p, s) => this.labelNames(p, s));
    app.get(base + '/label/:name/values', (req, reply) => this.serve(req, reply, (p, s, r) => this.labelValues(p, s, (r.params as { name: string }).name)));
    app.get(base + '/status/buildinfo', (req, reply) => this.serve(req, reply, async () => {
      const b = buildInfo();
      return { data: JSON.stringify({ version: b.version, revision: b.revision, branch: b.branch, buildUser: b.buildUser, buildDate: b.buildDate, goVersion: b.goVersion }) };
    }));
    app.get(base + '/status/flags', (req, reply) => this.serve(req, reply, async () => ({ data: JSON.stringify(this.opts.flags) })));
    // /metadata, /query_exemplars, /rules, /alerts, /targets and the other status pages: component-api.ts, status-api.ts.
    app.get(base + '/stores', (req, reply) => this.serve(req, reply, async () => ({ data: JSON.stringify(this.opts.endpointStatuses()) })));
  }

  private async serve(req: FastifyRequest, reply: FastifyReply, h: Handler): Promise<FastifyReply> {
    const url = new URL(req.url, 'http://x');
    const q = req.url.indexOf('?');
    const query = parseForm(q < 0 ? '' : req.url.slice(q + 1));
    const body = typeof req.body === 'string' ? parseForm(req.body) : undefined;
    return replyApi(reply, this.logger, url.pathname, (signal) => h(new Params(query, body), signal, req));
  }

  /** Everything a request says about stores and dedup, validated. */
  private requestScope(p: Params, warnings: Set<string>, stepMs = 0): { proxy: StoreAPI; queryOptions: QueryOptions; replicaLabels: string[]; dedup: boolean; partial: boolean } {
    const dedup = boolParam(p, 'dedup', true);
    const partial = boolParam(p, 'partial_response', this.opts.partialResponse);
    const replicaLabels = p.has('replicaLabels[]') ? p.all('replicaLabels[]').filter((l) => l !== '') : [...this.opts.replicaLabels];
    // --query.auto-downsampling (or max_source_resolution=auto): data at most a fifth of the step coarse is fine.
    let maxSourceResolutionMs = this.opts.autoDownsampling ? Math.floor(stepMs / 5) : 0;
    const msr = p.get('max_source_resolution');
    if (msr === 'auto') maxSourceResolutionMs = Math.floor(stepMs / 5);
    else if (msr !== '') {
      try {
        maxSourceResolutionMs = parseDuration(msr);
      } catch (err) {
        throw invalidParam('max_source_resolution', err);
      }
      if (maxSourceResolutionMs < 0) throw new BadDataError('negative max_source_resolution is not accepted. Try a positive integer');
    }
    const storeMatch = p.all('storeMatch[]').map((s) => selectorMatchers(s, 'storeMatch[]'));
    const targets = storeMatch.length === 0
      ? this.opts.targets
      : (): readonly StoreTarget[] => this.opts.targets().filter((t) => storeMatch.some((ms) => matchesAll(ms, [{ name: '__address__', value: t.name }])));
    const proxy = withSeriesLimits(new ProxyStore(targets, { logger: this.logger, maxConcurrency: this.opts.maxConcurrentSelect ?? 0 }), this.opts.seriesLimits);
    const queryOptions: QueryOptions = {
      replicaLabels, dedup, algorithm: this.opts.algorithm, partialResponse: partial, maxSourceResolutionMs, warnings,
    };
    return { proxy, queryOptions, replicaLabels, dedup, partial };
  }

  /**
   * The engine settings of a request: lookback_delta= overrides --query.lookback-delta; without it, a request allowed
   * data coarser than the lookback reads with a lookback of that resolution (upstream's dynamic lookback delta, on
   * by default: with the 5m default, max_source_resolution above 5m means 1h), so 1h data has no gaps.
   */
  private engineFor(p: Params, maxSourceResolutionMs = 0): EngineOptions {
    if (!p.has('lookback_delta') || p.get('lookback_delta') === '') {
      const ld = this.opts.engineOptions.lookbackDeltaMs ?? DEFAULT_LOOKBACK_MS;
      const dynamic = dynamicLookbackDelta(ld, maxSourceResolutionMs);
      return dynamic === ld ? this.opts.engineOptions : { ...this.opts.engineOptions, lookbackDeltaMs: dynamic };
    }
    let ms: number;
    try {
      ms = parseDuration(p.get('lookback_delta'));
    } catch (err) {
      throw invalidParam('lookback_delta', err);
    }
    return { ...this.opts.engineOptions, lookbackDeltaMs: ms };
  }

  /** start/end of series and label requests; absent, the last --query.metadata.default-time-range (0 = all time). */
  private metadataRange(p: Params): { start: number; end: number } {
    const range = this.opts.metadataDefaultRangeMs ?? 0;
    const now = this.now();
    return {
      start: timeParam(p, 'start', range > 0 ? now - range : MIN_TIME_MS),
      end: timeParam(p, 'end', range > 0 ? now : MAX_TIME_MS),
    };
  }

  /** The caller's signal joined with --query.timeout and the request's `timeout=` (whichever is shorter). */
  private withTimeout(p: Params, signal: AbortSignal): Deadline {
    let ms = this.opts.engineOptions.timeoutMs ?? 120_000;
    if (p.get('timeout') !== '') {
      try {
        ms = Math.min(ms, Math.max(parseDuration(p.get('timeout')), 0));
      } catch (err) {
        throw invalidParam('timeout', err);
      }
    }
    return deadline(signal, ms);
  }

  /**
   * Runs an evaluation; when it fails because the signal fired, the failure is reported as Prometheus does (a
   * timeout or a cancellation), whatever layer (engine, proxy, gRPC) noticed it first.
   */
  private async evaluate<T>(sig: AbortSignal, run: () => Promise<T>): Promise<T> {
    const release = await this.gate.acquire(sig).catch((err: unknown) => {
      throw abortReason(sig) ?? err;
    });
    try {
      return await run();
    } catch (err) {
      throw abortReason(sig) ?? err;
    } finally {
      release();
    }
  }

  /**
   * An instant query for an in-process caller (standalone's rule groups), with the parameters the ruler would send
   * over HTTP (dedup=true, partial_response); answers the `data` JSON of the API's reply, or throws what the
   * API would have answered as an error (classified by classifyError).
   */
  async instantQuery(expr: string, tMs: number, partialResponse: boolean, signal?: AbortSignal): Promise<{ data: string; warnings: string[] }> {
    const p = new Params([['query', expr], ['dedup', 'true'], ['partial_response', partialResponse ? 'true' : 'false']]);
    const bounded = this.withTimeout(p, signal ?? new AbortController().signal);
    try {
      const r = await this.runQuery(p, bounded.signal, tMs, tMs, 0);
      return { data: r.data, warnings: r.warnings };
    } finally {
      bounded.dispose();
    }
  }

  private async query(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: string[]; infos: readonly string[] }> {
    const t = timeParam(p, 'time', this.now());
    const bounded = this.withTimeout(p, signal);
    try {
      return await this.runQuery(p, bounded.signal, t, t, 0);
    } finally {
      bounded.dispose();
    }
  }

  /**
   * Evaluates on a worker (parsing included: a query's size and nesting must not stall the main thread); the
   * worker's selects run here against the stores. A small instant query is evaluated here instead (inline.ts).
   */
  private async runQuery(p: Params, sig: AbortSignal, start: number, end: number, step: number): Promise<{ data: string; warnings: string[]; infos: readonly string[] }> {
    const warnings = new Set<string>();
    const { proxy, queryOptions } = this.requestScope(p, warnings, step);
    engineParam(p);
    const job: EvalJob = {
      query: p.get('query'), start, end, step, engine: this.engineFor(p, queryOptions.maxSourceResolutionMs), algorithm: this.opts.algorithm,
      dedup: queryOptions.dedup && queryOptions.replicaLabels.length > 0,
    };
    // Upstream's span names. The worker's selects come back as messages, outside the span's context: bound to it,
    // the StoreAPI calls they make join the query's trace.
    const r = await withSpan(step === 0 ? 'instant_query_exec' : 'range_query_exec', { query: job.query }, () =>
      this.evaluate(sig, async () => {
        const source: SelectSource = bindToActiveSpan(step === 0 && this.shared.enabled
          ? this.sharedSource(p, start, queryOptions, proxy)
          : (ms, hints, s) => fetchSeries(proxy, queryOptions, ms, hints, s));
        const expr = this.opts.inlineSmallQueries === false ? undefined : inlineCandidate(job);
        return (expr && await evaluateInline(job, expr, source, sig)) || this.pool.run(job, source, sig);
      }));
    return { data: r.data, warnings: [...warnings, ...r.warnings], infos: r.infos };
  }

  /**
   * The selects of an instant query at `t`, shared with other instant queries at `t` whose store-facing parameters
   * are the same (the storeMatch[] text included: the endpoint set may differ by request otherwise).
   */
  private sharedSource(p: Params, t: number, o: QueryOptions, proxy: StoreAPI): SelectSource {
    const scope = JSON.stringify([t, o.dedup, o.replicaLabels, o.partialResponse, o.maxSourceResolutionMs, p.all('storeMatch[]')]);
    const fetch = (ms: readonly Matcher[], hints: SelectHints, warnings: Set<string>, s: AbortSignal): Promise<FetchedSeries[]> =>
      fetchSeries(proxy, { ...o, warnings }, ms, hints, s);
    // What fetchSeries derives from a select's hints for the stores: the resolution and aggregates of downsampled
    // data. Raw data only (max_source_resolution 0, the default) is the same whatever function reads it.
    const variant = o.maxSourceResolutionMs === 0 ? undefined : (hints: SelectHints): string =>
      `${maxResolutionForSelector(o.maxSourceResolutionMs, hints.range, hints.func)}/${aggregatesForFunc(hints.func).join(',')}`;
    return this.shared.source(scope, fetch, o.warnings, { ...(variant ? { variant } : {}), strippedLabels: o.dedup ? o.replicaLabels : [] });
  }

  private async queryRange(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: string[]; infos: readonly string[] }> {
    const start = parseOr(p, 'start', parseTime);
    const end = parseOr(p, 'end', parseTime);
    if (end < start) throw new BadDataError('end timestamp must not be before start time');
    // Thanos: without step, a step giving at most 250 points, but not below --query.default-step.
    const step = p.get('step') === '' ? Math.max(Math.floor((end - start) / 250), this.opts.defaultStepMs) : parseOr(p, 'step', parseDuration);
    if (step <= 0) throw new BadDataError('zero or negative query resolution step widths are not accepted. Try a positive integer');
    if ((end - start) / step > MAX_POINTS) {
      throw new BadDataError('exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
    }
    const bounded = this.withTimeout(p, signal);
    try {
      return await this.runQuery(p, bounded.signal, start, end, step);
    } finally {
      bounded.dispose();
    }
  }

  private async series(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: string[] }> {
    const matches = p.all('match[]');
    if (matches.length === 0) throw new BadDataError('no match[] parameter provided');
    const { start, end } = this.metadataRange(p);
    const sets = matches.map((m) => selectorMatchers(m, 'match[]'));
    const limit = intParam(p, 'limit');
    const warnings = new Set<string>();
    const { proxy, replicaLabels, dedup, partial } = this.requestScope(p, warnings);
    const strip = new Set(dedup ? replicaLabels : []);
    const found = new Map<string, Labels>();
    for (const matchers of sets) {
      const req = seriesRequest({
        minTime: start, maxTime: end, matchers, skipChunks: true, withoutReplicaLabels: [...strip],
        partialResponseDisabled: !partial, partialResponseStrategy: partial ? 'WARN' : 'ABORT',
      });
      for await (const f of proxy.series(req, signal)) {
        if (f.type === 'warning') warnings.add(f.warning);
        else if (f.type === 'series') {
          const ls = strip.size ? withoutLabels(f.series.labels, strip) : f.series.labels;
          found.set(labelsJson(ls), ls);
        }
      }
    }
    let all = [...found.values()].sort(compareLabels);
    if (limit > 0 && all.length > limit) {
      all = all.slice(0, limit);
      warnings.add('results truncated due to limit');
    }
    return { data: `[${all.map(labelsJson).join(',')}]`, warnings: [...warnings] };
  }

  private async labelNames(p: Params, signal: AbortSignal): Promise<{ data: string; warnings: string[] }> {
    const { start, end } = this.metadataRange(p);
    const { sets, limit } = metadataParams(p);
    const warnings = new Set<string>();
    const { proxy, replicaLabels, dedup, partial } = this.requestScope(p, warnings);
    const strip = new Set(dedup ? replicaLabels : []);
    const names = new Set<string>();
    for (const matchers of sets.length ? sets : [[]]) {
      const r = await proxy.labelNames(labelNamesRequest({
        start, end, matchers, withoutReplicaLabels: [...strip], partialResponseDisabled: !partial,
        partialResponseStrategy: partial ? 'WARN' : 'ABORT',
      }), signal);
      for (const n of r.names) if (!strip.has(n)) names.add(n);
      for (const w of r.warnings) warnings.add(w);
    }
    return { data: JSON.stringify(limited([...names].sort(), limit, warnings)), warnings: [...warnings] };
  }

  private async labelValues(p: Params, signal: AbortSignal, name: string): Promise<{ data: string; warnings: string[] }> {
    if (!LABEL_NAME_RE.test(name)) throw new BadDataError(`invalid label name: ${JSON.stringify(name)}`);
    const { start, end } = this.metadataRange(p);
    const { sets, limit } = metadataParams(p);
    const warnings = new Set<string>();
    const { proxy, replicaLabels, dedup, partial } = this.requestScope(p, warnings);
    const values = new Set<string>();
    for (const matchers of sets.length ? sets : [[]]) {
      const r = await proxy.labelValues(labelValuesRequest(name, {
        start, end, matchers, withoutReplicaLabels: dedup ? [...replicaLabels] : [], partialResponseDisabled: !partial,
        partialResponseStrategy: partial ? 'WARN' : 'ABORT',
      }), signal);
      for (const v of r.values) values.add(v);
      for (const w of r.warnings) warnings.add(w);
    }
    return { data: JSON.stringify(limited([...values].sort(), limit, warnings)), warnings: [...warnings] };
  }
}

/** Thanos's engine= parameter: either engine's answers follow Prometheus's semantics, which ours implements. */
function engineParam(p: Params): void {
  const e = p.get('engine');
  if (e !== '' && e !== 'prometheus' && e !== 'thanos') throw new BadDataError(`'${e}' bad engine`);
}

/** The error Prometheus reports when `sig` fired: its deadline passed, or the request was cancelled. */
function abortReason(sig: AbortSignal): AbortError | undefined {
  if (!sig.aborted) return undefined;
  const r: unknown = sig.reason;
  if (r instanceof Error && r.name === 'TimeoutError') return new AbortError('query timed out in expression evaluation', { cause: r });
  return new AbortError('query was canceled in expression evaluation', { cause: r });
}

function normalizePrefix(prefix: string): string {
  let p = prefix.trim();
  if (p === '' || p === '/') return '';
  if (!p.startsWith('/')) p = '/' + p;
  return p.replace(/\/+$/, '');
}

function parseOr(p: Params, name: string, parse: (s: string) => number): number {
  try {
    return parse(p.get(name));
  } catch (err) {
    throw invalidParam(name, err);
  }
}

function intParam(p: Params, name: string): number {
  const v = p.get(name);
  if (v === '') return 0;
  if (!/^-?\d+$/.test(v)) throw invalidParam(name, new Error(`cannot parse ${JSON.stringify(v)} to a valid integer`));
  return Math.max(Number(v), 0);
}

function limited(values: string[], limit: number, warnings: Set<string>): string[] {
  if (limit > 0 && values.length > limit) {
    warnings.add('results truncated due to limit');
    return values.slice(0, limit);
  }
  return values;
}

function metadataParams(p: Params): { sets: Matcher[][]; limit: number } {
  return {
    sets: p.all('match[]').map((m) => selectorMatchers(m, 'match[]')),
    limit: intParam(p, 'limit'),
  };
}

/** A series selector's matchers (Prometheus parseMatchersParam), rejecting selectors that match everything. */
export function selectorMatchers(s: string, param: string): Matcher[] {
  let e: Expr;
  try {
    e = parseExpr(s);
  } catch (err) {
    throw invalidParam(param, err);
  }
  if (e.type !== 'VectorSelector') throw invalidParam(param, new Error(`1:1: parse error: unexpected expression, expected a series selector`));
  const matchers = [...e.matchers];
  if (!matchers.some((m) => !m.matches(''))) throw invalidParam(param, new Error('match[] must contain at least one non-empty matcher'));
  return matchers;
}

/** Prometheus's default lookback delta. */
const DEFAULT_LOOKBACK_MS = 5 * 60_000;

/** upstream LookbackDeltaFactory with dynamic lookback: the lookback for data up to `msr` coarse. */
export function dynamicLookbackDelta(lookbackMs: number, msr: number): number {
  const resolutions = [0, 5 * 60_000, 60 * 60_000];
  const lds: number[] = [];
  let cur = lookbackMs;
  for (const r of resolutions) { if (lookbackMs < r) cur = r; lds.push(cur); }
  for (let i = resolutions.length - 1; i >= 1; i--) if (Math.max(resolutions[i - 1]!, lookbackMs) < msr) return lds[i]!;
  return lds[0]!;
}
