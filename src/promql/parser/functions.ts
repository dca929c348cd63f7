// The table of PromQL function *signatures* (argument and return types), as Prometheus's parser/functions.go;
// implementations live in the engine. `variadic`: 0 = exact, n > 0 = up to n optional trailing args, -1 = unbounded.

import type { ValueType } from './ast.js';

export interface FunctionSignature {
  readonly name: string;
  readonly argTypes: readonly ValueType[];
  readonly variadic: number;
  readonly returnType: ValueType;
  /** Needs Prometheus's `promql-experimental-functions`; we accept them like the test suite does. */
  readonly experimental: boolean;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

function sig(name: string, argTypes: ValueType[], returnType: ValueType, variadic = 0, experimental = false): FunctionSignature {
  return { name, argTypes, returnType, variadic, experimental };
}

const list: FunctionSignature[] = [
  sig('time', [], S),
  sig('pi', [], S),
  sig('vector', [S], V),
  sig('scalar', [V], S),
  sig('timestamp', [V], V),
  sig('absent', [V], V),
  sig('absent_over_time', [M], V),
  sig('present_over_time', [M], V),
  sig('clamp', [V, S, S], V),
  sig('clamp_min', [V, S], V),
  sig('clamp_max', [V, S], V),
  sig('round', [V, S], V, 1),
  sig('histogram_quantile', [S, V], V),
  sig('histogram_fraction', [S, S, V], V),
  sig('histogram_count', [V], V),
  sig('histogram_sum', [V], V),
  sig('histogram_avg', [V], V),
  sig('histogram_stddev', [V], V),
  sig('histogram_stdvar', [V], V),
  sig('histogram_quantiles', [V, STR, S], V, -1, true),
  sig('label_replace', [V, STR, STR, STR, STR], V),
  sig('label_join', [V, STR, STR, STR], V, -1),
  sig('sort', [V], V),
  sig('sort_desc', [V], V),
  sig('sort_by_label', [V, STR], V, -1, true),
  sig('sort_by_label_desc', [V, STR], V, -1, true),
  sig('predict_linear', [M, S], V),
  sig('double_exponential_smoothing', [M, S, S], V, 0, true),
  sig('quantile_over_time', [S, M], V),
  sig('info', [V, V], V, 1, true),
  sig('start_timestamp', [V], V, 0, true),
  // Experimental query-parameter functions (Prometheus 3.12/3.13).
  sig('start', [], S, 0, true),
  sig('end', [], S, 0, true),
  sig('range', [], S, 0, true),
  sig('step', [], S, 0, true),
];
for (const f of ['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets', 'changes', 'avg_over_time',
  'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'stddev_over_time', 'stdvar_over_time',
  'last_over_time', 'first_over_time']) list.push(sig(f, [M], V));
for (const f of ['mad_over_time', 'ts_of_first_over_time', 'ts_of_last_over_time', 'ts_of_min_over_time',
  'ts_of_max_over_time']) list.push(sig(f, [M], V, 0, true));
for (const f of ['abs', 'ceil', 'floor', 'exp', 'ln', 'log2', 'log10', 'sqrt', 'sgn', 'sin', 'cos', 'tan', 'asin',
  'acos', 'atan', 'sinh', 'cosh', 'tanh', 'asinh', 'acosh', 'atanh', 'deg', 'rad']) list.push(sig(f, [V], V));
for (const f of ['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year']) {
  list.push(sig(f, [V], V, 1));
}

export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(list.map((f) => [f.name, f]));

/** Functions whose result depends on the evaluation time itself; Prometheus's runner skips `@` replays for them. */
export const AT_MODIFIER_UNSAFE_FUNCTIONS: ReadonlySet<string> = new Set([
  'time', 'timestamp', 'predict_linear', 'minute', 'hour', 'day_of_week', 'day_of_month', 'day_of_year',
  'days_in_month', 'month', 'year', 'start', 'end', 'range', 'step',
]);
