// The functions alert templates can call: text/template's builtins and Prometheus's template functions
// (template/template.go: query, first, label, value, humanize*, reReplaceAll, match, title, …), with their
// outputs and error messages as Prometheus produces them.

import { parseGoFloat } from '../../runtime/go-float.js';
import { parseDuration } from '../../runtime/duration.js';
import { SearchRegex } from '../../tsdb/labels/re2.js';
import { GoDuration, GoInt, GoTime, SafeHtml, formatG, goTypeName, isSample, sprint, sprintf, sprintln, sprintValue, type GoValue, type QuerySample } from './go-fmt.js';

export interface FuncEnv {
  /** Runs an instant query at the evaluation time (the `query` function). */
  readonly query: (q: string) => Promise<QuerySample[]>;
  /** Evaluation time, ms. */
  readonly nowMs: number;
  readonly externalUrl: string;
}

function toFloat(v: GoValue): number {
  if (typeof v === 'number') return v;
  if (v instanceof GoInt) return v.v;
  if (v instanceof GoDuration) return v.ns / 1e9;
  if (typeof v === 'string') {
    const f = parseGoFloat(v);
    if (f === undefined) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
    return f;
  }
  throw new Error(`can't convert ${goTypeName(v)} to float`);
}

function str(v: GoValue, fn: string, i: number): string {
  if (typeof v === 'string') return v;
  if (v instanceof SafeHtml) return v.v;
  void fn; void i;
  throw new Error(`wrong type for value; expected string; got ${goTypeName(v)}`);
}

function sample(v: GoValue): QuerySample {
  if (isSample(v)) return v;
  throw new Error(`wrong type for value; expected *template.sample; got ${goTypeName(v)}`);
}

function queryResult(v: GoValue): readonly QuerySample[] {
  if (Array.isArray(v)) return v as readonly QuerySample[];
  if (v === null || v === undefined) return [];
  throw new Error(`wrong type for value; expected template.queryResult; got ${goTypeName(v)}`);
}

function want(args: readonly GoValue[], n: number, fn: string): void {
  if (args.length !== n) throw new Error(`wrong number of args for ${fn}: want ${n} got ${args.length}`);
}

const SI_UP = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_DOWN = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];
const IEC = ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'];

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of SI_UP) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return formatG(v, 4) + prefix;
  }
  for (const p of SI_DOWN) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return formatG(v, 4) + prefix;
}

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return formatG(v, 4);
  let prefix = '';
  for (const p of IEC) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return formatG(v, 4) + prefix;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v, 4);
  if (v === 0) return formatG(v, 4) + 's';
  if (Math.abs(v) >= 1) {
    let sign = '';
    if (v < 0) { sign = '-'; v = -v; }
    const d = Math.trunc(v);
    const seconds = d % 60;
    const minutes = Math.trunc(d / 60) % 60;
    const hours = Math.trunc(d / 3600) % 24;
    const days = Math.trunc(d / 86400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(v, 4)}s`;
  }
  let prefix = '';
  for (const p of SI_DOWN) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${formatG(v, 4)}${prefix}s`;
}

function floatToTime(v: number): GoTime | undefined {
  if (!Number.isFinite(v)) return undefined;
  const ns = v * 1e9;
  if (ns > 9.223372036854776e18 || ns < -9.223372036854776e18) throw new Error(`${formatG(v)} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  // model.TimeFromUnixNano keeps milliseconds.
  return new GoTime(Math.trunc(ns / 1e6));
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's (deprecated) strings.Title: upper-cases the first letter of each word. */
export function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const r of s) {
    const sep = isSeparator(prev);
    out += sep ? r.toUpperCase() : r;
    prev = r;
  }
  return out;
}

function isSeparator(r: string): boolean {
  if (r <= '\x7f') {
    if (/[0-9a-zA-Z_]/.test(r)) return false;
    return true;
  }
  if (/\p{L}|\p{Nd}/u.test(r)) return false;
  return /\s/u.test(r);
}

function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', '\'': '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

function jsEscape(s: string): string {
  // eslint-disable-next-line no-control-regex -- Go's JSEscape escapes control characters
  return s.replace(/[\\'"<>&=\n\r\t\0]|[\x00-\x1f]/g, (c) => {
    switch (c) {
      case '\\': return '\\\\';
      case '\'': return '\\\'';
      case '"': return '\\"';
      case '<': return '\\u003C';
      case '>': return '\\u003E';
      case '&': return '\\u0026';
      case '=': return '\\u003D';
      case '\n': return '\\n';
      case '\r': return '\\r';
      case '\t': return '\\t';
      default: return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    }
  });
}

function compare(op: string, a: GoValue, b: GoValue): boolean {
  const kind = (v: GoValue): string => typeof v === 'number' ? 'float' : v instanceof GoInt ? 'int' : typeof v === 'string' || v instanceof SafeHtml ? 'string' : typeof v === 'boolean' ? 'bool' : 'other';
  const ka = kind(a);
  const kb = kind(b);
  if (ka !== kb) {
    if ((op === 'eq' || op === 'ne') && (a === null || a === undefined || b === null || b === undefined)) return (a ?? null) === (b ?? null);
    throw new Error('incompatible types for comparison');
  }
  if (ka === 'other') throw new Error('invalid type for comparison');
  const x = a instanceof GoInt ? a.v : a instanceof SafeHtml ? a.v : a;
  const y = b instanceof GoInt ? b.v : b instanceof SafeHtml ? b.v : b;
  if (ka === 'bool' && op !== 'eq' && op !== 'ne') throw new Error('invalid type for comparison');
  switch (op) {
    case 'eq': return x === y;
    case 'ne': return x !== y;
    case 'lt': return (x as number) < (y as number);
    case 'le': return (x as number) <= (y as number);
    case 'gt': return (x as number) > (y as number);
    default: return (x as number) >= (y as number);
  }
}

export async function callFunction(name: string, args: readonly GoValue[], env: FuncEnv): Promise<GoValue> {
  switch (name) {
    // builtins
    case 'not': want(args, 1, name); return !truthy(args[0]);
    case 'len': {
      want(args, 1, name);
      const v = args[0];
      if (typeof v === 'string') return new GoInt(Buffer.byteLength(v));
      if (Array.isArray(v)) return new GoInt(v.length);
      if (v instanceof Map) return new GoInt(v.size);
      throw new Error(`len of type ${goTypeName(v)}`);
    }
    case 'index': {
      if (args.length < 1) throw new Error('wrong number of args for index: want at least 1 got 0');
      let v = args[0];
      for (const k of args.slice(1)) {
        if (v instanceof Map) { const key = typeof k === 'string' ? k : sprintValue(k); v = v.has(key) ? (v.get(key) as GoValue) : ''; }
        else if (Array.isArray(v)) {
          const i = k instanceof GoInt ? k.v : NaN;
          if (!(i >= 0 && i < v.length)) throw new Error(`error calling index: index out of range: ${sprintValue(k)}`);
          v = v[i] as GoValue;
        } else throw new Error(`can't index item of type ${goTypeName(v)}`);
      }
      return v;
    }
    case 'slice': {
      const v = args[0];
      const idx = args.slice(1).map((a) => (a instanceof GoInt ? a.v : 0));
      if (typeof v === 'string') return v.slice(idx[0] ?? 0, idx[1]);
      if (Array.isArray(v)) return (v as readonly GoValue[]).slice(idx[0] ?? 0, idx[1]);
      throw new Error(`can't slice item of type ${goTypeName(v)}`);
    }
    case 'print': return sprint(args);
    case 'printf': {
      if (args.length < 1) throw new Error('wrong number of args for printf: want at least 1 got 0');
      return sprintf(str(args[0], name, 0), args.slice(1));
    }
    case 'println': return sprintln(args);
    case 'eq': {
      if (args.length < 2) throw new Error('missing argument for comparison');
      return args.slice(1).some((b) => compare('eq', args[0], b));
    }
    case 'ne': case 'lt': case 'le': case 'gt': case 'ge': want(args, 2, name); return compare(name, args[0], args[1]);
    case 'html': return htmlEscape(sprint(args));
    case 'js': return jsEscape(sprint(args));
    case 'urlquery': return queryEscape(sprint(args));
    case 'call': throw new Error('call is not supported');
    // Prometheus
    case 'query': {
      want(args, 1, name);
      return env.query(str(args[0], name, 0));
    }
    case 'first': {
      want(args, 1, name);
      const v = queryResult(args[0]);
      if (v.length > 0) return v[0]!;
      throw new Error('first() called on vector with no elements');
    }
    case 'label': want(args, 2, name); return sample(args[1]).Labels.get(str(args[0], name, 0)) ?? '';
    case 'value': want(args, 1, name); return sample(args[0]).Value;
    case 'strvalue': want(args, 1, name); return sample(args[0]).Labels.get('__value__') ?? '';
    case 'args': {
      const m = new Map<string, GoValue>();
      args.forEach((a, i) => m.set(`arg${i}`, a));
      return m;
    }
    case 'reReplaceAll': {
      want(args, 3, name);
      return SearchRegex.compile(str(args[0], name, 0)).replaceAll(str(args[2], name, 2), str(args[1], name, 1));
    }
    case 'match': want(args, 2, name); return SearchRegex.compile(str(args[0], name, 0)).test(str(args[1], name, 1));
    case 'safeHtml': want(args, 1, name); return new SafeHtml(str(args[0], name, 0));
    case 'title': want(args, 1, name); return title(str(args[0], name, 0));
    case 'toUpper': want(args, 1, name); return str(args[0], name, 0).toUpperCase();
    case 'toLower': want(args, 1, name); return str(args[0], name, 0).toLowerCase();
    case 'graphLink': want(args, 1, name); return `/graph?g0.expr=${queryEscape(str(args[0], name, 0))}&g0.tab=0`;
    case 'tableLink': want(args, 1, name); return `/graph?g0.expr=${queryEscape(str(args[0], name, 0))}&g0.tab=1`;
    case 'sortByLabel': {
      want(args, 2, name);
      const l = str(args[0], name, 0);
      return [...queryResult(args[1])].sort((a, b) => {
        const x = a.Labels.get(l) ?? '';
        const y = b.Labels.get(l) ?? '';
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    case 'humanize': want(args, 1, name); return humanize(toFloat(args[0]));
    case 'humanize1024': want(args, 1, name); return humanize1024(toFloat(args[0]));
    case 'humanizeDuration': want(args, 1, name); return humanizeDuration(toFloat(args[0]));
    case 'humanizePercentage': want(args, 1, name); return formatG(toFloat(args[0]) * 100, 4) + '%';
    case 'humanizeTimestamp': {
      want(args, 1, name);
      const v = toFloat(args[0]);
      const t = floatToTime(v);
      return t === undefined ? formatG(v, 4) : sprintValue(t);
    }
    case 'toTime': {
      want(args, 1, name);
      const v = toFloat(args[0]);
      const t = floatToTime(v);
      if (t === undefined) throw new Error('value is NaN or Inf');
      return t;
    }
    case 'toDuration': {
      want(args, 1, name);
      const v = toFloat(args[0]);
      if (!Number.isFinite(v)) throw new Error('value is NaN or Inf');
      return new GoDuration(Math.round(v * 1e3) * 1e6);
    }
    case 'pathPrefix': want(args, 0, name); return externalPath(env.externalUrl);
    case 'externalURL': want(args, 0, name); return env.externalUrl;
    case 'parseDuration': want(args, 1, name); return parseDuration(str(args[0], name, 0)) / 1000;
    case 'now': want(args, 0, name); return env.nowMs / 1000;
    case 'urlQueryEscape': want(args, 1, name); return queryEscape(str(args[0], name, 0));
    case 'stripPort': {
      want(args, 1, name);
      const s = str(args[0], name, 0);
      const m = /^\[?([^\]]*?)\]?:\d*$/.exec(s);
      return m ? m[1]! : s;
    }
    case 'stripDomain': {
      want(args, 1, name);
      const s = str(args[0], name, 0);
      const m = /^([^:]*?)(:\d+)?$/.exec(s);
      if (!m || /^\d+\.\d+\.\d+\.\d+$/.test(m[1]!)) return s;
      return m[1]!.split('.')[0]! + (m[2] ?? '');
    }
    default: throw new Error(`function "${name}" not defined`);
  }
}

function externalPath(u: string): string {
  try {
    return new URL(u).pathname.replace(/\/$/, '');
  } catch {
    return '';
  }
}

function truthy(v: GoValue): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof GoInt) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}
