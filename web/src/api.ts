// Calls to the querier's Prometheus-compatible API, validating the JSON envelope the UI depends on.

/** The path prefix the server injected into index.html ('' at the root). */
export function webPrefix(): string {
  const v = document.querySelector('meta[name="thanos-web-prefix"]')?.getAttribute('content') ?? '';
  // The Vite dev server leaves the placeholder untouched.
  return v.startsWith('__') ? '' : v.replace(/\/+$/, '');
}

export class ApiError extends Error {
  constructor(readonly errorType: string, message: string) {
    super(message);
  }
}

export interface ApiResult<T> {
  readonly data: T;
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** GETs `/api/v1/<path>`; a Prometheus error envelope becomes an ApiError carrying its message. */
export async function apiGet(path: string, params: URLSearchParams | undefined, signal?: AbortSignal): Promise<ApiResult<unknown>> {
  const qs = params && [...params.keys()].length > 0 ? `?${params.toString()}` : '';
  const res = await fetch(`${webPrefix()}/api/v1/${path}${qs}`, signal ? { signal, cache: 'no-store' } : { cache: 'no-store' });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ApiError('bad_response', `unexpected response from the server: HTTP ${res.status} ${res.statusText}`);
  }
  if (!isRecord(body)) throw new ApiError('bad_response', 'unexpected response from the server: not a JSON object');
  if (body['status'] !== 'success') {
    const type = typeof body['errorType'] === 'string' ? body['errorType'] : 'unknown';
    const msg = typeof body['error'] === 'string' ? body['error'] : `HTTP ${res.status}`;
    throw new ApiError(type, msg);
  }
  return { data: body['data'], warnings: stringList(body['warnings']), infos: stringList(body['infos']) };
}

export type Metric = Record<string, string>;
export type SamplePair = [number, string];

export type QueryData =
  | { readonly resultType: 'vector'; readonly result: readonly { metric: Metric; value: SamplePair }[] }
  | { readonly resultType: 'matrix'; readonly result: readonly { metric: Metric; values: SamplePair[] }[] }
  | { readonly resultType: 'scalar'; readonly result: SamplePair }
  | { readonly resultType: 'string'; readonly result: SamplePair };

/** Checks the shape of a query/query_range `data` enough for rendering. */
export function asQueryData(v: unknown): QueryData {
  if (!isRecord(v)) throw new ApiError('bad_response', 'query response without data');
  const t = v['resultType'];
  const r = v['result'];
  if ((t === 'vector' || t === 'matrix') && Array.isArray(r)) return v as QueryData;
  if ((t === 'scalar' || t === 'string') && Array.isArray(r) && r.length === 2) return v as QueryData;
  throw new ApiError('bad_response', `query response with unknown resultType ${String(t)}`);
}

export interface StoreStatus {
  readonly name: string;
  readonly lastCheck: string;
  readonly lastError: string | null;
  readonly labelSets: readonly Metric[];
  readonly minTime: number;
  readonly maxTime: number;
}

/** /api/v1/stores: component type → endpoints. */
export function asStores(v: unknown): Record<string, StoreStatus[]> {
  if (!isRecord(v)) throw new ApiError('bad_response', 'stores response is not an object');
  const out: Record<string, StoreStatus[]> = {};
  for (const [type, list] of Object.entries(v)) {
    if (!Array.isArray(list)) continue;
    out[type] = list.filter(isRecord).map((s) => ({
      name: typeof s['name'] === 'string' ? s['name'] : '',
      lastCheck: typeof s['lastCheck'] === 'string' ? s['lastCheck'] : '',
      lastError: typeof s['lastError'] === 'string' ? s['lastError'] : null,
      labelSets: Array.isArray(s['labelSets']) ? s['labelSets'].filter(isRecord).map((l) => Object.fromEntries(Object.entries(l).map(([k, x]) => [k, String(x)]))) : [],
      minTime: typeof s['minTime'] === 'number' ? s['minTime'] : 0,
      maxTime: typeof s['maxTime'] === 'number' ? s['maxTime'] : 0,
    }));
  }
  return out;
}

/** A string → string map (flags, build info). */
export function asStringMap(v: unknown): Record<string, string> {
  if (!isRecord(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}
