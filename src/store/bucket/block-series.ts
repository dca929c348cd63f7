// The Series stream of one block: matchers on the block's external labels decide whether the block takes part at
// all, the rest select postings; series entries are read, chunks outside the time range dropped, external labels
// attached (they take precedence, as upstream), replica labels stripped, the result sorted, then chunks fetched in
// batches so only one batch's bytes are held at a time.

import { AbortError, CorruptionError, LimitError, isThanosError } from '../../runtime/errors.js';
import type { RawChunk } from '../../tsdb/chunks/refs.js';
import type { ChunkMeta } from '../../tsdb/index/writer.js';
import { compareLabels, type Label, type Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import type { AggrChunk, ChunkEncoding, SeriesResponse } from '../store-api.js';
import type { BucketBlock, RequestStats } from './bucket-block.js';
import type { ChunkPool, RequestLimiter } from './limits.js';

/** Series whose chunks are fetched together. */
const CHUNK_BATCH_SERIES = 512;

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

interface Selected {
  readonly labels: Labels;
  readonly chunks: readonly ChunkMeta[];
}

/** Selects and sorts the block's series for the request (index work only). */
async function select(block: BucketBlock, matchers: readonly Matcher[], ctx: SeriesContext): Promise<Selected[]> {
  return block.withIndex(async (r) => {
    const ids = await block.postings(r, matchers, ctx.stats);
    const entries = await block.series(r, ids, ctx.stats);
    const out: Selected[] = [];
    for (const e of entries) {
      const chunks = e.chunks.filter((c) => c.maxTime >= ctx.minTime && c.minTime <= ctx.maxTime);
      if (chunks.length === 0) continue;
      out.push({ labels: outputLabels(e.labels, block.labels, ctx.withoutReplicaLabels), chunks });
    }
    ctx.limiter.addSeries(out.length);
    ctx.limiter.setBytes(ctx.stats.bytesFetched);
    // Index order is label order; attaching external labels or dropping replica labels rarely changes it.
    if (!isSorted(out)) out.sort((a, b) => compareLabels(a.labels, b.labels));
    return out;
  }, ctx.signal);
}

function toAggr(meta: ChunkMeta, raw: RawChunk, block: BucketBlock): AggrChunk {
  const encoding = ENCODINGS[raw.encoding];
  if (!encoding) throw new CorruptionError(`${block.id}/chunks`, 'chunk', raw.ref, `unsupported chunk encoding ${raw.encoding}`);
  return { minTime: meta.minTime, maxTime: meta.maxTime, raw: { encoding, data: raw.data } };
}

/** The block's series for the request, sorted by labels. Errors name the block. */
export async function* blockSeries(block: BucketBlock, matchers: readonly Matcher[], ctx: SeriesContext): AsyncGenerator<SeriesResponse> {
  let selected: Selected[];
  try {
    selected = await select(block, matchers, ctx);
  } catch (err) {
    throw blockError(block, err);
  }
  for (let i = 0; i < selected.length; i += CHUNK_BATCH_SERIES) {
    if (ctx.signal?.aborted) throw new AbortError('series request aborted');
    const batch = selected.slice(i, i + CHUNK_BATCH_SERIES);
    if (ctx.skipChunks) {
      for (const s of batch) yield { type: 'series', series: { labels: s.labels, chunks: [] } };
      continue;
    }
    let release: (() => void) | undefined;
    let raws: RawChunk[];
    try {
      const refs: number[] = [];
      for (const s of batch) for (const c of s.chunks) refs.push(c.ref);
      ctx.limiter.addChunks(refs.length);
      raws = await block.chunks(refs, ctx.stats);
      let bytes = 0;
      for (const c of raws) bytes += c.data.length;
      release = ctx.pool.take(bytes);
      ctx.limiter.setBytes(ctx.stats.bytesFetched);
    } catch (err) {
      release?.();
      throw blockError(block, err);
    }
    try {
      let k = 0;
      for (const s of batch) {
        const chunks: AggrChunk[] = [];
        for (const c of s.chunks) chunks.push(toAggr(c, raws[k++]!, block));
        yield { type: 'series', series: { labels: s.labels, chunks } };
      }
    } finally {
      release();
    }
  }
}
