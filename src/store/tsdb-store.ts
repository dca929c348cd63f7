// A StoreAPI over local TSDB blocks with external labels given on the command line (upstream pkg/store/tsdb.go):
// used by tests now, by receive and rule later. Matchers on external labels are answered from the labels
// themselves; the rest go to each block's index; series from several blocks are merged by the loser tree.

import { CorruptionError } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { BlockReader, findBlockDirs, type BlockChunk, type SeriesBlock } from '../tsdb/block/reader.js';
import { Encoding } from '../tsdb/chunkenc/chunk.js';
import { compareLabels, sortLabels, type Label, type Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';
import { mergeSeries } from './merge.js';
import { SortedSeriesStream, seriesOrder } from './sorted-runs.js';
import {
  MAX_TIME, MIN_TIME, type AggrChunk, type ChunkEncoding, type LabelNamesRequest, type LabelNamesResponse,
  type LabelValuesRequest, type LabelValuesResponse, type Series, type SeriesRequest, type SeriesResponse,
  type StoreAPI, type StoreInfo,
} from './store-api.js';

export interface TsdbStoreOptions {
  /** External labels attached to every series (they win over a series label of the same name, as upstream). */
  readonly externalLabels?: Labels;
  /** ComponentType advertised in Info (`receive`, `rule`, ...). Default `store`. */
  readonly componentType?: string;
  /**
   * The store serves a live head that keeps growing (receive, rule): Info advertises an open end (upstream's
   * TSDBStore says MaxInt64), since a querier keeps an Info for a while and must not skip samples appended since.
   */
  readonly openEnded?: boolean;
  readonly logger?: Logger;
}

/** Prometheus chunk encoding byte → StoreAPI encoding (which numbers from 0). */
const ENCODINGS: ReadonlyMap<number, ChunkEncoding> = new Map<number, ChunkEncoding>([
  [Encoding.XOR, 'XOR'], [Encoding.Histogram, 'HISTOGRAM'], [Encoding.FloatHistogram, 'FLOAT_HISTOGRAM'],
]);

/**
 * Splits matchers into those on external labels (decided here, once) and the rest (for the index). `ok` is false
 * when an external label rules the whole store out.
 */
export function matchExternalLabels(matchers: readonly Matcher[], ext: Labels): { ok: boolean; rest: Matcher[] } {
  const rest: Matcher[] = [];
  for (const m of matchers) {
    const l = ext.find((e) => e.name === m.name);
    if (!l) rest.push(m);
    else if (!m.matches(l.value)) return { ok: false, rest: [] };
  }
  return { ok: true, rest };
}

/** Series labels with external labels added; an external label replaces a series label of the same name. */
function withExternal(labels: Labels, ext: Labels): Labels {
  if (ext.length === 0) return labels;
  const names = new Set(ext.map((l) => l.name));
  return sortLabels([...labels.filter((l) => !names.has(l.name)), ...ext]);
}

export class TsdbStore implements StoreAPI {
  private readonly ext: Labels;
  private readonly logger: Logger;

  /**
   * `blocks` is asked on every request, so the owner may add and drop blocks (e.g. after compaction); a head is one
   * of them (src/tsdb/head implements SeriesBlock).
   */
  constructor(private readonly blocks: () => readonly SeriesBlock[], private readonly options: TsdbStoreOptions = {}) {
    this.ext = sortLabels([...(options.externalLabels ?? [])]);
    this.logger = options.logger ?? nopLogger;
  }

  /** Opens every block under `dir` (or `dir` itself when it is a block). Close with `close()`. */
  static async open(dir: string, options: TsdbStoreOptions = {}): Promise<TsdbStore & { close(): Promise<void> }> {
    const readers: BlockReader[] = [];
    try {
      for (const d of await findBlockDirs(dir)) readers.push(await BlockReader.open(d));
    } catch (err) {
      await Promise.allSettled(readers.map((r) => r.close()));
      throw err;
    }
    const store = new TsdbStore(() => readers, options);
    return Object.assign(store, { close: async () => { await Promise.all(readers.map((r) => r.close())); } });
  }

  /**
   * A store over a live Db: its blocks (including those head compaction adds later) and its head, queried
   * together; Info's range is open-ended. The Db stays the caller's to close.
   */
  static forDb(db: { seriesBlocks(): SeriesBlock[] }, options: TsdbStoreOptions = {}): TsdbStore {
    return new TsdbStore(() => db.seriesBlocks(), { openEnded: true, ...options });
  }

  async info(): Promise<StoreInfo> {
    // An empty head advertises an inverted range: it holds nothing yet.
    const bs = this.blocks().filter((b) => b.meta.minTime < b.meta.maxTime);
    // With no blocks, advertise an empty range so proxies skip us.
    const minTime = bs.length ? Math.min(...bs.map((b) => b.meta.minTime)) : MAX_TIME;
    const maxTime = !bs.length ? MIN_TIME : this.options.openEnded ? MAX_TIME : Math.max(...bs.map((b) => b.meta.maxTime));
    return {
      componentType: this.options.componentType ?? 'store',
      labelSets: this.ext.length ? [this.ext] : [],
      minTime,
      maxTime,
      supportsSharding: false,
      supportsWithoutReplicaLabels: true,
      tsdbInfos: bs.length ? [{ labels: this.ext, minTime, maxTime }] : [],
    };
  }

  private blocksIn(minTime: number, maxTime: number): SeriesBlock[] {
    // Block maxTime is exclusive in meta.json.
    return this.blocks().filter((b) => b.meta.minTime <= maxTime && b.meta.maxTime > minTime);
  }

  async *series(req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    const { ok, rest } = matchExternalLabels(req.matchers, this.ext);
    if (!ok) return;
    const blocks = this.blocksIn(req.minTime, req.maxTime);
    this.logger.debug('tsdb series', { blocks: blocks.length, matchers: rest.length });
    const streams = blocks.map((b) => this.blockSeries(b, rest, req, signal));
    const strip = new Set(req.withoutReplicaLabels);
    const merged = limitSeries(streams.length === 1 ? streams[0]! : mergeSeries(streams), req.limit);
    if (strip.size === 0) {
      yield* merged;
      return;
    }
    // Stripping external labels keeps the order (every series had the same ones). Stripping a series label may
    // not: then, as upstream, the result is collected and re-sorted.
    const resort = [...strip].some((n) => !this.ext.some((l) => l.name === n));
    const out: Series[] = [];
    for await (const f of merged) {
      if (f.type !== 'series') {
        yield f;
        continue;
      }
      const s = { labels: f.series.labels.filter((l) => !strip.has(l.name)), chunks: f.series.chunks };
      if (resort) out.push(s);
      else yield { type: 'series', series: s };
    }
    if (!resort) return;
    out.sort((a, b) => compareLabels(a.labels, b.labels));
    for (const series of out) yield { type: 'series', series };
  }

  /** One block's series with external labels, re-sorted where adding them breaks the index order (sorted-runs.ts). */
  private async *blockSeries(b: SeriesBlock, matchers: readonly Matcher[], req: SeriesRequest, signal?: AbortSignal): AsyncGenerator<SeriesResponse> {
    const sorter = new SortedSeriesStream<Series>(seriesOrder(this.ext));
    const ready: Series[] = [];
    for await (const s of b.select(matchers, req.minTime, req.maxTime, { skipChunks: req.skipChunks, ...(signal ? { signal } : {}) })) {
      sorter.push({ labels: withExternal(s.labels, this.ext), chunks: req.skipChunks ? [] : s.chunks.map((c) => toAggrChunk(c, b)) }, ready);
      for (const series of ready) yield { type: 'series', series };
      ready.length = 0;
    }
    sorter.end(ready);
    for (const series of ready) yield { type: 'series', series };
  }

  async labelNames(req: LabelNamesRequest): Promise<LabelNamesResponse> {
    const { ok, rest } = matchExternalLabels(req.matchers, this.ext);
    if (!ok) return { names: [], warnings: [] };
    const names = new Set<string>();
    for (const b of this.blocksIn(req.start, req.end)) for (const n of await b.labelNames(rest)) names.add(n);
    if (names.size > 0) for (const l of this.ext) names.add(l.name);
    return { names: limit([...names].sort(), req.limit), warnings: [] };
  }

  async labelValues(req: LabelValuesRequest): Promise<LabelValuesResponse> {
    const { ok, rest } = matchExternalLabels(req.matchers, this.ext);
    if (!ok) return { values: [], warnings: [] };
    const blocks = this.blocksIn(req.start, req.end);
    const ext: Label | undefined = this.ext.find((l) => l.name === req.label);
    if (ext) return { values: blocks.length ? [ext.value] : [], warnings: [] };
    const values = new Set<string>();
    for (const b of blocks) for (const v of await b.labelValues(req.label, rest)) values.add(v);
    return { values: limit([...values].sort(), req.limit), warnings: [] };
  }
}

/** The first `n` series of a stream (all when n <= 0); other frames pass. */
async function* limitSeries(frames: AsyncIterable<SeriesResponse>, n: number): AsyncGenerator<SeriesResponse> {
  let seen = 0;
  for await (const f of frames) {
    yield f;
    if (f.type === 'series' && n > 0 && ++seen >= n) return;
  }
}

function limit(xs: string[], n: number): string[] {
  return n > 0 && xs.length > n ? xs.slice(0, n) : xs;
}

function toAggrChunk(c: BlockChunk, b: SeriesBlock): AggrChunk {
  const encoding = ENCODINGS.get(c.encoding);
  if (!encoding) throw new CorruptionError(b.dir ?? b.meta.ulid, 'chunk', 0, `unknown chunk encoding ${c.encoding}`);
  return { minTime: c.minTime, maxTime: c.maxTime, raw: { encoding, data: c.data } };
}
