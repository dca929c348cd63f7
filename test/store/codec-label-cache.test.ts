// The Series decoder's label cache (LabelCache, owned by its user): repeated labels come back as the same Label (no
// new strings), and labels that share cache slots, or differ in one byte, still decode to their own values, in any
// order and many times over.

import { describe, expect, it } from 'vitest';
import { decodeSeriesResponse, encodeSeriesResponse } from '../../src/store/codec.js';
import type { Series } from '../../src/store/store-api.js';
import { LabelCache } from '../../src/store/series-decoder.js';

const cache = new LabelCache();

/** Decodes through `labels` (null: no cache). */
function decodeBatch(series: Series[], labels: LabelCache | null = cache): readonly Series[] {
  const f = decodeSeriesResponse(encodeSeriesResponse({ type: 'batch', series }), labels ?? undefined);
  if (f.type !== 'batch') throw new Error(`got a ${f.type} frame`);
  return f.series;
}

describe('Series decoder label cache', () => {
  it('hands back the same Label for the same bytes, across series and frames', () => {
    const s: Series = { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'node' }], chunks: [] };
    const [a, b] = decodeBatch([s, s]);
    const [c] = decodeBatch([s]);
    expect(a!.labels).toEqual(s.labels);
    expect(b!.labels[1]).toBe(a!.labels[1]);
    expect(c!.labels[0]).toBe(a!.labels[0]);
  });

  it('decodes many more distinct labels than it has slots, and near-identical ones, to their own values', () => {
    // 20k distinct values overflow the 4096 slots several times; values differing in one byte share hash prefixes.
    const series: Series[] = [];
    for (let i = 0; i < 20_000; i++) {
      series.push({ labels: [{ name: 'id', value: `v${i}` }, { name: 'idx', value: `v${i ^ 1}` }, { name: 'long', value: 'x'.repeat(200) + i }], chunks: [] });
    }
    for (let round = 0; round < 2; round++) {
      const got = decodeBatch(round === 0 ? series : [...series].reverse());
      const want = round === 0 ? series : [...series].reverse();
      for (let i = 0; i < want.length; i++) expect(got[i]!.labels).toEqual(want[i]!.labels);
    }
  });

  it('keeps a label present in every series cached through a stream of labels seen once', () => {
    // As a querier reads a big answer: each series has its own `instance`, and all share `job`. The shared label must
    // come back as one Label throughout, though 10k one-off labels pass through its cache set.
    const series: Series[] = [];
    for (let i = 0; i < 10_000; i++) series.push({ labels: [{ name: 'instance', value: `host-${i}:9100` }, { name: 'job', value: 'node' }], chunks: [] });
    const got = decodeBatch(series);
    const job = got[0]!.labels[1]!;
    expect(got.every((s) => s.labels[1] === job)).toBe(true);
    expect(got.map((s) => s.labels[0]!.value)).toEqual(series.map((s) => s.labels[0]!.value));
  });

  it('belongs to its owner: without one, or with another, equal labels are equal values but not the same Label', () => {
    const s: Series = { labels: [{ name: 'job', value: 'node' }], chunks: [] };
    const [a] = decodeBatch([s]);
    const [b] = decodeBatch([s], null);
    const [c] = decodeBatch([s], new LabelCache());
    expect(b!.labels).toEqual(a!.labels);
    expect(b!.labels[0]).not.toBe(a!.labels[0]);
    expect(c!.labels[0]).not.toBe(a!.labels[0]);
  });

  it('keeps non-ASCII and empty values apart from their ASCII look-alikes', () => {
    const series: Series[] = [
      { labels: [{ name: 'a', value: 'é' }], chunks: [] },
      { labels: [{ name: 'a', value: 'e' }], chunks: [] },
      { labels: [{ name: 'a', value: '' }], chunks: [] },
      { labels: [{ name: 'a', value: 'é' }], chunks: [] },
    ];
    expect(decodeBatch(series).map((s) => s.labels[0]!.value)).toEqual(['é', 'e', '', 'é']);
  });
});
