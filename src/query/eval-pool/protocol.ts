// The messages between the querier's main thread and its evaluation workers: a job (one query), the selects the
// worker asks the main thread to run against the stores, and the answer. Chunk bytes travel packed in one transferred
// buffer, so a select costs one copy and no per-chunk cloning.

import type { EngineOptions } from '../../promql/engine.js';
import type { SelectHints } from '../../promql/queryable.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import type { MatchType } from '../../tsdb/labels/matcher.js';
import type { AggrChunk, ChunkEncoding } from '../../store/store-api.js';
import type { DedupAlgorithm } from '../dedup.js';
import type { FetchedSeries } from '../queryable.js';
import type { ErrorType } from '../api/json.js';

/** One query to evaluate; `step` 0 is an instant query at `start`. */
export interface EvalJob {
  readonly query: string;
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly engine: EngineOptions;
  /** Merge replicas (dedup on and replica labels given). */
  readonly dedup: boolean;
  readonly algorithm: DedupAlgorithm;
}

export interface WireMatcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
}

/** A chunk of a selected series; its bytes are `bytes[off, off+len)` of the message's buffer (len -1: no raw chunk). */
interface WireChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly encoding: ChunkEncoding;
  readonly off: number;
  readonly len: number;
}

export interface WireSeries {
  readonly labels: Labels;
  readonly chunks: readonly WireChunk[];
}

export type ToWorker =
  | { readonly type: 'run'; readonly job: EvalJob }
  | { readonly type: 'selected'; readonly sel: number; readonly series: readonly WireSeries[]; readonly bytes: Uint8Array }
  | { readonly type: 'selectFailed'; readonly sel: number; readonly message: string };

export type FromWorker =
  | { readonly type: 'hello'; readonly tid: number | undefined }
  | { readonly type: 'select'; readonly sel: number; readonly matchers: readonly WireMatcher[]; readonly hints: SelectHints }
  | { readonly type: 'done'; readonly data: string; readonly warnings: readonly string[]; readonly infos: readonly string[]; readonly heapBytes: number }
  | { readonly type: 'failed'; readonly errorType: ErrorType; readonly message: string; readonly heapBytes: number };

/** Packs fetched series for posting: only raw chunks are kept (the evaluator reads nothing else). */
export function packSeries(got: readonly FetchedSeries[]): { series: WireSeries[]; bytes: Uint8Array } {
  let total = 0;
  for (const s of got) for (const c of s.chunks) total += c.raw?.data.length ?? 0;
  const bytes = new Uint8Array(total);
  let off = 0;
  const series = got.map((s): WireSeries => ({
    labels: s.labels,
    chunks: s.chunks.map((c): WireChunk => {
      if (!c.raw) return { minTime: c.minTime, maxTime: c.maxTime, encoding: 'XOR', off: 0, len: -1 };
      bytes.set(c.raw.data, off);
      const w = { minTime: c.minTime, maxTime: c.maxTime, encoding: c.raw.encoding, off, len: c.raw.data.length };
      off += c.raw.data.length;
      return w;
    }),
  }));
  return { series, bytes };
}

export function unpackSeries(series: readonly WireSeries[], bytes: Uint8Array): FetchedSeries[] {
  return series.map((s) => ({
    labels: s.labels,
    chunks: s.chunks.map((c): AggrChunk => (c.len < 0
      ? { minTime: c.minTime, maxTime: c.maxTime }
      : { minTime: c.minTime, maxTime: c.maxTime, raw: { encoding: c.encoding, data: bytes.subarray(c.off, c.off + c.len) } })),
  }));
}
