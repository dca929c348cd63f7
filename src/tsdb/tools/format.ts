// text/tabwriter-style column alignment, as the promtool-style tools print tables.

/** Aligns rows like Go's tabwriter with the given minimum cell width and padding (cells left-aligned). */
export function tabulate(rows: readonly (readonly string[])[], minWidth: number, padding: number): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length + padding, minWidth); });
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}
