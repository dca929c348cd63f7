// Range functions read in place: the same answers as over copied windows, and the counter-reset prefix changes
// nothing but the work done.
import { describe, expect, it } from 'vitest';
import { RANGE_FUNCTIONS } from '../../../src/promql/functions/range-functions.js';
import { WINDOW_FUNCTIONS, counterResets } from '../../../src/promql/functions/window-functions.js';

describe('window functions', () => {
  // A counter with resets at 7 and 15, then NaN and a gauge-like dip.
  const n = 30;
  const ts = Float64Array.from({ length: n }, (_, i) => i * 15_000);
  const vs = Float64Array.from({ length: n }, (_, i) => (i < 7 ? i * 3 : i < 15 ? (i - 7) * 2 : i === 20 ? NaN : i - 15 + 0.5));

  it('counts resets as a prefix', () => {
    const r = counterResets(vs, n, new Int32Array(4));
    expect(r[6]).toBe(0);
    expect(r[7]).toBe(1);
    expect(r[15]).toBe(2);
  });

  it.each(Object.keys(WINDOW_FUNCTIONS))('%s equals the copying implementation on every window, with and without the prefix', (name) => {
    const resets = counterResets(vs, n, new Int32Array(n));
    for (let lo = 0; lo < n; lo++) {
      for (let hi = lo; hi <= n; hi++) {
        const from = (ts[lo] ?? 0) - 1;
        const to = (ts[hi - 1] ?? from) + 7_000;
        const want = RANGE_FUNCTIONS[name]!({ ts: ts.slice(lo, hi), vs: vs.slice(lo, hi), length: hi - lo }, from, to, []);
        expect(WINDOW_FUNCTIONS[name]!(ts, vs, lo, hi, from, to)).toStrictEqual(want);
        expect(WINDOW_FUNCTIONS[name]!(ts, vs, lo, hi, from, to, resets)).toStrictEqual(want);
      }
    }
  });
});
