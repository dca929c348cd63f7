// Go's fmt as templates print values: Sprint of template values (%v), Sprintf's common verbs (%v %s %d %f %e %g
// %x %X %q %t %c %o %b %%) with flags, width and precision, and the error forms (%!d(string=x), MISSING, EXTRA).

import { formatFloatGoG, formatGoFixed } from '../../runtime/go-float.js';
import { formatGoDurationNs } from '../../runtime/duration.js';

/** A Go int (template integer constants, len's result, …); plain JS numbers are float64. */
export class GoInt {
  constructor(readonly v: number) {}
}

/** A sample of a `query` result: `.Labels` and `.Value`. */
export interface QuerySample {
  readonly Labels: ReadonlyMap<string, string>;
  readonly Value: number;
}

/** html/template's HTML type (safeHtml): prints as is. */
export class SafeHtml {
  constructor(readonly v: string) {}
}

/** A Go time.Time (toTime) printed as Go's String(): `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export class GoTime {
  constructor(readonly ms: number, readonly nanosExtra = 0) {}
}

/** A Go time.Duration in nanoseconds (toDuration), printed as Go's String(): `1h2m3.5s`. */
export class GoDuration {
  constructor(readonly ns: number) {}
}

export type GoValue =
  | string | number | boolean | null | undefined | GoInt | SafeHtml | GoTime | GoDuration | QuerySample
  | readonly GoValue[] | ReadonlyMap<string, GoValue> | { readonly [k: string]: GoValue };

/** Go's %e: mantissa with `prec` decimals and a signed exponent of at least two digits. */
export function formatE(v: number, prec = 6, upper = false): string {
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const s = Math.abs(v).toExponential(prec);
  const [mant, exp] = s.split('e') as [string, string];
  const e = Number(exp);
  const out = `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const signed = (v < 0 || Object.is(v, -0)) ? '-' + out : out;
  return upper ? signed.toUpperCase() : signed;
}

/** Go's %g with a precision (significant digits); shortest when prec < 0. Trailing zeros removed, as Go. */
export function formatG(v: number, prec = -1, upper = false): string {
  if (prec < 0) return upper ? formatFloatGoG(v).toUpperCase() : formatFloatGoG(v);
  const special = nonFinite(v);
  if (special !== undefined) return special;
  const p = prec === 0 ? 1 : prec;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const e = Math.abs(v).toExponential(p - 1);
  const [mant, expS] = e.split('e') as [string, string];
  const exp = Number(expS);
  let body: string;
  if (exp < -4 || exp >= p) {
    const m = mant.includes('.') ? mant.replace(/0+$/, '').replace(/\.$/, '') : mant;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else {
    const digits = Math.max(p - 1 - exp, 0);
    body = Math.abs(v).toFixed(digits);
    if (body.includes('.')) body = body.replace(/0+$/, '').replace(/\.$/, '');
  }
  const signed = v < 0 ? '-' + body : body;
  return upper ? signed.toUpperCase() : signed;
}

function nonFinite(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** Go's time.Time.String() in UTC. */
export function formatGoTime(t: GoTime): string {
  const d = new Date(t.ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const nanos = (((t.ms % 1000) + 1000) % 1000) * 1e6 + t.nanosExtra;
  const frac = nanos === 0 ? '' : '.' + String(Math.round(nanos)).padStart(9, '0').replace(/0+$/, '');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${frac} +0000 UTC`;
}

function isMapValue(v: GoValue): v is ReadonlyMap<string, GoValue> {
  return v instanceof Map;
}

/** fmt.Sprint of one value (what an action prints): %v. */
export function sprintValue(v: GoValue): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloatGoG(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof GoInt) return String(v.v);
  if (v instanceof SafeHtml) return v.v;
  if (v instanceof GoTime) return formatGoTime(v);
  if (v instanceof GoDuration) return formatGoDurationNs(v.ns);
  if (Array.isArray(v)) return '[' + (v as readonly GoValue[]).map(inner).join(' ') + ']';
  if (isMapValue(v)) return 'map[' + [...v.keys()].sort().map((k) => `${k}:${inner(v.get(k))}`).join(' ') + ']';
  if (isSample(v)) return `{map[${[...v.Labels.keys()].sort().map((k) => `${k}:${v.Labels.get(k)!}`).join(' ')}] ${formatFloatGoG(v.Value)}}`;
  return '{' + Object.values(v).map(inner).join(' ') + '}';
}

function inner(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  return sprintValue(v);
}

export function isSample(v: GoValue): v is QuerySample {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && 'Labels' in v && 'Value' in v && Object.keys(v).length === 2;
}

/** Go's type name for %!verb(type=value) and error messages. */
export function goTypeName(v: GoValue): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoInt) return 'int';
  if (v instanceof SafeHtml) return 'template.HTML';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoDuration) return 'time.Duration';
  if (Array.isArray(v)) return 'template.queryResult';
  if (v instanceof Map) return 'map[string]string';
  if (isSample(v)) return '*template.sample';
  return 'struct';
}

interface Spec { minus: boolean; plus: boolean; space: boolean; zero: boolean; sharp: boolean; width: number | undefined; prec: number | undefined }

function pad(s: string, spec: Spec): string {
  if (spec.width === undefined || s.length >= spec.width) return s;
  if (spec.minus) return s + ' '.repeat(spec.width - s.length);
  if (spec.zero) {
    const sign = /^[+-]/.test(s) ? s[0]! : '';
    return sign + '0'.repeat(spec.width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(spec.width - s.length) + s;
}

function bad(verb: string, v: GoValue): string {
  return `%!${verb}(${goTypeName(v)}=${inner(v)})`;
}

function signed(s: string, v: number, spec: Spec): string {
  if (v >= 0 && !s.startsWith('+') && !Number.isNaN(v)) {
    if (spec.plus) return '+' + s;
    if (spec.space) return ' ' + s;
  }
  if (!spec.plus && s.startsWith('+') && v === Infinity) return s; // Go prints +Inf for %g/%f/%e
  return s;
}

function fmtOne(verb: string, v: GoValue, spec: Spec): string {
  const num = typeof v === 'number' ? v : undefined;
  const int = v instanceof GoInt ? v.v : undefined;
  switch (verb) {
    case 'v':
      if (num !== undefined) return pad(signed(formatG(num, spec.prec ?? -1), num, spec), spec);
      if (int !== undefined) return pad(signed(String(int), int, spec), spec);
      return pad(sprintValue(v), spec);
    case 's':
      if (typeof v === 'string') return pad(spec.prec !== undefined ? [...v].slice(0, spec.prec).join('') : v, spec);
      if (v instanceof SafeHtml || v instanceof GoTime || v instanceof GoDuration) return pad(sprintValue(v), spec);
      if (Array.isArray(v) || v instanceof Map) return pad(sprintValue(v), spec);
      return bad(verb, v);
    case 'q':
      if (typeof v === 'string') return pad(goQuote(v), spec);
      if (int !== undefined) return pad(`'${String.fromCodePoint(int)}'`, spec);
      return bad(verb, v);
    case 'd':
      if (int !== undefined) return pad(signed(String(int), int, spec), spec);
      if (v instanceof GoDuration) return pad(String(v.ns), spec);
      return bad(verb, v);
    case 'c':
      if (int !== undefined) return pad(String.fromCodePoint(int), spec);
      return bad(verb, v);
    case 'o': case 'b': case 'x': case 'X': {
      const radix = verb === 'o' ? 8 : verb === 'b' ? 2 : 16;
      if (int !== undefined) {
        let s = Math.abs(int).toString(radix);
        if (verb === 'X') s = s.toUpperCase();
        if (spec.sharp && verb !== 'b') s = (verb === 'o' ? '0' : verb === 'x' ? '0x' : '0X') + s;
        return pad((int < 0 ? '-' : '') + s, spec);
      }
      if ((verb === 'x' || verb === 'X') && typeof v === 'string') {
        const hex = Buffer.from(v, 'utf8').toString('hex');
        return pad(verb === 'X' ? hex.toUpperCase() : hex, spec);
      }
      if (num !== undefined && (verb === 'x' || verb === 'X')) return bad(verb, v);
      return bad(verb, v);
    }
    case 'e': case 'E':
      if (num !== undefined) return pad(signed(formatE(num, spec.prec ?? 6, verb === 'E'), num, spec), spec);
      return bad(verb, v);
    case 'f': case 'F':
      if (num !== undefined) return pad(signed(formatGoFixed(num, spec.prec ?? 6), num, spec), spec);
      return bad(verb, v);
    case 'g': case 'G':
      if (num !== undefined) return pad(signed(formatG(num, spec.prec ?? -1, verb === 'G'), num, spec), spec);
      return bad(verb, v);
    case 't':
      if (typeof v === 'boolean') return pad(String(v), spec);
      return bad(verb, v);
    default:
      return `%!${verb}(${goTypeName(v)}=${inner(v)})`;
  }
}

/** Go's strconv.Quote for printable text (JSON's escaping agrees for the common cases). */
export function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u007f/gi, '\\x7f');
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: readonly GoValue[]): string {
  let out = '';
  let argi = 0;
  let i = 0;
  while (i < format.length) {
    const c = format[i]!;
    if (c !== '%') { out += c; i++; continue; }
    i++;
    const spec: Spec = { minus: false, plus: false, space: false, zero: false, sharp: false, width: undefined, prec: undefined };
    for (; i < format.length; i++) {
      const f = format[i]!;
      if (f === '-') spec.minus = true;
      else if (f === '+') spec.plus = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else if (f === '#') spec.sharp = true;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argi++];
        return a instanceof GoInt ? a.v : undefined;
      }
      const m = /^\d+/.exec(format.slice(i));
      if (!m) return undefined;
      i += m[0].length;
      return Number(m[0]);
    };
    spec.width = readNum();
    if (format[i] === '.') {
      i++;
      spec.prec = readNum() ?? 0;
    }
    const verb = format[i];
    i++;
    if (verb === undefined) { out += '%!(NOVERB)'; break; }
    if (verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${verb}(MISSING)`; continue; }
    out += fmtOne(verb, args[argi++], spec);
  }
  if (argi < args.length) {
    out += '%!(EXTRA ' + args.slice(argi).map((a) => `${goTypeName(a)}=${inner(a)}`).join(', ') + ')';
  }
  return out;
}

/** fmt.Sprint: spaces between operands when neither is a string. */
export function sprint(args: readonly GoValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += inner(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: readonly GoValue[]): string {
  return args.map(inner).join(' ') + '\n';
}
