// Test helper: expands the promql test-script value notation (`0+10x4 _ NaN 1x2`) and cuts a left-open window
// out of it, so table tests can restate cases of ../shared/promql-testdata/*.test against the range functions.

import type { RangeSamples } from '../../../src/promql/functions/range-functions.js';

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a Prometheus duration such as `5m`, `10s53ms` or `1h30m` into milliseconds. */
export function durationMs(text: string): number {
  if (text === '0') return 0;
  let total = 0;
  const re = /(\d+)(ms|s|m|h|d)/gy;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] as number);
    consumed = re.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`bad duration ${JSON.stringify(text)}`);
  return total;
}

function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  const v = Number(text);
  if (Number.isNaN(v)) throw new Error(`bad number ${JSON.stringify(text)}`);
  return v;
}

/** Expands value notation into one entry per time slot; `undefined` is a missing point (`_`). */
export function expandValues(notation: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const item of notation.trim().split(/\s+/)) {
    if (item === '_') {
      out.push(undefined);
      continue;
    }
    const missing = /^_x(\d+)$/.exec(item);
    if (missing) {
      for (let i = 0; i < Number(missing[1]); i++) out.push(undefined);
      continue;
    }
    const series = /^([-+]?[^-+x]+(?:[eE][-+]?\d+)?)([-+])([^x]+)x(\d+)$/.exec(item);
    if (series) {
      let v = parseNumber(series[1] as string);
      const step = parseNumber(series[3] as string) * (series[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(series[4]); i++) {
        out.push(v);
        v += step;
      }
      continue;
    }
    const repeat = /^(.+)x(\d+)$/.exec(item);
    if (repeat) {
      const v = parseNumber(repeat[1] as string);
      for (let i = 0; i <= Number(repeat[2]); i++) out.push(v);
      continue;
    }
    out.push(parseNumber(item));
  }
  return out;
}

/** The samples of `notation` loaded every `interval` that fall in (at - offset - range, at - offset]. */
export function windowOf(notation: string, interval: string, at: string, range: string, offset = '0'): {
  samples: RangeSamples;
  start: number;
  end: number;
  evalTs: number;
} {
  const step = durationMs(interval);
  const evalTs = durationMs(at);
  const end = evalTs - durationMs(offset);
  const start = end - durationMs(range);
  const ts: number[] = [];
  const vs: number[] = [];
  expandValues(notation).forEach((v, i) => {
    const t = i * step;
    if (v !== undefined && t > start && t <= end) {
      ts.push(t);
      vs.push(v);
    }
  });
  // Oversized buffers: the functions must honour `length`, not the array size.
  const tsArr = new Float64Array(ts.length + 3).fill(-1);
  const vsArr = new Float64Array(vs.length + 3).fill(12345);
  tsArr.set(ts);
  vsArr.set(vs);
  return { samples: { ts: tsArr, vs: vsArr, length: ts.length }, start, end, evalTs };
}

/** The comparison the promql test runner uses: relative tolerance 1e-6, NaN equals NaN, zero is exact. */
export function almostEqual(actual: number, expected: number): boolean {
  if (Number.isNaN(actual) || Number.isNaN(expected)) return Number.isNaN(actual) && Number.isNaN(expected);
  if (actual === expected) return true;
  const absSum = Math.abs(actual) + Math.abs(expected);
  const diff = Math.abs(actual - expected);
  const minNormal = 2.2250738585072014e-308;
  if (actual === 0 || expected === 0 || absSum < minNormal) return diff < 1e-6 * minNormal;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}
