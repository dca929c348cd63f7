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

/** One part of a chunk (raw or an aggregate); its bytes are `bytes[off, off+len)` of the message's buffer. */
interface WirePart {
  readonly field: ChunkPart;
  readonly encoding: ChunkEncoding;
  readonly off: number;
  readonly len: number;
}

type ChunkPart = 'raw' | 'count' | 'sum' | 'min' | 'max' | 'counter';
const PARTS: readonly ChunkPart[] = ['raw', 'count', 'sum', 'min', 'max', 'counter'];

/** A chunk of a selected series: raw data or, from downsampled blocks, aggregates. */
interface WireChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly parts: readonly WirePart[];
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

/** Packs fetched series for posting: raw chunks and aggregates (downsampled data), all bytes in one buffer. */
export function packSeries(got: readonly FetchedSeries[]): { series: WireSeries[]; bytes: Uint8Array } {
  let total = 0;
  for (const s of got) for (const c of s.chunks) for (const f of PARTS) total += c[f]?.data.length ?? 0;
  const bytes = new Uint8Array(total);
  let off = 0;
  const series = got.map((s): WireSeries => ({
    labels: s.labels,
    chunks: s.chunks.map((c): WireChunk => {
      const parts: WirePart[] = [];
      for (const field of PARTS) {
        const p = c[field];
        if (!p) continue;
        bytes.set(p.data, off);
        parts.push({ field, encoding: p.encoding, off, len: p.data.length });
        off += p.data.length;
      }
      return { minTime: c.minTime, maxTime: c.maxTime, parts };
    }),
  }));
  return { series, bytes };
}

export function unpackSeries(series: readonly WireSeries[], bytes: Uint8Array): FetchedSeries[] {
  return series.map((s) => ({
    labels: s.labels,
    chunks: s.chunks.map((c): AggrChunk => {
      const out: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime: c.minTime, maxTime: c.maxTime };
      for (const p of c.parts) out[p.field] = { encoding: p.encoding, data: bytes.subarray(p.off, p.off + p.len) };
      return out;
    }),
  }));
}
