// Durations and times as the Prometheus UI writes them ("1h30m", "2026-01-02 15:04:05" in UTC). DOM-free.

const UNITS: readonly [string, number][] = [
  ['y', 365 * 24 * 3600_000], ['w', 7 * 24 * 3600_000], ['d', 24 * 3600_000], ['h', 3600_000], ['m', 60_000], ['s', 1000], ['ms', 1],
];
const UNIT_MS = new Map(UNITS);
const DURATION_RE = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** "1h30m" → 5400000; null when it is not a Prometheus duration (or is zero). */
export function parseDuration(s: string): number | null {
  const t = s.trim();
  if (t === '') return null;
  const m = DURATION_RE.exec(t);
  if (!m) return null;
  let ms = 0;
  const order = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  for (let i = 0; i < order.length; i++) {
    const n = m[2 + i * 2];
    if (n !== undefined) ms += Number(n) * (UNIT_MS.get(order[i]!) ?? 0);
  }
  return ms > 0 ? ms : null;
}

/** 5400000 → "1h30m"; 0 → "0s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

/** The ranges the -/+ buttons step through (the Prometheus UI's list). */
export const RANGE_STEPS_MS: readonly number[] = [
  '1s', '10s', '1m', '5m', '15m', '30m', '1h', '2h', '6h', '12h', '1d', '2d', '1w', '2w', '4w', '8w', '1y',
].map((s) => parseDuration(s) ?? 0);

export function widerRange(ms: number): number {
  return RANGE_STEPS_MS.find((r) => r > ms) ?? ms;
}

export function narrowerRange(ms: number): number {
  return [...RANGE_STEPS_MS].reverse().find((r) => r < ms) ?? ms;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** Milliseconds → "YYYY-MM-DD HH:MM:SS" in UTC. */
export function formatTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** "YYYY-MM-DD HH:MM[:SS]" (UTC) → milliseconds; null when malformed. */
export function parseTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?Z?$/.exec(s.trim());
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? '0'));
  // Date.UTC rolls month 13 into next year; a real date formats back to the fields it was made of.
  if (Number.isNaN(ms) || formatTime(ms).slice(0, 16) !== `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}` || Number(m[6] ?? '0') > 59) return null;
  return ms;
}

/** The step the Prometheus UI picks when none is given: about 250 points over the range, at least 1s. */
export function defaultStepSeconds(rangeMs: number): number {
  return Math.max(Math.floor(rangeMs / 250 / 1000), 1);
}
