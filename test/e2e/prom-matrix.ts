// Comparing what a real Prometheus stored with what a thanos-ts querier serves: every raw sample of every series in
// windows (`{__name__=~".+"}[w]` instant queries, the same JSON on both sides), polled while remote write catches up.
// Shared by the receive end-to-end tests (receive, receive-crash, standalone-receive).

/** Series (labels as a sorted key) → raw samples [seconds, value text]. */
export type Matrix = Map<string, [number, string][]>;

interface QueryJson { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } }

/** Raw samples of every series in (t - window, t], keyed by labels without `drop`. */
export async function matrixAt(baseUrl: string, t: number, window: string, drop: readonly string[] = []): Promise<Matrix> {
  const qs = new URLSearchParams({ query: `{__name__=~".+"}[${window}]`, time: String(t / 1000) });
  const res = await fetch(`${baseUrl}/api/v1/query?${qs.toString()}`, { signal: AbortSignal.timeout(180_000) });
  const body = await res.json() as QueryJson;
  if (body.status !== 'success') throw new Error(`${baseUrl}: ${body.error ?? res.status}`);
  const out: Matrix = new Map();
  for (const r of body.data.result) {
    const key = Object.entries(r.metric).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',');
    out.set(key, r.values);
  }
  return out;
}

/** What `got` lacks, has extra, or holds differently, one line per series. */
export function differences(want: Matrix, got: Matrix): string[] {
  const out: string[] = [];
  for (const [k, v] of want) {
    const g = got.get(k);
    if (!g) out.push(`missing ${k}`);
    else if (JSON.stringify(g) !== JSON.stringify(v)) {
      const have = new Set(g.map(([t, x]) => `${t} ${x}`));
      const lacking = v.filter(([t, x]) => !have.has(`${t} ${x}`));
      out.push(`differs ${k}: want ${v.length} samples, got ${g.length}${lacking.length > 0 ? `, lacking ${lacking.slice(0, 3).map(([t, x]) => `${x}@${t}`).join(' ')}${lacking.length > 3 ? ' …' : ''}` : ''}`);
    }
  }
  for (const k of got.keys()) if (!want.has(k)) out.push(`extra ${k}`);
  return out;
}

/** Polls until `got()` equals `want()` (remote write lags a little) or the deadline passes. */
export async function untilSame(want: () => Promise<Matrix>, got: () => Promise<Matrix>, timeoutMs: number): Promise<{ diff: string[]; series: number; samples: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const w = await want();
    const diff = differences(w, await got());
    if (diff.length === 0 || Date.now() > deadline) return { diff, series: w.size, samples: [...w.values()].reduce((n, v) => n + v.length, 0) };
    await new Promise((r) => setTimeout(r, 2000));
  }
}

/** End times of `windowMs` windows from `at` back past `since` (answers of a bounded size). */
export function windowsBack(at: number, since: number, windowMs: number): number[] {
  const out: number[] = [];
  for (let t = at; t > since - windowMs; t -= windowMs) out.push(t);
  return out;
}
