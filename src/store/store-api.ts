// The StoreAPI as a TypeScript interface: upstream Thanos's thanos.Store + thanos.info.Info services. Every data
// source (sidecar, store gateway, receive, rule, proxy) implements it; the gRPC server exposes any implementation
// and the gRPC client is one, so components compose the same way in-process and over the network.

import type { Labels } from '../tsdb/labels/labels.js';
import type { Matcher } from '../tsdb/labels/matcher.js';

/** StoreAPI chunk encodings. Mind the numbering on the wire: XOR=0 here, while Prometheus's chunk byte says 1. */
export type ChunkEncoding = 'XOR' | 'HISTOGRAM' | 'FLOAT_HISTOGRAM';

export interface Chunk {
  readonly encoding: ChunkEncoding;
  /** Raw Prometheus chunk bytes without the encoding byte. May be a view into a larger buffer: do not mutate. */
  readonly data: Uint8Array;
  /** Optional xxhash of data (0n / undefined = absent). Rarely set, so a bigint costs nothing in hot paths. */
  readonly hash?: bigint;
}

/** A chunk covering [minTime, maxTime] (inclusive, ms): `raw` for raw data, the aggregates for downsampled data. */
export interface AggrChunk {
  readonly minTime: number;
  readonly maxTime: number;
  readonly raw?: Chunk;
  readonly count?: Chunk;
  readonly sum?: Chunk;
  readonly min?: Chunk;
  readonly max?: Chunk;
  readonly counter?: Chunk;
}

export interface Series {
  /** Sorted by name, external labels included. */
  readonly labels: Labels;
  /** Ordered by minTime. May extend past the requested range; clients trim. */
  readonly chunks: readonly AggrChunk[];
}

export type Aggr = 'RAW' | 'COUNT' | 'SUM' | 'MIN' | 'MAX' | 'COUNTER';
export type PartialResponseStrategy = 'WARN' | 'ABORT';

/** A google.protobuf.Any, kept opaque (hints travel through without being interpreted). */
export interface AnyMessage {
  readonly typeUrl: string;
  readonly value: Uint8Array;
}

export interface QueryHints {
  readonly stepMillis: number;
  readonly func?: { readonly name: string };
  readonly grouping?: { readonly by: boolean; readonly labels: readonly string[] };
  readonly range?: { readonly millis: number };
  readonly projectionLabels: readonly string[];
  readonly projectionInclude: boolean;
}

export interface ShardInfo {
  readonly shardIndex: number;
  readonly totalShards: number;
  readonly by: boolean;
  readonly labels: readonly string[];
}

export interface SeriesRequest {
  /** Inclusive bounds in ms. */
  readonly minTime: number;
  readonly maxTime: number;
  /** Already compiled, so an invalid regex was rejected (InvalidArgumentError) before reaching a store. */
  readonly matchers: readonly Matcher[];
  readonly maxResolutionWindow: number;
  readonly aggregates: readonly Aggr[];
  /** Deprecated upstream; kept so the wire round-trips. */
  readonly partialResponseDisabled: boolean;
  readonly partialResponseStrategy: PartialResponseStrategy;
  /** Labels only: series carry no chunks. */
  readonly skipChunks: boolean;
  /** Labels the store should strip from every series, keeping the stream sorted. */
  readonly withoutReplicaLabels: readonly string[];
  /** Maximum series to return; 0 means unlimited. */
  readonly limit: number;
  readonly hints?: AnyMessage;
  readonly step: number;
  readonly range: number;
  readonly queryHints?: QueryHints;
  readonly shardInfo?: ShardInfo;
  readonly responseBatchSize: number;
}

/** One frame of a Series stream. Batch frames from upstream are flattened into `series` frames by the client. */
export type SeriesResponse =
  | { readonly type: 'series'; readonly series: Series }
  | { readonly type: 'warning'; readonly warning: string }
  | { readonly type: 'hints'; readonly hints: AnyMessage };

export interface LabelNamesRequest {
  readonly start: number;
  readonly end: number;
  readonly matchers: readonly Matcher[];
  readonly partialResponseDisabled: boolean;
  readonly partialResponseStrategy: PartialResponseStrategy;
  readonly withoutReplicaLabels: readonly string[];
  readonly limit: number;
  readonly hints?: AnyMessage;
}

export interface LabelValuesRequest extends LabelNamesRequest {
  readonly label: string;
}

export interface LabelNamesResponse {
  readonly names: readonly string[];
  readonly warnings: readonly string[];
  readonly hints?: AnyMessage;
}

export interface LabelValuesResponse {
  readonly values: readonly string[];
  readonly warnings: readonly string[];
  readonly hints?: AnyMessage;
}

export interface TSDBInfo {
  readonly labels: Labels;
  readonly minTime: number;
  readonly maxTime: number;
}

/** What a store advertises: drives store selection in the proxy and the querier's endpoint set. */
export interface StoreInfo {
  /** `sidecar`, `store`, `query`, `rule`, `receive`, `debug` (thanos.info ComponentType). */
  readonly componentType: string;
  /** External label sets of the data behind this store; empty means "any labels". */
  readonly labelSets: readonly Labels[];
  readonly minTime: number;
  readonly maxTime: number;
  readonly supportsSharding: boolean;
  readonly supportsWithoutReplicaLabels: boolean;
  readonly tsdbInfos: readonly TSDBInfo[];
}

export interface StoreAPI {
  /** Current label sets and time range. Cheap; callers poll it. */
  info(signal?: AbortSignal): Promise<StoreInfo>;
  /**
   * Series matching all matchers that have data in [minTime, maxTime], strictly sorted by labels. A series may be
   * split over consecutive frames with equal labels, never resumed after another series started. Warnings may appear
   * anywhere. Throws InvalidArgumentError for bad requests, LimitError for limits, UnavailableError when a backend is
   * down. Stops promptly when `signal` aborts.
   */
  series(req: SeriesRequest, signal?: AbortSignal): AsyncIterable<SeriesResponse>;
  /** Sorted, unique label names of series matching the matchers in [start, end]. */
  labelNames(req: LabelNamesRequest, signal?: AbortSignal): Promise<LabelNamesResponse>;
  /** Sorted, unique values of `label` in series matching the matchers in [start, end]. */
  labelValues(req: LabelValuesRequest, signal?: AbortSignal): Promise<LabelValuesResponse>;
}

/** Time bounds meaning "everything", as upstream uses math.MinInt64/MaxInt64 (clamped to safe integers). */
export const MIN_TIME = Number.MIN_SAFE_INTEGER;
export const MAX_TIME = Number.MAX_SAFE_INTEGER;

/** A SeriesRequest with the proto zero values (WARN, no limits) for every field not given, times unbounded. */
export function seriesRequest(fields: Partial<SeriesRequest> & Pick<SeriesRequest, 'matchers'>): SeriesRequest {
  return {
    minTime: MIN_TIME,
    maxTime: MAX_TIME,
    maxResolutionWindow: 0,
    aggregates: [],
    partialResponseDisabled: false,
    partialResponseStrategy: 'WARN',
    skipChunks: false,
    withoutReplicaLabels: [],
    limit: 0,
    step: 0,
    range: 0,
    responseBatchSize: 0,
    ...fields,
  };
}

export function labelNamesRequest(fields: Partial<LabelNamesRequest> = {}): LabelNamesRequest {
  return {
    start: MIN_TIME,
    end: MAX_TIME,
    matchers: [],
    partialResponseDisabled: false,
    partialResponseStrategy: 'WARN',
    withoutReplicaLabels: [],
    limit: 0,
    ...fields,
  };
}

export function labelValuesRequest(label: string, fields: Partial<LabelNamesRequest> = {}): LabelValuesRequest {
  return { ...labelNamesRequest(fields), label };
}
