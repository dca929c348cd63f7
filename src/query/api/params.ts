// Request parameters as Prometheus's web API reads them: GET query string and POST form bodies merged (form
// first, as Go's r.Form), times as float seconds or RFC 3339, durations as float seconds or Prometheus durations,
// and the error texts Prometheus returns for each.

import { parseDuration as parsePromDuration } from '../../runtime/duration.js';

/** An error answered with HTTP 400 `bad_data`, its message exactly what Prometheus says. */
export class BadDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadDataError';
  }
}

export class Params {
  private readonly values = new Map<string, string[]>();

  /** `body` values come before query-string values, as in Go's Request.Form. */
  constructor(query: Iterable<readonly [string, string]>, body?: Iterable<readonly [string, string]>) {
    for (const src of body ? [body, query] : [query]) {
      for (const [k, v] of src) {
        const list = this.values.get(k);
        if (list) list.push(v);
        else this.values.set(k, [v]);
      }
    }
  }

  /** Go's FormValue: the first value, '' when absent. */
  get(name: string): string {
    return this.values.get(name)?.[0] ?? '';
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  all(name: string): string[] {
    return this.values.get(name) ?? [];
  }
}

/**
 * A query string or form body as Go's url.ParseQuery reads it: `+` is a space, `%XX` a byte (bytes that are not
 * UTF-8 become U+FFFD), and a pair with a bad escape (`%zz`) or a semicolon is dropped, not taken literally.
 */
export function parseForm(raw: string): [string, string][] {
  const out: [string, string][] = [];
  for (const pair of raw.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const key = unescapeForm(eq < 0 ? pair : pair.slice(0, eq));
    const value = unescapeForm(eq < 0 ? '' : pair.slice(eq + 1));
    if (key === undefined || value === undefined) continue;
    out.push([key, value]);
  }
  return out;
}

function unescapeForm(s: string): string | undefined {
  if (!s.includes('%')) return s.replaceAll('+', ' ');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** How Prometheus's API spells its unbounded times (clients such as promtool send these). */
export const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
export const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';
/** Prometheus MinTime/MaxTime (Unix(math.MinInt64/1000+62135596801) ...) in ms, clamped to what JS numbers hold. */
export const MIN_TIME_MS = Number.MIN_SAFE_INTEGER;
export const MAX_TIME_MS = Number.MAX_SAFE_INTEGER;

/** Prometheus parseTime: float Unix seconds (ms precision) or RFC 3339; returns ms. */
export function parseTime(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) && s.trim() !== '') {
    const f = Number(s);
    // Go's ParseFloat fails on overflow (`1e400`); so does Prometheus's parseTime.
    if (!Number.isFinite(f)) throw new BadDataError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
    const sec = Math.trunc(f);
    const frac = Math.round((f - sec) * 1000) / 1000;
    return sec * 1000 + Math.round(frac * 1000);
  }
  if (s === MIN_TIME_FORMATTED) return MIN_TIME_MS;
  if (s === MAX_TIME_FORMATTED) return MAX_TIME_MS;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s)) {
    const ms = Date.parse(s);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new BadDataError(`cannot parse ${JSON.stringify(s)} to a valid timestamp`);
}

/** Prometheus parseDuration: float seconds or a Prometheus duration (`5m`, `1h30m`); returns ms. */
export function parseDuration(s: string): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) && s.trim() !== '') {
    const ms = Number(s) * 1000;
    if (!Number.isFinite(ms) || Math.abs(ms) > 9.223372036854776e15) throw new BadDataError(`cannot parse ${JSON.stringify(s)} to a valid duration. It overflows int64`);
    return Math.trunc(ms);
  }
  try {
    return parsePromDuration(s);
  } catch {
    throw new BadDataError(`cannot parse ${JSON.stringify(s)} to a valid duration`);
  }
}

/** Wraps a parameter problem as Prometheus's invalidParamError does. */
export function invalidParam(name: string, err: unknown): BadDataError {
  const msg = err instanceof Error ? err.message : String(err);
  return new BadDataError(`invalid parameter ${JSON.stringify(name)}: ${msg}`);
}

/** A time parameter with a default when absent (Prometheus parseTimeParam). */
export function timeParam(p: Params, name: string, def: number): number {
  if (!p.has(name) || p.get(name) === '') return def;
  try {
    return parseTime(p.get(name));
  } catch (err) {
    throw invalidParam(name, new Error(`Invalid time value for '${name}': ${(err as Error).message}`));
  }
}

/** Go's strconv.ParseBool, for dedup= and partial_response=. */
export function boolParam(p: Params, name: string, def: boolean): boolean {
  if (!p.has(name) || p.get(name) === '') return def;
  const v = p.get(name);
  switch (v) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True': return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False': return false;
    default: throw new BadDataError(`invalid parameter ${JSON.stringify(name)}: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
}
