// Test helper: decode a StoreAPI Series stream into samples, and fetch the same data through PromQL, to compare.
import { expect } from 'vitest';
import type { StoreAPI } from '../../../src/store/store-api.js';
import { seriesRequest } from '../../../src/store/store-api.js';
import type { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { ValNone } from '../../../src/tsdb/chunkenc/chunk.js';
import { formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import type { Labels } from '../../../src/tsdb/labels/labels.js';

export interface Sampled { labels: string; ts: number[]; vs: number[] }

/** Series in stream order, samples in [minTime, maxTime]; every chunk must be XOR. */
export async function collectSamples(store: StoreAPI, matchers: Matcher[], minTime: number, maxTime: number): Promise<Sampled[]> {
  const out: Sampled[] = [];
  const it = new XorIterator();
  for await (const r of store.series(seriesRequest({ matchers, minTime, maxTime }))) {
    if (r.type !== 'series') continue;
    const key = formatLabels(r.series.labels);
    let cur = out[out.length - 1];
    if (cur?.labels !== key) {
      cur = { labels: key, ts: [], vs: [] };
      out.push(cur);
    }
    for (const c of r.series.chunks) {
      expect(c.raw?.encoding).toBe('XOR');
      it.reset(c.raw!.data);
      while (it.next() !== ValNone) {
        const t = it.atT();
        if (t < minTime || t > maxTime) continue;
        cur.ts.push(t);
        cur.vs.push(it.atF());
      }
      expect(it.err()).toBeUndefined();
    }
  }
  return out;
}

/** What PromQL returns for `selector[range]` covering [minTime, maxTime], with `ext` added, sorted by labels. */
export async function promqlSamples(promUrl: string, selector: string, minTime: number, maxTime: number, ext: Labels): Promise<Sampled[]> {
  const q = `${selector}[${maxTime - minTime + 1}ms]`;
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}&time=${maxTime / 1000}`);
  const body = await res.json() as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  return body.data.result.map((r) => ({
    labels: formatLabels(labelsFromRecord({ ...r.metric, ...Object.fromEntries(ext.map((l) => [l.name, l.value])) })),
    ts: r.values.map(([t]) => Math.round(t * 1000)),
    vs: r.values.map(([, v]) => Number(v)),
  })).sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
}
