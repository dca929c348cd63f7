// A StoreAPI over series held in memory, with external labels: the input for proxy, merge and gRPC tests. It
// follows the StoreAPI contract (sorted output, matchers, time overlap, without_replica_labels) so tests can check
// what crosses the wire, not what a mock pretends.

import { UnavailableError } from '../../../src/runtime/errors.js';
import { compareLabels, mergeLabels, type Labels } from '../../../src/tsdb/labels/labels.js';
import { matchesAll } from '../../../src/tsdb/labels/matcher.js';
import type {
  LabelNamesRequest, LabelNamesResponse, LabelValuesRequest, LabelValuesResponse, Series, SeriesRequest,
  SeriesResponse, StoreAPI, StoreInfo,
} from '../../../src/store/store-api.js';

export class MemoryStore implements StoreAPI {
  private readonly series_: Series[];

  constructor(series: readonly Series[], private readonly extLabels: Labels = [], private readonly range?: { minTime: number; maxTime: number }) {
    this.series_ = series.map((s) => ({ labels: mergeLabels(s.labels, extLabels), chunks: s.chunks })).sort((a, b) => compareLabels(a.labels, b.labels));
  }

  async info(): Promise<StoreInfo> {
    const chunks = this.series_.flatMap((s) => s.chunks);
    return {
      componentType: 'store',
      labelSets: this.extLabels.length ? [this.extLabels] : [],
      minTime: this.range?.minTime ?? Math.min(...chunks.map((c) => c.minTime)),
      maxTime: this.range?.maxTime ?? Math.max(...chunks.map((c) => c.maxTime)),
      supportsSharding: false,
      supportsWithoutReplicaLabels: true,
      tsdbInfos: [],
    };
  }

  private matching(req: { matchers: SeriesRequest['matchers']; minTime: number; maxTime: number }): Series[] {
    return this.series_
      .filter((s) => matchesAll(req.matchers, s.labels))
      .map((s) => ({ labels: s.labels, chunks: s.chunks.filter((c) => c.maxTime >= req.minTime && c.minTime <= req.maxTime) }))
      .filter((s) => s.chunks.length > 0);
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    const strip = new Set(req.withoutReplicaLabels);
    for (const s of this.matching(req)) {
      signal?.throwIfAborted();
      const labels = strip.size ? s.labels.filter((l) => !strip.has(l.name)) : s.labels;
      yield { type: 'series', series: { labels, chunks: req.skipChunks ? [] : s.chunks } };
    }
  }

  async labelNames(req: LabelNamesRequest): Promise<LabelNamesResponse> {
    const names = new Set(this.matching({ matchers: req.matchers, minTime: req.start, maxTime: req.end }).flatMap((s) => s.labels.map((l) => l.name)));
    return { names: [...names].sort(), warnings: [] };
  }

  async labelValues(req: LabelValuesRequest): Promise<LabelValuesResponse> {
    const values = new Set<string>();
    for (const s of this.matching({ matchers: req.matchers, minTime: req.start, maxTime: req.end })) {
      for (const l of s.labels) if (l.name === req.label) values.add(l.value);
    }
    return { values: [...values].sort(), warnings: [] };
  }
}

/** A store whose backend is down: every call fails with UnavailableError (after `afterSeries` series, if given). */
export class FailingStore implements StoreAPI {
  constructor(private readonly info_: StoreInfo, private readonly before: readonly Series[] = []) {}
  async info(): Promise<StoreInfo> { return this.info_; }
  async *series(): AsyncGenerator<SeriesResponse> {
    for (const series of this.before) yield { type: 'series', series };
    throw new UnavailableError('backend is down');
  }
  async labelNames(): Promise<LabelNamesResponse> { throw new UnavailableError('backend is down'); }
  async labelValues(): Promise<LabelValuesResponse> { throw new UnavailableError('backend is down'); }
}

/** Builds a series with one raw XOR chunk per [minTime, maxTime] pair, the bytes derived from the labels and time. */
export function series(labels: Record<string, string>, ...ranges: [number, number][]): Series {
  const ls = Object.entries(labels).map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    labels: ls,
    chunks: ranges.map(([minTime, maxTime]) => ({
      minTime, maxTime, raw: { encoding: 'XOR' as const, data: Buffer.from(`${JSON.stringify(labels)}@${minTime}-${maxTime}`) },
    })),
  };
}
