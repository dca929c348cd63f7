// The Series stream of one block: matchers on the block's external labels decide whether the block takes part at
// all, the rest select postings; series entries are read, chunks outside the time range dropped, external labels
// attached (they take precedence, as upstream), replica labels stripped, the result sorted, then chunks fetched in
// batches so only one batch's bytes are held at a time. Unreadable block data (corrupt or missing files) costs only
// the series it touches when partial answers are allowed: a warning and a log line name the block, file and offset.

import { mapConcurrent } from '../../block/fetcher.js';
import { AbortError, CorruptionError, LimitError, NotFoundError, isThanosError } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { RawChunk } from '../../tsdb/chunks/refs.js';
import type { ChunkMeta } from '../../tsdb/index/writer.js';
import { compareLabels, type Label, type Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { AGGR_CHUNK_ENCODING, AggrType, decodeAggrChunk } from '../../tsdb/chunkenc/aggr.js';
import type { Aggr, AggrChunk, Chunk, ChunkEncoding, SeriesResponse } from '../store-api.js';
import type { BucketBlock, RequestStats } from './bucket-block.js';
import type { ChunkPool, RequestLimiter } from './limits.js';

/** Series whose chunks (from every block) are fetched together. */
const CHUNK_BATCH_SERIES = 512;
/** Series-by-series chunk reads in flight while isolating unreadable chunks of one block. */
const ISOLATE_CONCURRENCY = 16;

const ENCODINGS: Readonly<Record<number, ChunkEncoding>> = { 1: 'XOR', 2: 'HISTOGRAM', 3: 'FLOAT_HISTOGRAM' };

/** Request-wide state shared by every block of one call. */
export interface SeriesContext {
  readonly minTime: number;
  readonly maxTime: number;
  readonly skipChunks: boolean;
  readonly withoutReplicaLabels: ReadonlySet<string>;
  readonly limiter: RequestLimiter;
  readonly stats: RequestStats;
  readonly pool: ChunkPool;
  readonly signal?: AbortSignal | undefined;
  /**
   * Partial answers allowed: unreadable data of a block (see isDataLoss) drops only the series it touches, with a
   * warning, instead of failing the request.
   */
  readonly confineDataLoss: boolean;
  readonly logger: Logger;
  /** The aggregates to send from downsampled chunks (raw chunks are sent as they are, whatever is asked). */
  readonly aggregates: readonly Aggr[];
}

/** A failure that belongs to one block's stored bytes (a corrupt or missing file), not to the store or the request. */
export function isDataLoss(err: unknown): err is CorruptionError | NotFoundError {
  return err instanceof CorruptionError || err instanceof NotFoundError;
}

/**
 * The matchers left for the index after the block's external labels were checked, or undefined when an external
 * label rules the block out.
 */
export function indexMatchers(block: BucketBlock, matchers: readonly Matcher[]): Matcher[] | undefined {
  const out: Matcher[] = [];
  for (const m of matchers) {
    const ext = block.labels.find((l) => l.name === m.name);
    if (ext === undefined) out.push(m);
    else if (!m.matches(ext.value)) return undefined;
  }
  return out;
}

/** Series labels with the block's external labels set (overriding) and replica labels removed; sorted. */
export function outputLabels(series: Labels, ext: Labels, drop: ReadonlySet<string>): Labels {
  if (ext.length === 0 && drop.size === 0) return series;
  // Both inputs are sorted by name: one linear merge, external labels winning on equal names.
  const out: Label[] = [];
  let i = 0;
  let j = 0;
  while (i < series.length || j < ext.length) {
    const a = series[i];
    const b = ext[j];
    let next: Label;
    if (b === undefined || (a !== undefined && a.name < b.name)) { next = a!; i++; } else {
      if (a !== undefined && a.name === b.name) i++;
      next = b;
      j++;
    }
    if (drop.size === 0 || !drop.has(next.name)) out.push(next);
  }
  return out;
}

function isSorted(xs: readonly { labels: Labels }[]): boolean {
  for (let i = 1; i < xs.length; i++) if (compareLabels(xs[i - 1]!.labels, xs[i]!.labels) > 0) return false;
  return true;
}

/** Names the block in an error raised while serving it, keeping limit and abort errors as they are. */
export function blockError(block: BucketBlock, err: unknown): Error {
  if (err instanceof LimitError || err instanceof AbortError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  const named = msg.startsWith(`block ${block.id}: `) ? msg : `block ${block.id}: ${msg}`;
  // Typed errors keep their class (and so their gRPC status); the message gains the block once.
  if (isThanosError(err)) { err.message = named; return err; }
  return new Error(named, { cause: err });
}

interface Part {
  readonly block: BucketBlock;
  readonly chunks: readonly ChunkMeta[];
}

/** One output series: its labels and the chunk metas each block holds for it. */
interface Merged {
  readonly labels: Labels;
  readonly parts: Part[];
}

/** Selects and sorts one block's series for the request (index work only). */
async function select(block: BucketBlock, matchers: readonly Matcher[], ctx: SeriesContext): Promise<Merged[]> {
  return block.withIndex(async (r) => {
    const ids = await block.postings(r, matchers, ctx.stats);
    const entries = await block.series(r, ids, ctx.stats);
    const out: Merged[] = [];
    for (const e of entries) {
      const chunks = e.chunks.filter((c) => c.maxTime >= ctx.minTime && c.minTime <= ctx.maxTime);
      if (chunks.length === 0) continue;
      const labels = ctx.withoutReplicaLabels.size === 0
        ? block.outputLabels(e, (x) => outputLabels(x.labels, block.labels, ctx.withoutReplicaLabels))
        : outputLabels(e.labels, block.labels, ctx.withoutReplicaLabels);
      out.push({ labels, parts: [{ block, chunks }] });
    }
    ctx.limiter.addSeries(out.length);
    ctx.limiter.setBytes(ctx.stats.bytesFetched);
    // Index order is label order; attaching external labels or dropping replica labels rarely changes it.
    if (!isSorted(out)) out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }, ctx.signal);
}

/** Merges two sorted lists; equal label sets (the same series in several blocks) become one entry. */
function mergeTwo(a: Merged[], b: Merged[]): Merged[] {
  const out: Merged[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const c = compareLabels(a[i]!.labels, b[j]!.labels);
    if (c < 0) out.push(a[i++]!);
    else if (c > 0) out.push(b[j++]!);
    else {
      const x = a[i++]!;
      x.parts.push(...b[j++]!.parts);
      out.push(x);
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** Merges sorted lists pairwise (log2(n) rounds), keeping block order inside each entry's parts. */
function mergeAll(lists: Merged[][]): Merged[] {
  if (lists.length === 0) return [];
  while (lists.length > 1) {
    const next: Merged[][] = [];
    for (let i = 0; i < lists.length; i += 2) next.push(i + 1 < lists.length ? mergeTwo(lists[i]!, lists[i + 1]!) : lists[i]!);
    lists = next;
  }
  return lists[0]!;
}

const AGGR_FIELDS = { COUNT: ['count', AggrType.Count], SUM: ['sum', AggrType.Sum], MIN: ['min', AggrType.Min], MAX: ['max', AggrType.Max], COUNTER: ['counter', AggrType.Counter] } as const;

/**
 * A stored chunk as the StoreAPI sends it: raw chunks in `raw`; aggregate chunks (downsampled blocks) as the
 * requested aggregates, each its own chunk (upstream populateChunk: RAW asks nothing of an aggregate chunk, a missing
 * requested aggregate is an error).
 */
function toAggr(meta: ChunkMeta, raw: RawChunk, block: BucketBlock, aggregates: readonly Aggr[]): AggrChunk {
  if (raw.encoding === AGGR_CHUNK_ENCODING) {
    const where = `${block.id}/chunks`;
    const entries = decodeAggrChunk(raw.data, where);
    const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime: meta.minTime, maxTime: meta.maxTime };
    for (const a of aggregates) {
      if (a === 'RAW') continue;
      const [field, at] = AGGR_FIELDS[a];
      const e = entries[at];
      if (e === undefined) throw new CorruptionError(where, 'chunk', raw.ref, `aggregate ${field} does not exist`);
      const encoding = ENCODINGS[e.encoding];
      if (!encoding) throw new CorruptionError(where, 'chunk', raw.ref, `unsupported ${field} aggregate encoding ${e.encoding}`);
      out[field] = { encoding, data: e.data } satisfies Chunk;
    }
    return out;
  }
  const encoding = ENCODINGS[raw.encoding];
  if (!encoding) throw new CorruptionError(`${block.id}/chunks`, 'chunk', raw.ref, `unsupported chunk encoding ${raw.encoding}`);
  return { minTime: meta.minTime, maxTime: meta.maxTime, raw: { encoding, data: raw.data } };
}

/** A block whose data could not be read for some series of a request, with the first error (the block named in it). */
interface Loss {
  readonly block: BucketBlock;
  readonly err: Error;
  /** Series of this block left out, or 'all' when its index could not be read. */
  series: number | 'all';
}

/**
 * Fetches the chunks of a batch from every block involved, in parallel; raws come back per part, in order. A part
 * whose chunks cannot be read (ctx.confineDataLoss) has no entry; `losses` says which block lost how many.
 */
async function fetchBatch(batch: readonly Merged[], ctx: SeriesContext, losses: Map<BucketBlock, Loss>): Promise<Map<Part, RawChunk[]>> {
  const perBlock = new Map<BucketBlock, Part[]>();
  for (const m of batch) {
    for (const p of m.parts) {
      const l = perBlock.get(p.block);
      if (l) l.push(p); else perBlock.set(p.block, [p]);
    }
  }
  const out = new Map<Part, RawChunk[]>();
  await Promise.all([...perBlock].map(async ([block, parts]) => {
    const refs: number[] = [];
    for (const p of parts) for (const c of p.chunks) refs.push(c.ref);
    let raws: RawChunk[];
    try {
      raws = await block.chunks(refs, ctx.stats);
    } catch (err) {
      if (!ctx.confineDataLoss || !isDataLoss(err)) throw blockError(block, err);
      // Neighbouring chunks are read together, so one bad chunk failed them all: read series by series so only the
      // series whose own chunks are unreadable are lost.
      await mapConcurrent(parts, ISOLATE_CONCURRENCY, async (p) => {
        try {
          out.set(p, await block.chunks(p.chunks.map((c) => c.ref), ctx.stats));
        } catch (e) {
          if (!isDataLoss(e)) throw blockError(block, e);
          noteLoss(losses, block, e, 1);
        }
      });
      return;
    }
    let k = 0;
    for (const p of parts) { out.set(p, raws.slice(k, k + p.chunks.length)); k += p.chunks.length; }
  }));
  return out;
}

/** Counts `series` lost in `block`, keeping the first error. */
function noteLoss(losses: Map<BucketBlock, Loss>, block: BucketBlock, err: unknown, series: number | 'all'): void {
  const l = losses.get(block);
  if (!l) losses.set(block, { block, err: blockError(block, err), series });
  else if (l.series !== 'all') l.series = series === 'all' ? 'all' : l.series + series;
}

/**
 * Reports the losses noted since the last call: one log line per block each time, one warning per block per
 * request (`warned` keeps which). Returns the warnings to send.
 */
function reportLosses(losses: Map<BucketBlock, Loss>, warned: Set<BucketBlock>, ctx: SeriesContext): SeriesResponse[] {
  const out: SeriesResponse[] = [];
  for (const l of losses.values()) {
    const where = l.err instanceof CorruptionError ? { file: l.err.file, offset: l.err.offset }
      : l.err instanceof NotFoundError ? { file: l.err.object } : {};
    ctx.logger.warn('unreadable block data, its series are left out of the answer', {
      block: l.block.id, ...where, series: l.series, err: l.err.message,
    });
    if (warned.has(l.block)) continue;
    warned.add(l.block);
    out.push({ type: 'warning', warning: `${l.err.message} (series of this block that need it are left out)` });
  }
  losses.clear();
  return out;
}

/**
 * The request's series over several blocks, sorted by labels (external labels included), each series' chunks from
 * every block merged in time order with exact duplicates (same block range twice) removed. Errors name the block.
 */
export async function* blocksSeries(blocks: readonly { block: BucketBlock; matchers: readonly Matcher[] }[], ctx: SeriesContext): AsyncGenerator<SeriesResponse> {
  const losses = new Map<BucketBlock, Loss>();
  const warned = new Set<BucketBlock>();
  const lists = await Promise.all(blocks.map(async ({ block, matchers }) => {
    try {
      return await select(block, matchers, ctx);
    } catch (err) {
      if (!ctx.confineDataLoss || !isDataLoss(err)) throw logged(blockError(block, err), block, ctx);
      noteLoss(losses, block, err, 'all'); // its index cannot be read: every series it would add is lost
      return [];
    }
  }));
  yield* reportLosses(losses, warned, ctx);
  const merged = mergeAll(lists);
  for (let i = 0; i < merged.length; i += CHUNK_BATCH_SERIES) {
    if (ctx.signal?.aborted) throw new AbortError('series request aborted');
    const batch = merged.slice(i, i + CHUNK_BATCH_SERIES);
    if (ctx.skipChunks) {
      for (const s of batch) yield { type: 'series', series: { labels: s.labels, chunks: [] } };
      continue;
    }
    let n = 0;
    for (const s of batch) for (const p of s.parts) n += p.chunks.length;
    ctx.limiter.addChunks(n);
    let raws: Map<Part, RawChunk[]>;
    try {
      raws = await fetchBatch(batch, ctx, losses);
    } catch (err) {
      throw isDataLoss(err) ? logged(err, undefined, ctx) : err;
    }
    if (losses.size > 0) yield* reportLosses(losses, warned, ctx);
    let bytes = 0;
    for (const r of raws.values()) for (const c of r) bytes += c.data.length;
    const release = ctx.pool.take(bytes);
    try {
      ctx.limiter.setBytes(ctx.stats.bytesFetched);
      for (const s of batch) {
        const chunks: AggrChunk[] = [];
        for (const p of s.parts) {
          const r = raws.get(p);
          if (r === undefined) continue; // unreadable in this block (reported above)
          const had = chunks.length;
          try {
            for (let k = 0; k < p.chunks.length; k++) chunks.push(toAggr(p.chunks[k]!, r[k]!, p.block, ctx.aggregates));
          } catch (err) {
            if (!ctx.confineDataLoss || !isDataLoss(err)) throw logged(blockError(p.block, err), p.block, ctx);
            chunks.length = had;
            noteLoss(losses, p.block, err, 1);
          }
        }
        if (chunks.length === 0) continue;
        if (s.parts.length > 1) sortChunks(chunks);
        yield { type: 'series', series: { labels: s.labels, chunks } };
      }
      if (losses.size > 0) yield* reportLosses(losses, warned, ctx);
    } finally {
      release();
    }
  }
}

/** Logs unreadable block data that fails the whole request (partial answers not allowed), then returns the error. */
function logged(err: Error, block: BucketBlock | undefined, ctx: SeriesContext): Error {
  if (isDataLoss(err)) {
    ctx.logger.warn('unreadable block data fails the request (partial response disabled)', {
      ...(block ? { block: block.id } : {}),
      ...(err instanceof CorruptionError ? { file: err.file, offset: err.offset } : { file: err.object }),
      err: err.message,
    });
  }
  return err;
}

/** Orders chunks by time and drops exact repeats (overlapping blocks with identical chunks). */
function sortChunks(chunks: AggrChunk[]): void {
  let sorted = true;
  for (let i = 1; i < chunks.length; i++) if (chunks[i - 1]!.minTime > chunks[i]!.minTime) { sorted = false; break; }
  if (!sorted) chunks.sort((a, b) => a.minTime - b.minTime || a.maxTime - b.maxTime);
  let w = 0;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    const p = w > 0 ? chunks[w - 1]! : undefined;
    if (p && p.minTime === c.minTime && p.maxTime === c.maxTime && sameData(p, c)) continue;
    chunks[w++] = c;
  }
  chunks.length = w;
}

/** Whether two chunks carry the same bytes in every part (raw or aggregates). */
function sameData(a: AggrChunk, b: AggrChunk): boolean {
  for (const f of ['raw', 'count', 'sum', 'min', 'max', 'counter'] as const) {
    const x = a[f];
    const y = b[f];
    if (x === undefined && y === undefined) continue;
    if (x === undefined || y === undefined || Buffer.compare(x.data, y.data) !== 0) return false;
  }
  return true;
}
