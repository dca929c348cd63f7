// PromQL's date functions (day_of_month … year) on a Unix time in seconds, in UTC, as Prometheus computes them
// with Go's time.Unix(int64(v), 0).UTC(): the value is truncated toward zero to whole seconds first.

const SECONDS_PER_DAY = 86_400;

/**
 * Proleptic Gregorian calendar fields of a day number (days since 1970-01-01), by the era arithmetic of
 * H. Hinnant's civil_from_days, which stays exact in doubles far beyond JS Date's ±100 million days.
 */
function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Parts {
  readonly days: number;
  readonly secondOfDay: number;
}

/** Whole seconds as Go's int64 conversion gives them; NaN/±Inf have no defined date and yield undefined. */
function parts(tsSeconds: number): Parts | undefined {
  if (!Number.isFinite(tsSeconds)) return undefined;
  const sec = Math.trunc(tsSeconds);
  const days = Math.floor(sec / SECONDS_PER_DAY);
  return { days, secondOfDay: sec - days * SECONDS_PER_DAY };
}

function withDate(tsSeconds: number, f: (p: Parts, y: number, m: number, d: number) => number): number {
  const p = parts(tsSeconds);
  if (p === undefined) return NaN;
  const c = civilFromDays(p.days);
  return f(p, c.year, c.month, c.day);
}

/**
 * Date functions by PromQL name, applied to each float sample (or to time() when called without argument).
 * Non-finite input returns NaN (Go's conversion of such values is platform-defined).
 */
export const DATE_FUNCTIONS: Readonly<Record<string, (tsSeconds: number) => number>> = Object.freeze({
  day_of_month: (t: number) => withDate(t, (_p, _y, _m, d) => d),
  // 1970-01-01 was a Thursday (4); Sunday is 0.
  day_of_week: (t: number) => withDate(t, (p) => (((p.days + 4) % 7) + 7) % 7),
  day_of_year: (t: number) =>
    withDate(t, (_p, y, m, d) => (DAYS_BEFORE_MONTH[m - 1] as number) + d + (m > 2 && isLeap(y) ? 1 : 0)),
  days_in_month: (t: number) =>
    withDate(t, (_p, y, m) => (m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] as number))),
  hour: (t: number) => withDate(t, (p) => Math.floor(p.secondOfDay / 3600)),
  minute: (t: number) => withDate(t, (p) => Math.floor((p.secondOfDay % 3600) / 60)),
  month: (t: number) => withDate(t, (_p, _y, m) => m),
  year: (t: number) => withDate(t, (_p, y) => y),
});
