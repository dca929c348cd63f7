// Deterministic test series for the TSDB tests: an OpenMetrics text (seconds, `# EOF`) plus the samples it holds.
// Irregular intervals, gaps, escapes and special floats exercise chunk cutting, block boundaries and %g output.

export interface GeneratedSeries {
  readonly labels: Record<string, string>;
  readonly t: number[];
  readonly v: number[];
}

/** mulberry32: a tiny seeded PRNG so every run sees the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function omFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return Object.is(v, -0) ? '-0.0' : String(v);
}

/** Samples from `baseMs` (a whole second) over about 9 hours, so they span several 2h blocks. */
export function generateOpenMetrics(baseMs: number, seed = 42): { text: string; series: GeneratedSeries[] } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const series: GeneratedSeries[] = [];
  for (let s = 0; s < 6; s++) {
    const t: number[] = [];
    const v: number[] = [];
    let ts = baseMs + Math.floor(r() * 3000) * 1000;
    let val = 0;
    for (let i = 0; i < 700; i++) {
      ts += pick([15, 15, 15, 15, 14, 16, 30, 60]) * 1000;
      if (r() < 0.01) ts += Math.floor(r() * 5000) * 1000;
      val += pick([0, 1, 1, 2, 0.5, 1e-7, 123456.789]);
      t.push(ts);
      v.push(val);
    }
    series.push({ labels: { __name__: 'http_requests_total', code: String(200 + s), job: 'api"x\\y\nz' }, t, v });
  }
  const specials = [0, -0, 1e21, 1.5e-7, 3.14159, -2.5, 1e6, 999999.5, NaN, Infinity, -Infinity, 0.0001, 0.00009];
  for (let s = 0; s < 3; s++) {
    const t: number[] = [];
    const v: number[] = [];
    let ts = baseMs;
    for (let i = 0; i < 300; i++) {
      ts += 10_000 + Math.floor(r() * 1000);
      t.push(ts);
      v.push(pick(specials));
    }
    series.push({ labels: { __name__: 'gauge_x', inst: `i${s}` }, t, v });
  }
  // A one-sample series: its chunk always ends with a whole aligned 64-bit field, so Prometheus 2.x adds its byte.
  series.push({ labels: { __name__: 'up', job: 'lonely' }, t: [baseMs + 3_600_000], v: [1] });
  const lines: string[] = ['# HELP http_requests_total Total requests.', '# TYPE http_requests_total counter'];
  const fmtLabels = (l: Record<string, string>): string => Object.entries(l).filter(([k]) => k !== '__name__')
    .map(([k, x]) => `${k}="${x.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',');
  for (const s of series) {
    if (s.labels['__name__'] === 'gauge_x' && s.labels['inst'] === 'i0') lines.push('# TYPE gauge_x gauge');
    if (s.labels['__name__'] === 'up') lines.push('# TYPE up gauge');
    s.t.forEach((ts, i) => {
      const sec = ts % 1000 === 0 ? String(ts / 1000) : `${Math.floor(ts / 1000)}.${String(ts % 1000).padStart(3, '0')}`;
      lines.push(`${s.labels['__name__']}{${fmtLabels(s.labels)}} ${omFloat(s.v[i]!)} ${sec}`);
      // What Prometheus stores: int64(seconds * 1000) in float64 arithmetic.
      s.t[i] = Math.trunc(Number(sec) * 1000);
    });
  }
  lines.push('# EOF');
  return { text: lines.join('\n') + '\n', series };
}
