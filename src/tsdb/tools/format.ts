// Go-compatible text formatting used by the promtool-style tools: %g for floats, time.Duration strings,
// and text/tabwriter-style column alignment.

/** Go's fmt %g (shortest representation; exponent form below 1e-4 or from 1e6 on, two-digit exponents). */
export function formatGoFloat(v: number): string {
  if (v !== v) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const a = v < 0 ? -v : v;
  if (a >= 1e-4 && a < 1e6) return String(v);
  const s = v.toExponential();
  const e = s.indexOf('e');
  const sign = s[e + 1]!;
  const digits = s.slice(e + 2);
  return `${s.slice(0, e)}e${sign}${digits.length < 2 ? '0' + digits : digits}`;
}

/** Go's time.Duration.String for a duration in milliseconds. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const secMs = rest;
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  if (h === 0 && m === 0 && secMs < 1000) {
    out += `${secMs}ms`;
  } else {
    const whole = Math.floor(secMs / 1000);
    const frac = secMs % 1000;
    out += frac === 0 ? `${whole}s` : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}s`;
  }
  return (neg ? '-' : '') + out;
}

/** Aligns rows like Go's tabwriter with the given minimum cell width and padding (cells left-aligned). */
export function tabulate(rows: readonly (readonly string[])[], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length + padding, minWidth); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}
