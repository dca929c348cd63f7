// Query results as the engine returns them (Prometheus's promql/value.go): scalar, string, instant vector, matrix.

import type { Labels } from '../tsdb/labels/labels.js';

export interface Sample {
  readonly labels: Labels;
  /** ms */
  readonly t: number;
  readonly v: number;
}

export interface MatrixSeries {
  readonly labels: Labels;
  /** ms timestamps, ascending; same length as `values`. */
  readonly timestamps: Float64Array;
  readonly values: Float64Array;
}

export type QueryValue =
  | { readonly type: 'scalar'; readonly t: number; readonly v: number }
  | { readonly type: 'string'; readonly t: number; readonly v: string }
  | { readonly type: 'vector'; readonly samples: readonly Sample[] }
  | { readonly type: 'matrix'; readonly series: readonly MatrixSeries[] };

export interface QueryResult {
  readonly value: QueryValue;
  /** Full annotation texts, e.g. `PromQL warning: …`. */
  readonly warnings: readonly string[];
  readonly infos: readonly string[];
}
