// Durations as Prometheus writes them (model.Duration: `1h30m`, `5m`, `2w`), the one parser and printer every
// flag, config file, API parameter and PromQL literal goes through; and Go's time.Duration.String(), as upstream
// prints delays, block ranges and template values.

const MS = 1;
const SECOND = 1000 * MS;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const YEAR = 365 * DAY;

const DURATION_UNITS: readonly (readonly [string, number])[] = [
  ['y', YEAR], ['w', WEEK], ['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', SECOND], ['ms', MS],
];
// Prometheus's model.ParseDuration: units in this order, each at most once, integer amounts only.
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Parses a Prometheus duration (`1h30m`, `5m`, `2w`, `0`) into milliseconds, exactly as model.ParseDuration. */
export function parseDuration(s: string): number {
  if (s === '') throw new Error('empty duration string');
  if (s === '0') return 0;
  const m = DURATION_RE.exec(s);
  if (!m) throw new Error(`not a valid duration string: "${s}"`);
  let total = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const amount = m[i + 1];
    if (amount === undefined) continue;
    total += Number(amount) * DURATION_UNITS[i]![1];
    if (!Number.isSafeInteger(total) || total > 2 ** 63 / 1e6) throw new Error(`duration out of range: "${s}"`);
  }
  return total;
}

/** Formats milliseconds as Prometheus prints a duration (`1h30m`, `2w`, `0s`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = ms < 0 ? '-' : '';
  rest = Math.abs(rest);
  for (const [unit, size] of DURATION_UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** parseDuration without the reason: undefined when `s` is not a duration (the PromQL lexer's number tokens). */
export function tryParseDuration(s: string): number | undefined {
  try {
    return parseDuration(s);
  } catch {
    return undefined;
  }
}

/** Go's time.Duration.String() of a whole number of milliseconds (`2h0m0s`, `1h59m0.001s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < SECOND) return `${sign}${rest}ms`;
  const h = Math.floor(rest / HOUR);
  rest -= h * HOUR;
  const m = Math.floor(rest / MINUTE);
  rest -= m * MINUTE;
  const s = Math.floor(rest / SECOND);
  const frac = rest - s * SECOND;
  const secs = frac === 0 ? `${s}` : `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  return `${sign}${h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m` : ''}${secs}s`;
}

/**
 * Go's time.Duration.String() of nanoseconds, sub-millisecond units included (`1.5µs`, `250ns`): Go templates'
 * durations. Exact while |ns| < 2^53 (about 104 days); formatGoDuration is exact for longer, whole-ms spans.
 */
export function formatGoDurationNs(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let u = Math.abs(ns);
  if (u < 1e9) {
    if (u < 1e3) return `${sign}${u}ns`;
    if (u < 1e6) return `${sign}${trimFraction(u / 1e3)}µs`;
    return `${sign}${trimFraction(u / 1e6)}ms`;
  }
  const h = Math.floor(u / 3.6e12);
  u -= h * 3.6e12;
  const m = Math.floor(u / 6e10);
  u -= m * 6e10;
  const s = trimFraction(u / 1e9);
  return `${sign}${h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m` : ''}${s}s`;
}

function trimFraction(x: number): string {
  return x.toFixed(9).replace(/0+$/, '').replace(/\.$/, '');
}
