// Function calls: range functions over windows (rate, *_over_time, …), element-wise functions, and the ones that
// need labels or the whole vector (absent, label_replace, sort, scalar, vector, time, histogram_quantile).

import { InvalidArgumentError } from '../runtime/errors.js';
import { METRIC_NAME } from '../tsdb/labels/labels.js';
import { RANGE_FUNCTIONS } from './functions/range-functions.js';
import { RESET_WINDOW_FUNCTIONS, WINDOW_FUNCTIONS, counterResets } from './functions/window-functions.js';
import { MATH_FUNCTIONS, round, clamp, clampMin, clampMax } from './functions/instant-functions.js';
import { DATE_FUNCTIONS } from './functions/date-functions.js';
import type { Call, Expr } from './parser/ast.js';
import { unwrap } from './parser/ast.js';
import { exprType } from './parser/parse.js';
import type { EvalValue, Grid, VSeries } from './eval-types.js';
import { QueryError, mapSeries, newVSeries } from './eval-types.js';
import type { Evaluator } from './evaluator.js';
import { absentLabels, atTime, instantValues, loadSelector, refTime } from './eval-selectors.js';
import { labelJoin, labelReplace, sortByLabel } from './eval-label-functions.js';
import { histogramQuantileCall } from './eval-histogram.js';

/** Range functions whose result keeps the metric name. */
const KEEP_NAME = new Set(['last_over_time', 'first_over_time']);
const COUNTER_FUNCS = new Set(['rate', 'increase']);

export async function evalCall(ev: Evaluator, e: Call, grid: Grid): Promise<EvalValue> {
  const f = e.func;
  if (RANGE_FUNCTIONS[f] !== undefined || f === 'absent_over_time') return evalRangeCall(ev, e, grid);
  const mathFn = MATH_FUNCTIONS[f];
  if (mathFn) return mapVector(ev, await ev.vector(e.args[0]!, grid), grid, (v) => mathFn(v));
  const dateFn = DATE_FUNCTIONS[f];
  if (dateFn) {
    if (e.args.length === 0) {
      const r = newVSeries([], grid.n, false);
      for (let i = 0; i < grid.n; i++) {
        r.vals[i] = dateFn((grid.start + i * grid.interval) / 1000);
        r.has[i] = 1;
      }
      return { kind: 'vector', series: [r] };
    }
    return mapVector(ev, await ev.vector(e.args[0]!, grid), grid, (v) => dateFn(v));
  }
  switch (f) {
    case 'time': return scalarOf(grid, (t) => t / 1000);
    case 'pi': return scalarOf(grid, () => Math.PI);
    case 'start': return scalarOf(grid, () => ev.ctx.queryStart / 1000);
    case 'end': return scalarOf(grid, () => ev.ctx.queryEnd / 1000);
    case 'range': return scalarOf(grid, () => (ev.ctx.queryEnd - ev.ctx.queryStart) / 1000);
    case 'step': return scalarOf(grid, () => ev.ctx.queryStep / 1000);
    case 'vector': {
      const s = await ev.scalar(e.args[0]!, grid);
      const r = newVSeries([], grid.n, false);
      r.vals.set(s);
      r.has.fill(1);
      return { kind: 'vector', series: [r] };
    }
    case 'scalar': {
      const vec = await ev.vector(e.args[0]!, grid);
      const vals = new Float64Array(grid.n);
      for (let i = 0; i < grid.n; i++) {
        let c = 0;
        let v = NaN;
        for (const s of vec) if (s.has[i]) { c++; v = s.vals[i]!; }
        vals[i] = c === 1 ? v : NaN;
      }
      return { kind: 'scalar', vals };
    }
    case 'timestamp': {
      const arg = unwrap(e.args[0]!);
      let vec: VSeries[];
      if (arg.type === 'VectorSelector') {
        // timestamp() of a selector returns the sample's own time, not the step time.
        const raw = await loadSelector(ev.ctx, arg, grid, 0, false, { func: 'timestamp', by: false, grouping: [] });
        vec = instantValues(ev.ctx, raw, grid, atTime(ev.ctx, arg.at), arg.offsetMs, true);
        for (const s of vec) ev.dropName(s);
        return { kind: 'vector', series: vec };
      }
      vec = await ev.vector(arg, grid);
      return mapVectorT(ev, vec, grid, (_v, t) => t / 1000);
    }
    case 'round': {
      const vec = await ev.vector(e.args[0]!, grid);
      const to = e.args[1] ? await ev.scalar(e.args[1], grid) : undefined;
      return mapVectorI(ev, vec, grid, (v, i) => round(v, to ? to[i]! : 1));
    }
    case 'clamp': {
      const vec = await ev.vector(e.args[0]!, grid);
      const lo = await ev.scalar(e.args[1]!, grid);
      const hi = await ev.scalar(e.args[2]!, grid);
      return mapVectorI(ev, vec, grid, (v, i) => clamp(v, lo[i]!, hi[i]!));
    }
    case 'clamp_min': {
      const vec = await ev.vector(e.args[0]!, grid);
      const lo = await ev.scalar(e.args[1]!, grid);
      return mapVectorI(ev, vec, grid, (v, i) => clampMin(v, lo[i]!));
    }
    case 'clamp_max': {
      const vec = await ev.vector(e.args[0]!, grid);
      const hi = await ev.scalar(e.args[1]!, grid);
      return mapVectorI(ev, vec, grid, (v, i) => clampMax(v, hi[i]!));
    }
    case 'absent': {
      const vec = await ev.vector(e.args[0]!, grid);
      const arg = unwrap(e.args[0]!);
      const labels = arg.type === 'VectorSelector' ? absentLabels(arg) : [];
      const r = newVSeries(labels, grid.n, false);
      let any = false;
      for (let i = 0; i < grid.n; i++) {
        if (vec.some((s) => s.has[i])) continue;
        r.vals[i] = 1;
        r.has[i] = 1;
        any = true;
      }
      return { kind: 'vector', series: any ? [r] : [] };
    }
    case 'sort': case 'sort_desc': case 'sort_by_label': case 'sort_by_label_desc': {
      if (ev.ctx.queryStep > 0) ev.ctx.warn('sort is ineffective for range queries since results are always ordered by labels');
      const vec = await ev.vector(e.args[0]!, grid);
      if (f === 'sort_by_label' || f === 'sort_by_label_desc') {
        const names = await stringArgs(ev, e.args.slice(1), grid);
        return { kind: 'vector', series: sortByLabel(vec, names, f === 'sort_by_label_desc') };
      }
      return { kind: 'vector', series: vec };
    }
    case 'label_replace': {
      const vec = await ev.vector(e.args[0]!, grid);
      const [dst, repl, src, re] = await stringArgs(ev, e.args.slice(1), grid);
      return { kind: 'vector', series: labelReplace(ev, vec, dst!, repl!, src!, re!, grid) };
    }
    case 'label_join': {
      const vec = await ev.vector(e.args[0]!, grid);
      const [dst, sep, ...srcs] = await stringArgs(ev, e.args.slice(1), grid);
      return { kind: 'vector', series: labelJoin(ev, vec, dst!, sep!, srcs, grid) };
    }
    case 'histogram_quantile': return histogramQuantileCall(ev, e, grid);
    case 'histogram_fraction':
      if (exprType(e.args[2]!) === 'vector') return histogramQuantileCall(ev, e, grid);
      break;
    default:
      break;
  }
  if (f.startsWith('histogram_')) {
    // Native-histogram functions: float series carry no histograms, so there is nothing to return.
    await ev.vector(e.args[e.args.length - 1]!, grid);
    return { kind: 'vector', series: [] };
  }
  throw new QueryError(`function "${f}" is not supported`);
}

async function stringArgs(ev: Evaluator, args: readonly Expr[], grid: Grid): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const v = await ev.eval(a, grid);
    out.push(v.kind === 'string' ? v.value : '');
  }
  return out;
}

function scalarOf(grid: Grid, fn: (t: number) => number): EvalValue {
  const vals = new Float64Array(grid.n);
  for (let i = 0; i < grid.n; i++) vals[i] = fn(grid.start + i * grid.interval);
  return { kind: 'scalar', vals };
}

function mapVector(ev: Evaluator, vec: VSeries[], grid: Grid, fn: (v: number) => number): EvalValue {
  return mapVectorI(ev, vec, grid, (v) => fn(v));
}

function mapVectorT(ev: Evaluator, vec: VSeries[], grid: Grid, fn: (v: number, t: number) => number): EvalValue {
  return mapVectorI(ev, vec, grid, (v, i) => fn(v, grid.start + i * grid.interval));
}

/** Applies `fn` to every point; undefined drops the point. The name is dropped, as for all element-wise functions. */
function mapVectorI(ev: Evaluator, vec: VSeries[], grid: Grid, fn: (v: number, i: number) => number | undefined): EvalValue {
  const series = mapSeries(ev, vec, grid, true, (s, r) => {
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      if (!s.has[i]) continue;
      const v = fn(s.vals[i]!, i);
      if (v === undefined) continue;
      r.vals[i] = v;
      r.has[i] = 1;
      any = true;
    }
    return any;
  });
  return { kind: 'vector', series };
}

async function evalRangeCall(ev: Evaluator, e: Call, grid: Grid): Promise<EvalValue> {
  const f = e.func;
  const matrixIdx = e.args.findIndex((a) => exprType(a) === 'matrix');
  const scalarArgs: Float64Array[] = [];
  for (let i = 0; i < e.args.length; i++) if (i !== matrixIdx) scalarArgs.push(await ev.scalar(e.args[i]!, grid));
  const { series, rangeMs, at, offsetMs } = await ev.rangeInput(e.args[matrixIdx]!, grid, { func: f, by: false, grouping: [] });
  if (f === 'absent_over_time') return absentOverTime(e, series, rangeMs, at, offsetMs, grid);
  const fn = RANGE_FUNCTIONS[f]!;
  // Functions without scalar arguments that can read the window in place: no copy per step.
  const wfn = scalarArgs.length === 0 ? WINDOW_FUNCTIONS[f] : undefined;
  const wantResets = wfn !== undefined && RESET_WINDOW_FUNCTIONS.has(f);
  const isCounterFunc = COUNTER_FUNCS.has(f);
  const args = new Array<number>(scalarArgs.length);
  const out: VSeries[] = [];
  const keepName = KEEP_NAME.has(f);
  for (const s of series) {
    const r = newVSeries(s.labels, grid.n, s.dropName);
    let any = false;
    let lo = 0;
    let hi = 0;
    let counterChecked = false;
    // Found once per series, so the per-step windows need not be scanned for counter resets.
    const resets = wantResets ? (resetScratch = counterResets(s.vs, s.vs.length, resetScratch)) : undefined;
    for (let i = 0; i < grid.n; i++) {
      const ref = refTime(grid, i, at, offsetMs);
      const from = ref - rangeMs;
      // Under `@` every step has the same window: find it once.
      if (at === undefined || i === 0) {
        while (lo < s.ts.length && s.ts[lo]! <= from) lo++;
        if (hi < lo) hi = lo;
        while (hi < s.ts.length && s.ts[hi]! <= ref) hi++;
      }
      const len = hi - lo;
      ev.ctx.hold(len);
      ev.ctx.current -= len;
      for (let a = 0; a < args.length; a++) args[a] = scalarArgs[a]![i]!;
      let v: number | undefined;
      if (wfn) {
        v = wfn(s.ts, s.vs, lo, hi, from, ref, resets);
      } else {
        try {
          v = fn(windowView(s.ts, s.vs, lo, hi), from, ref, args, grid.start + i * grid.interval);
        } catch (err) {
          if (err instanceof InvalidArgumentError) throw new QueryError(err.message);
          throw err;
        }
      }
      if (v === undefined) continue;
      if (isCounterFunc && !counterChecked) {
        counterChecked = true;
        const name = s.labels.find((l) => l.name === METRIC_NAME)?.value ?? '';
        if (name !== '' && !/(_total|_sum|_count|_bucket)$/.test(name)) {
          ev.ctx.info(`metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "${name}"`);
        }
      }
      r.vals[i] = v;
      r.has[i] = 1;
      any = true;
    }
    if (!any) continue;
    if (!keepName) ev.dropName(r);
    out.push(r);
  }
  if (f === 'quantile_over_time' && scalarArgs[0]) {
    for (const q of scalarArgs[0]) {
      if (Number.isNaN(q) || q < 0 || q > 1) {
        ev.ctx.warn(`quantile value should be between 0 and 1, got ${formatG(q)}`);
        break;
      }
    }
  }
  return { kind: 'vector', series: out };
}

let resetScratch: Int32Array = new Int32Array(1024);

// Small windows are copied into reused buffers: cheaper than two typed-array views per series and step.
const SMALL_WINDOW = 64;
const scratchTs = new Float64Array(SMALL_WINDOW);
const scratchVs = new Float64Array(SMALL_WINDOW);
const scratchView = { ts: scratchTs, vs: scratchVs, length: 0 };

/** The samples [lo, hi) as RangeSamples; valid until the next call. */
function windowView(ts: Float64Array, vs: Float64Array, lo: number, hi: number): { ts: Float64Array; vs: Float64Array; length: number } {
  const len = hi - lo;
  if (len > SMALL_WINDOW) return { ts: ts.subarray(lo, hi), vs: vs.subarray(lo, hi), length: len };
  for (let k = 0; k < len; k++) {
    scratchTs[k] = ts[lo + k]!;
    scratchVs[k] = vs[lo + k]!;
  }
  scratchView.length = len;
  return scratchView;
}

function formatG(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

function absentOverTime(
  e: Call, series: { ts: Float64Array }[], rangeMs: number, at: number | undefined, offsetMs: number, grid: Grid,
): EvalValue {
  let arg = unwrap(e.args[0]!);
  if (arg.type === 'SubqueryExpr') arg = unwrap(arg.expr);
  const labels = arg.type === 'MatrixSelector' ? absentLabels(arg.vs) : [];
  const r = newVSeries(labels, grid.n, false);
  let any = false;
  for (let i = 0; i < grid.n; i++) {
    const ref = refTime(grid, i, at, offsetMs);
    const from = ref - rangeMs;
    const present = series.some((s) => {
      for (let j = 0; j < s.ts.length; j++) if (s.ts[j]! > from && s.ts[j]! <= ref) return true;
      return false;
    });
    if (present) continue;
    r.vals[i] = 1;
    r.has[i] = 1;
    any = true;
  }
  return { kind: 'vector', series: any ? [r] : [] };
}
