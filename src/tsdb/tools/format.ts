// Go-compatible text formatting used by the promtool-style tools: %g for floats and text/tabwriter-style column
// alignment.

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

/** Aligns rows like Go's tabwriter with the given minimum cell width and padding (cells left-aligned). */
export function tabulate(rows: readonly (readonly string[])[], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length + padding, minWidth); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}
