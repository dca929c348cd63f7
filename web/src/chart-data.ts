// Range-query series turned into uPlot's column layout: one shared time axis, a row of values per series. DOM-free.

export interface ChartSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

/** Aligns the series on one time axis (seconds), with null where a series has no sample. */
export function alignSeries(series: readonly ChartSeries[]): { xs: number[]; ys: (number | null)[][] } {
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.values) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const row: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.values) {
      const f = Number(v);
      row[index.get(t)!] = Number.isFinite(f) ? f : null;
    }
    return row;
  });
  return { xs, ys };
}

/** Running sums across series, for the stacked view (a gap counts as 0 below the series above it). */
export function stack(ys: readonly (number | null)[][]): (number | null)[][] {
  const acc: number[] = new Array<number>(ys[0]?.length ?? 0).fill(0);
  return ys.map((row) => row.map((v, i) => {
    if (v === null) return null;
    acc[i] = (acc[i] ?? 0) + v;
    return acc[i] ?? null;
  }));
}
