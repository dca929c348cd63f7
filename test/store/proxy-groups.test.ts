// Series frames in groups (one gRPC message, many series): the grouped merge gives exactly the frames, in the same
// order, as the frame-at-a-time merge for any grouping of its inputs, hands on what is ready before it waits on an
// input, and the proxy's limit cuts a group after the limit-th series.

import { describe, expect, it } from 'vitest';
import { mergeSeries, mergeSeriesGroups } from '../../src/store/merge.js';
import { ProxyStore } from '../../src/store/proxy.js';
import { seriesRequest, type SeriesRequest, type SeriesResponse, type StoreAPI } from '../../src/store/store-api.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

const series = (name: string, t: number): SeriesResponse => ({
  type: 'series', series: { labels: [{ name: '__name__', value: name }], chunks: [{ minTime: t, maxTime: t, raw: { encoding: 'XOR', data: Buffer.from([t & 255]) } }] },
});

/** A sorted stream with repeats (a series split over frames), warnings among the series. */
function stream(r: () => number, s: number): SeriesResponse[] {
  const out: SeriesResponse[] = [];
  for (let i = 0; i < 40; i++) {
    if (r() < 0.4) continue;
    const reps = r() < 0.2 ? 2 : 1;
    for (let k = 0; k < reps; k++) out.push(series(`m${String(i).padStart(2, '0')}`, s * 10 + k));
    if (r() < 0.1) out.push({ type: 'warning', warning: `w${s}-${i}` });
  }
  return out;
}

function chop(r: () => number, frames: readonly SeriesResponse[]): SeriesResponse[][] {
  const groups: SeriesResponse[][] = [];
  for (let i = 0; i < frames.length;) {
    const n = Math.floor(r() * 5); // empty groups too
    groups.push(frames.slice(i, i + n));
    i += n;
  }
  return groups;
}

async function* yieldAll<T>(xs: readonly T[]): AsyncGenerator<T> {
  for (const x of xs) {
    await Promise.resolve();
    yield x;
  }
}

async function flat(it: AsyncIterable<readonly SeriesResponse[]>): Promise<SeriesResponse[]> {
  const out: SeriesResponse[] = [];
  for await (const g of it) out.push(...g);
  return out;
}

async function all(it: AsyncIterable<SeriesResponse>): Promise<SeriesResponse[]> {
  const out: SeriesResponse[] = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('grouped series merge', () => {
  it('gives the frame-at-a-time merge exactly, for any grouping of 1..4 inputs', async () => {
    const r = rng(11);
    for (let round = 0; round < 200; round++) {
      const k = 1 + (round % 4);
      const streams = Array.from({ length: k }, (_, s) => stream(r, s));
      const want = await all(mergeSeries(streams.map((s) => yieldAll(s))));
      const got = await flat(mergeSeriesGroups(streams.map((s) => yieldAll(chop(r, s)))));
      expect(got).toEqual(want);
    }
  });

  it('hands on the series it has before waiting on an input', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => { release = r; });
    const source = (async function* (): AsyncGenerator<readonly SeriesResponse[]> {
      yield [series('a', 1), series('b', 1), series('c', 1)];
      await held;
      yield [series('d', 1)];
    })();
    const it = mergeSeriesGroups([source])[Symbol.asyncIterator]();
    // a and b are complete (their successors are known); c waits for the next group.
    const first = await it.next();
    expect(first.value?.map((f: SeriesResponse) => f.type === 'series' && f.series.labels[0]!.value)).toEqual(['a', 'b']);
    release();
    expect((await flat({ [Symbol.asyncIterator]: () => it })).map((f) => f.type === 'series' && f.series.labels[0]!.value)).toEqual(['c', 'd']);
  });

  it('proxy: a store answering in groups, cut at the limit, same frames as series()', async () => {
    const frames = [series('a', 1), { type: 'warning', warning: 'w' } as const, series('b', 1), series('c', 1), series('d', 1)];
    const store: StoreAPI & { seriesGroups(req: SeriesRequest): AsyncIterable<readonly SeriesResponse[]> } = {
      info: async () => ({ componentType: 'store', labelSets: [], minTime: 0, maxTime: 10, supportsSharding: false, supportsWithoutReplicaLabels: true, tsdbInfos: [] }),
      series: (): AsyncIterable<SeriesResponse> => yieldAll(frames),
      seriesGroups: (): AsyncIterable<readonly SeriesResponse[]> => yieldAll([frames.slice(0, 3), frames.slice(3)]),
      labelNames: async () => ({ names: [], warnings: [] }),
      labelValues: async () => ({ values: [], warnings: [] }),
    };
    const info = await store.info();
    const proxy = new ProxyStore(() => [{ name: 's', store, info }]);
    const names = (fs: SeriesResponse[]): string[] => fs.map((f) => (f.type === 'series' ? f.series.labels[0]!.value : f.type));
    for (const limit of [0, 1, 2, 3, 9]) {
      const req = seriesRequest({ minTime: 0, maxTime: 10, matchers: [new Matcher('=', '__name__', 'x')], limit });
      // The merge passes a warning on as soon as it meets it, while looking past `a` for more of `a`.
      const want = ['warning', 'a', 'b', 'c', 'd'];
      const n = limit === 0 ? want.length : want.findIndex((_, i) => want.slice(0, i + 1).filter((x) => x !== 'warning').length === limit) + 1 || want.length;
      expect(names(await flat(proxy.seriesGroups(req))), `limit ${limit}`).toEqual(want.slice(0, n));
      expect(names(await all(proxy.series(req))), `limit ${limit}`).toEqual(want.slice(0, n));
    }
  });
});
