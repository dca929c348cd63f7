// The PromQL Queryable over a StoreAPI (upstream pkg/query/querier.go): one Series call per selector carrying the
// time range, matchers and hints, replica labels stripped and replicas deduplicated (penalty or chain), store
// warnings collected for the HTTP response, and the partial-response strategy passed down to the proxy.

import type { Queryable, SampleIterator, SelectHints, StorageSeries, XorChunk } from '../promql/queryable.js';
import { compareLabels, labelsEqual, withoutLabels, type Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';
import { seriesGroupsOf } from '../store/proxy.js';
import { seriesRequest, type AggrChunk, type StoreAPI } from '../store/store-api.js';
import { XorIterator } from '../tsdb/chunkenc/xor.js';
import { ChunksIterator, hasNonXorChunks } from './chunk-iterator.js';
import { aggregatesForFunc, downsampledIterator, hasAggregates, maxResolutionForSelector } from './downsampled.js';
import { dedupIterator, splitOverlapping, type DedupAlgorithm } from './dedup.js';

export interface QueryOptions {
  /** Labels that tell replicas apart (--query.replica-label, or replicaLabels[] of the request). */
  readonly replicaLabels: readonly string[];
  /** dedup= of the request (default true); without replica labels there is nothing to merge. */
  readonly dedup: boolean;
  /** --deduplication.func. */
  readonly algorithm: DedupAlgorithm;
  /** partial_response=: true lets failing stores become warnings, false fails the query. */
  readonly partialResponse: boolean;
  /** max_source_resolution in ms (0 = raw only); passed to stores that hold downsampled data. */
  readonly maxSourceResolutionMs: number;
  /** Collects warnings from stores (failed stores under partial response, store-side warnings). */
  readonly warnings: Set<string>;
}

/**
 * A series as the engine reads it; the iterator decodes chunks and dedups replicas on demand. The engine drains one
 * series' iterator before asking the next series for one (see StorageSeries), so all series of one select share one
 * chunk decoder per replica index instead of allocating decoders (and their sample buffers) per series.
 */
class DedupedSeries implements StorageSeries {
  constructor(
    readonly labels: Labels,
    private readonly replicas: readonly (readonly AggrChunk[])[],
    private readonly algorithm: DedupAlgorithm,
    private readonly func: string,
    private readonly decoders: XorIterator[],
  ) {}

  iterator(): SampleIterator {
    const its = this.replicas.map((chunks, k) => (hasAggregates(chunks)
      ? downsampledIterator(chunks, this.func)
      : new ChunksIterator(chunks, 'series', this.decoders[k] ??= new XorIterator())));
    return dedupIterator(its, this.algorithm, this.func);
  }

  /** One replica left (copies were identical or there was one): its XOR chunks, read as ChunksIterator would. */
  xorChunks(): readonly XorChunk[] | undefined {
    if (this.replicas.length > 1 || hasAggregates(this.replicas[0] ?? [])) return undefined;
    const out: XorChunk[] = [];
    for (const c of this.replicas[0] ?? []) {
      // ChunksIterator reads other encodings as empty.
      if (c.raw?.encoding === 'XOR') out.push({ minTime: c.minTime, maxTime: c.maxTime, data: c.raw.data });
    }
    return out;
  }
}

/** Groups series with equal labels (after replica labels were stripped) and turns each group into one series. */
export function buildSeries(
  input: readonly { labels: Labels; chunks: readonly AggrChunk[] }[],
  opts: { dedup: boolean; algorithm: DedupAlgorithm; func: string },
): StorageSeries[] {
  // The proxy's stream is sorted already unless we stripped replica labels ourselves; sort only when needed.
  let sorted = input;
  for (let i = 1; i < input.length; i++) {
    if (compareLabels(input[i - 1]!.labels, input[i]!.labels) > 0) {
      sorted = [...input].sort((a, b) => compareLabels(a.labels, b.labels));
      break;
    }
  }
  const algorithm = opts.dedup ? opts.algorithm : 'chain';
  const out: StorageSeries[] = [];
  const decoders: XorIterator[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && labelsEqual(sorted[i]!.labels, sorted[j]!.labels)) j++;
    const chunks = j === i + 1 ? sorted[i]!.chunks : sorted.slice(i, j).flatMap((s) => s.chunks);
    // Overlapping chunks are replicas of the same data (or the same series from two stores): split them into
    // non-overlapping pseudo-replicas, then merge. Without dedup the copies are identical, so a chain merge is right.
    const replicas = splitOverlapping(isSortedByMinTime(chunks) ? chunks : [...chunks].sort((a, b) => a.minTime - b.minTime));
    out.push(new DedupedSeries(sorted[i]!.labels, replicas, algorithm, opts.func, decoders));
    i = j;
  }
  return out;
}

function isSortedByMinTime(chunks: readonly AggrChunk[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i - 1]!.minTime > chunks[i]!.minTime) return false;
  return true;
}

/** Drops replica labels; returns the same array when there are none to drop (the common case: the store did it). */
function stripLabels(labels: Labels, strip: ReadonlySet<string>): Labels {
  for (const l of labels) if (strip.has(l.name)) return withoutLabels(labels, strip);
  return labels;
}

/** The raw answer of one selector's Series call: series (replica labels stripped) and their chunks, not yet merged. */
export interface FetchedSeries {
  readonly labels: Labels;
  readonly chunks: readonly AggrChunk[];
}

/** Chunk bytes of fetched series, raw and aggregates: what a select holds in memory. */
export function fetchedBytes(series: readonly FetchedSeries[]): number {
  let n = 0;
  for (const s of series) {
    for (const c of s.chunks) {
      n += (c.raw?.data.length ?? 0) + (c.count?.data.length ?? 0) + (c.sum?.data.length ?? 0) + (c.min?.data.length ?? 0)
        + (c.max?.data.length ?? 0) + (c.counter?.data.length ?? 0);
    }
  }
  return n;
}

/**
 * The StoreAPI half of a select: one Series call with the query's range, matchers and hints; store warnings go to
 * `opts.warnings`. Kept apart from buildSeries so the I/O can run on the main thread while evaluation (which builds
 * the series) runs in a worker (see eval-pool/).
 */
export async function fetchSeries(
  store: StoreAPI, opts: QueryOptions, matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal,
): Promise<FetchedSeries[]> {
  const strip: ReadonlySet<string> = new Set(opts.dedup ? opts.replicaLabels : []);
  const req = seriesRequest({
    minTime: hints.start,
    maxTime: hints.end,
    matchers,
    // Downsampled data: the coarsest allowed for this selector, and the aggregates its function reads.
    maxResolutionWindow: maxResolutionForSelector(opts.maxSourceResolutionMs, hints.range, hints.func),
    aggregates: aggregatesForFunc(hints.func),
    partialResponseDisabled: !opts.partialResponse,
    partialResponseStrategy: opts.partialResponse ? 'WARN' : 'ABORT',
    withoutReplicaLabels: [...strip],
    step: hints.step,
    range: hints.range,
    queryHints: {
      stepMillis: hints.step,
      ...(hints.func ? { func: { name: hints.func } } : {}),
      ...(hints.grouping.length > 0 || hints.by ? { grouping: { by: hints.by, labels: hints.grouping } } : {}),
      ...(hints.range ? { range: { millis: hints.range } } : {}),
      projectionLabels: [],
      projectionInclude: false,
    },
  });
  const got: FetchedSeries[] = [];
  let skippedNonXor = false;
  // A group of frames at a time: one await per gRPC message rather than per series.
  for await (const group of seriesGroupsOf(store, req, signal)) {
    for (const f of group) {
      if (f.type === 'warning') opts.warnings.add(f.warning);
      else if (f.type === 'series') {
        // Stores that do not support without_replica_labels send them anyway; strip here (buildSeries re-sorts).
        const labels = strip.size > 0 ? stripLabels(f.series.labels, strip) : f.series.labels;
        if (hasNonXorChunks(f.series.chunks)) skippedNonXor = true; // aggregates are read (downsampled.ts)
        got.push({ labels, chunks: f.series.chunks });
      }
    }
  }
  if (skippedNonXor) opts.warnings.add('native histogram chunks are not supported yet and were skipped');
  return got;
}

export class StoreQueryable implements Queryable {
  constructor(private readonly store: StoreAPI, private readonly opts: QueryOptions) {}

  async *select(matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal): AsyncGenerator<StorageSeries> {
    const got = await fetchSeries(this.store, this.opts, matchers, hints, signal);
    const dedup = this.opts.dedup && this.opts.replicaLabels.length > 0;
    yield* buildSeries(got, { dedup, algorithm: this.opts.algorithm, func: hints.func });
  }
}
