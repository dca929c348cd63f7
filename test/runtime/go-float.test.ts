// formatFloatGo's plain-String fast path against the digit-layout definition of Go's 'f', -1 format, on random
// doubles of every magnitude and on the edges of the fast path's range.

import { describe, expect, it } from 'vitest';
import { formatFloatGo } from '../../src/runtime/go-float.js';

/** Go's FormatFloat(v, 'f', -1, 64) from the shortest round-trip digits (toExponential), for finite non-zero v. */
function reference(v: number): string {
  const s = Math.abs(v).toExponential();
  const e = s.indexOf('e');
  const digits = s.slice(0, e).replace('.', '');
  const dp = Number(s.slice(e + 1)) + 1;
  const body = dp <= 0 ? '0.' + '0'.repeat(-dp) + digits
    : dp >= digits.length ? digits + '0'.repeat(dp - digits.length)
      : digits.slice(0, dp) + '.' + digits.slice(dp);
  return v < 0 ? '-' + body : body;
}

describe('formatFloatGo', () => {
  it('matches the definition around the fast path edges', () => {
    const edges = [1e-6, 1e21, 1e-7, 1e20, 9.999999999999999e20, 0.1 + 0.2, 2 ** 53, 2 ** 53 + 2, 1 / 3, 123456.789, 5e-324, 1.7976931348623157e308];
    for (const x of edges) {
      for (const v of [x, -x, x * (1 + Number.EPSILON), x * (1 - Number.EPSILON)].filter(Number.isFinite)) expect(formatFloatGo(v)).toBe(reference(v));
    }
  });

  it('matches the definition on random doubles of every magnitude', () => {
    const f64 = new Float64Array(1);
    const u32 = new Uint32Array(f64.buffer);
    let s = 12345;
    const next = (): number => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s;
    };
    for (let i = 0; i < 20_000; i++) {
      u32[0] = next();
      u32[1] = next();
      const v = f64[0]!;
      if (!Number.isFinite(v) || v === 0) continue;
      expect(formatFloatGo(v)).toBe(reference(v));
      // Values a dashboard sees: counters, rates, ratios.
      const w = (next() % 1_000_000) / 997;
      expect(formatFloatGo(w === 0 ? 1 : w)).toBe(reference(w === 0 ? 1 : w));
    }
  });
});
