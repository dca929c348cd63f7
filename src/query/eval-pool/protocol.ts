// The messages between the querier's main thread and its evaluation workers: a job (one query), the selects the
// worker asks the main thread to run against the stores, and the answer. Selected series travel packed (labels in one
// string, shape as numbers, chunk bytes in one transferred buffer), so a select costs a few copies, no per-object cloning.

import type { EngineOptions } from '../../promql/engine.js';
import type { SelectHints } from '../../promql/queryable.js';
import type { Label } from '../../tsdb/labels/labels.js';
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

type ChunkPart = 'raw' | 'count' | 'sum' | 'min' | 'max' | 'counter';
const PARTS: readonly ChunkPart[] = ['raw', 'count', 'sum', 'min', 'max', 'counter'];
const ENCODINGS: readonly ChunkEncoding[] = ['XOR', 'HISTOGRAM', 'FLOAT_HISTOGRAM'];

/**
 * Selected series packed for posting. Cloning costs per object, and a select answers hundreds of series with
 * several labels and chunks each: as objects, the clone took about as long as the rest of the select. So every
 * label name and value is one string (`text`), and the shape is numbers in `meta`: per series the label count,
 * the length of each name and value, the chunk count, and per chunk minTime, maxTime, part count and per part its
 * field, encoding, offset and length in `bytes`. `meta` and `bytes` are transferred, not copied.
 */
export interface PackedSeries {
  readonly count: number;
  readonly text: string;
  readonly meta: Float64Array;
  readonly bytes: Uint8Array;
}

export type ToWorker =
  | { readonly type: 'run'; readonly job: EvalJob }
  | { readonly type: 'selected'; readonly sel: number; readonly series: PackedSeries }
  | { readonly type: 'selectFailed'; readonly sel: number; readonly message: string };

export type FromWorker =
  | { readonly type: 'hello'; readonly tid: number | undefined }
  | { readonly type: 'select'; readonly sel: number; readonly matchers: readonly WireMatcher[]; readonly hints: SelectHints }
  | { readonly type: 'done'; readonly data: string; readonly warnings: readonly string[]; readonly infos: readonly string[]; readonly heapBytes: number }
  | { readonly type: 'failed'; readonly errorType: ErrorType; readonly message: string; readonly heapBytes: number };

/** Packs fetched series for posting: raw chunks and aggregates (downsampled data). */
export function packSeries(got: readonly FetchedSeries[]): PackedSeries {
  let total = 0;
  let metaLen = 0;
  for (const s of got) {
    metaLen += 2 + 2 * s.labels.length;
    for (const c of s.chunks) {
      metaLen += 3;
      for (const f of PARTS) {
        const p = c[f];
        if (!p) continue;
        total += p.data.length;
        metaLen += 4;
      }
    }
  }
  const bytes = new Uint8Array(total);
  const meta = new Float64Array(metaLen);
  const text: string[] = [];
  let off = 0;
  let m = 0;
  for (const s of got) {
    meta[m++] = s.labels.length;
    for (const l of s.labels) {
      text.push(l.name, l.value);
      meta[m++] = l.name.length;
      meta[m++] = l.value.length;
    }
    meta[m++] = s.chunks.length;
    for (const c of s.chunks) {
      meta[m++] = c.minTime;
      meta[m++] = c.maxTime;
      const partsAt = m++;
      let parts = 0;
      for (let f = 0; f < PARTS.length; f++) {
        const p = c[PARTS[f]!];
        if (!p) continue;
        bytes.set(p.data, off);
        meta[m++] = f;
        meta[m++] = ENCODINGS.indexOf(p.encoding);
        meta[m++] = off;
        meta[m++] = p.data.length;
        off += p.data.length;
        parts++;
      }
      meta[partsAt] = parts;
    }
  }
  return { count: got.length, text: text.join(''), meta, bytes };
}

export function unpackSeries(p: PackedSeries): FetchedSeries[] {
  const { text, meta, bytes } = p;
  const out: FetchedSeries[] = new Array<FetchedSeries>(p.count);
  let m = 0;
  let t = 0;
  for (let i = 0; i < p.count; i++) {
    const nLabels = meta[m++]!;
    const labels: Label[] = new Array<Label>(nLabels);
    for (let k = 0; k < nLabels; k++) {
      const nl = meta[m++]!;
      const vl = meta[m++]!;
      labels[k] = { name: text.slice(t, t + nl), value: text.slice(t + nl, t + nl + vl) };
      t += nl + vl;
    }
    const nChunks = meta[m++]!;
    const chunks: AggrChunk[] = new Array<AggrChunk>(nChunks);
    for (let k = 0; k < nChunks; k++) {
      const c: { -readonly [K in keyof AggrChunk]: AggrChunk[K] } = { minTime: meta[m++]!, maxTime: meta[m++]! };
      const parts = meta[m++]!;
      for (let j = 0; j < parts; j++) {
        const field = PARTS[meta[m++]!]!;
        const encoding = ENCODINGS[meta[m++]!]!;
        const off = meta[m++]!;
        const len = meta[m++]!;
        c[field] = { encoding, data: bytes.subarray(off, off + len) };
      }
      chunks[k] = c;
    }
    out[i] = { labels, chunks };
  }
  return out;
}
