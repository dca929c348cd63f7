// Instant queries against the querier's HTTP API, as upstream's ruler sends them: POST (or GET) /api/v1/query with
// query, time (RFC 3339), dedup=true and partial_response from the group's strategy; groups and their endpoints
// are tried in random order and the first success wins; every failure is logged, and "no query API server
// reachable" when all failed.

import { parseGoFloat } from '../runtime/go-float.js';
import { deadline } from '../runtime/async.js';
import { errorMessage, UnavailableError } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { sortLabels, type Labels } from '../tsdb/labels/labels.js';
import type { HttpEndpointGroup } from './http-endpoints.js';
import type { PartialResponseStrategy } from './rule-file.js';
import type { RuleSample } from './rules.js';

export interface QueryClientOptions {
  readonly method: 'GET' | 'POST';
  readonly logger?: Logger;
  /** Per request; default 2 minutes (the querier has its own --query.timeout). */
  readonly timeoutMs?: number;
  /** Hidden upstream flag --query.only-prometheus-params: send no Thanos parameters. */
  readonly onlyPrometheusParams?: boolean;
}

/** A query the querier answered with an error (bad query, ABORT with a failing store): not worth another endpoint. */
export class QueryApiError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message);
    this.name = 'QueryApiError';
  }
}

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function parseValue(v: unknown): number {
  if (typeof v !== 'string') throw new Error(`sample value ${JSON.stringify(v)} is not a string`);
  const f = parseGoFloat(v);
  if (f === undefined) throw new Error(`bad sample value ${JSON.stringify(v)}`);
  return f;
}

/** Reads a /api/v1/query answer into samples (a scalar becomes one sample without labels, as Prometheus). */
export function parseQueryResponse(body: unknown, tMs: number): { samples: RuleSample[]; warnings: string[] } {
  if (typeof body !== 'object' || body === null) throw new Error('response is not a JSON object');
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown }; warnings?: unknown; errorType?: unknown; error?: unknown };
  if (b.status !== 'success') throw new QueryApiError(typeof b.errorType === 'string' ? b.errorType : 'unknown', typeof b.error === 'string' ? b.error : 'query failed');
  const warnings = Array.isArray(b.warnings) ? b.warnings.map(String) : [];
  const type = b.data?.resultType;
  const result = b.data?.result;
  if (type === 'scalar') {
    const r = result as [number, string];
    return { samples: [{ labels: [], t: tMs, v: parseValue(r[1]) }], warnings };
  }
  if (type !== 'vector' || !Array.isArray(result)) throw new QueryApiError('bad_data', 'rule result is not a vector or scalar');
  const samples = result.map((s: { metric?: Record<string, string>; value?: [number, string]; histogram?: unknown }) => {
    if (s.histogram !== undefined) throw new QueryApiError('bad_data', 'native histogram results are not supported over the HTTP query API');
    const labels: Labels = sortLabels(Object.entries(s.metric ?? {}).map(([name, value]) => ({ name, value })));
    return { labels, t: tMs, v: parseValue(s.value?.[1]) };
  });
  return { samples, warnings };
}

export class QueryClient {
  private readonly logger: Logger;

  constructor(private readonly groups: () => readonly HttpEndpointGroup[], private readonly opts: QueryClientOptions) {
    this.logger = opts.logger ?? nopLogger;
  }

  async instantQuery(expr: string, tMs: number, strategy: PartialResponseStrategy, signal?: AbortSignal): Promise<{ samples: RuleSample[]; warnings: string[] }> {
    const params = new URLSearchParams({ query: expr, time: new Date(tMs).toISOString() });
    if (!this.opts.onlyPrometheusParams) {
      params.set('dedup', 'true');
      params.set('partial_response', strategy === 'WARN' ? 'true' : 'false');
      params.set('explain', 'false');
      params.set('analyze', 'false');
      params.set('engine', '');
    }
    const errors: string[] = [];
    let apiError: QueryApiError | undefined;
    for (const g of shuffled(this.groups())) {
      for (const base of shuffled(g.urls())) {
        const url = `${base}/api/v1/query`;
        try {
          return await this.post(g, url, params, tMs, signal);
        } catch (err) {
          if (err instanceof QueryApiError && err.errorType === 'bad_data') throw err;
          if (signal?.aborted) throw err;
          if (err instanceof QueryApiError) apiError = err;
          errors.push(`${url}: ${errorMessage(err)}`);
          this.logger.warn('querying the query API failed, trying the next endpoint', { url, err: errorMessage(err) });
        }
      }
    }
    if (apiError !== undefined) throw apiError;
    throw new UnavailableError(errors.length === 0 ? 'no query API server reachable: none discovered' : `no query API server reachable: ${errors.join('; ')}`);
  }

  private async post(g: HttpEndpointGroup, url: string, params: URLSearchParams, tMs: number, signal?: AbortSignal): Promise<{ samples: RuleSample[]; warnings: string[] }> {
    const bounded = deadline(signal, this.opts.timeoutMs ?? 120_000);
    const sig = bounded.signal;
    const headers: Record<string, string> = { 'User-Agent': 'thanos-ts-rule' };
    let res: { status: number; text: string };
    try {
      if (this.opts.method === 'POST') {
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
        res = await g.client.fetchText(url, { method: 'POST', body: params.toString(), headers, signal: sig });
      } else {
        res = await g.client.fetchText(`${url}?${params.toString()}`, { headers, signal: sig });
      }
    } finally {
      bounded.dispose();
    }
    const text = res.text;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
    }
    // Prometheus's API answers errors with 4xx/5xx and a JSON envelope: those are the query's own failure.
    return parseQueryResponse(body, tMs);
  }
}
