// Aggregation operators (sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile, count_values,
// limitk, limit_ratio) with by/without, as Prometheus's engine aggregation()/aggregationK()/aggregationCountValues().

import type { Label, Labels } from '../tsdb/labels/labels.js';
import { METRIC_NAME } from '../tsdb/labels/labels.js';
import { KahanSum, MeanAccumulator, WelfordVariance, quantile } from './functions/aggregation-math.js';
import { formatFloatGo, formatFloatGoG } from '../runtime/go-float.js';
import type { AggregateExpr } from './parser/ast.js';
import type { EvalValue, Grid, VSeries } from './eval-types.js';
import { QueryError, isNameLabel, labelsKey, newVSeries } from './eval-types.js';
import type { Evaluator } from './evaluator.js';

function groupLabels(labels: Labels, e: AggregateExpr): Labels {
  if (e.without) return labels.filter((l) => !isNameLabel(l.name) && !e.grouping.includes(l.name));
  return labels.filter((l) => e.grouping.includes(l.name));
}

interface Group {
  readonly labels: Labels;
  readonly key: string;
  readonly members: number[];
}

export async function evalAggregate(ev: Evaluator, e: AggregateExpr, grid: Grid): Promise<EvalValue> {
  let param: Float64Array | undefined;
  let label = '';
  if (e.param) {
    if (e.op === 'count_values') {
      const p = await ev.eval(e.param, grid);
      label = p.kind === 'string' ? p.value : '';
    } else param = await ev.scalar(e.param, grid);
  }
  const input = await ev.vector(e.expr, grid, { func: '', by: !e.without, grouping: e.grouping });
  // Group membership never changes between steps: compute it once per series.
  const groups: Group[] = [];
  const byKey = new Map<string, Group>();
  const groupOf = new Int32Array(input.length);
  input.forEach((s, i) => {
    const gl = groupLabels(s.labels, e);
    const key = labelsKey(gl);
    let g = byKey.get(key);
    if (!g) {
      g = { labels: gl, key, members: [] };
      byKey.set(key, g);
      groups.push(g);
    }
    g.members.push(i);
    groupOf[i] = groups.indexOf(g);
  });
  if (e.op === 'topk' || e.op === 'bottomk' || e.op === 'limitk' || e.op === 'limit_ratio') {
    return { kind: 'vector', series: aggregateK(ev, e, input, groups, param!, grid) };
  }
  if (e.op === 'count_values') return { kind: 'vector', series: countValues(input, groups, label, grid) };
  if (e.op === 'quantile') {
    for (let i = 0; i < grid.n; i++) {
      const q = param![i]!;
      if (Number.isNaN(q) || q < 0 || q > 1) {
        ev.ctx.warn(`quantile value should be between 0 and 1, got ${formatFloatGoG(q)}`);
        break;
      }
    }
  }
  const nameInGroup = !e.without && e.grouping.includes(METRIC_NAME);
  if (ROW_OPS.has(e.op)) return { kind: 'vector', series: aggregateRows(e.op, input, groups, grid, nameInGroup) };
  const out: VSeries[] = [];
  const kahan = new KahanSum();
  const mean = new MeanAccumulator();
  const welford = new WelfordVariance();
  const buf: number[] = [];
  for (const g of groups) {
    const r = newVSeries(g.labels, grid.n, false);
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      let n = 0;
      let acc = 0;
      kahan.reset();
      mean.reset();
      welford.reset();
      buf.length = 0;
      for (const idx of g.members) {
        const s = input[idx]!;
        if (!s.has[i]) continue;
        const v = s.vals[i]!;
        if (nameInGroup && s.dropName) r.dropName = true;
        switch (e.op) {
          case 'sum': kahan.add(v); break;
          case 'avg': mean.add(v); break;
          case 'min': if (n === 0 || acc > v || Number.isNaN(acc)) acc = v; break;
          case 'max': if (n === 0 || acc < v || Number.isNaN(acc)) acc = v; break;
          case 'stddev': case 'stdvar': welford.add(v); break;
          case 'quantile': buf.push(v); break;
          case 'count': case 'group': break;
        }
        n++;
      }
      if (n === 0) continue;
      let v = NaN;
      switch (e.op) {
        case 'sum': v = kahan.value(); break;
        case 'avg': v = mean.value(); break;
        case 'count': v = n; break;
        case 'group': v = 1; break;
        case 'min': case 'max': v = acc; break;
        case 'stddev': v = welford.stddev(); break;
        case 'stdvar': v = welford.variance(); break;
        case 'quantile': v = quantile(param![i]!, buf); break;
      }
      r.vals[i] = v;
      r.has[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return { kind: 'vector', series: out };
}

const ROW_OPS = new Set(['sum', 'avg', 'count', 'group', 'min', 'max']);

/**
 * sum/avg/count/group/min/max a series at a time (all steps per member, members in order): the same additions in
 * the same order per step as a step-at-a-time loop, but reading each series' arrays once, in sequence.
 */
function aggregateRows(op: string, input: VSeries[], groups: Group[], grid: Grid, nameInGroup: boolean): VSeries[] {
  const n = grid.n;
  const out: VSeries[] = [];
  const cnt = new Float64Array(n);
  const comp = new Float64Array(n);
  const isSum = op === 'sum';
  const isMin = op === 'min';
  const isMax = op === 'max';
  for (const g of groups) {
    const r = newVSeries(g.labels, n, false);
    const acc = r.vals;
    cnt.fill(0);
    comp.fill(0);
    const means: MeanAccumulator[] = op === 'avg' ? [] : EMPTY_MEANS;
    for (const idx of g.members) {
      const s = input[idx]!;
      const has = s.has;
      const vals = s.vals;
      let seen = false;
      for (let i = 0; i < n; i++) {
        if (!has[i]) continue;
        seen = true;
        const v = vals[i]!;
        const k = cnt[i]!;
        cnt[i] = k + 1;
        if (isSum) {
          // KahanSum.add from a zero start, on arrays.
          const sum = acc[i]!;
          const t = sum + v;
          if (t === Infinity || t === -Infinity) comp[i] = 0;
          else if (Math.abs(sum) >= Math.abs(v)) comp[i]! += sum - t + v;
          else comp[i]! += v - t + sum;
          acc[i] = t;
        } else if (isMin) {
          const a = acc[i]!;
          if (k === 0 || a > v || Number.isNaN(a)) acc[i] = v;
        } else if (isMax) {
          const a = acc[i]!;
          if (k === 0 || a < v || Number.isNaN(a)) acc[i] = v;
        } else if (means !== EMPTY_MEANS) {
          (means[i] ??= new MeanAccumulator()).add(v);
        }
      }
      if (seen && nameInGroup && s.dropName) r.dropName = true;
    }
    let any = false;
    for (let i = 0; i < n; i++) {
      const k = cnt[i]!;
      if (k === 0) continue;
      any = true;
      r.has[i] = 1;
      switch (op) {
        case 'sum': {
          const sum = acc[i]!;
          if (sum !== Infinity && sum !== -Infinity) acc[i] = sum + comp[i]!;
          break;
        }
        case 'avg': acc[i] = means[i]!.value(); break;
        case 'count': acc[i] = k; break;
        case 'group': acc[i] = 1; break;
      }
    }
    if (any) out.push(r);
  }
  return out;
}

const EMPTY_MEANS: MeanAccumulator[] = [];

function kParam(v: number, op: string): number {
  if (Number.isNaN(v)) throw new QueryError(op === 'limit_ratio' ? 'Ratio value is NaN' : 'Parameter value is NaN');
  if (op === 'limit_ratio') return v;
  if (v >= 9.223372036854776e18 || v <= -9.223372036854776e18) throw new QueryError(`Scalar value ${formatFloatGo(v)} overflows int64`);
  return Math.trunc(v);
}

/** topk/bottomk keep input series (with their labels); in an instant query the result is ordered by value. */
function aggregateK(ev: Evaluator, e: AggregateExpr, input: VSeries[], groups: Group[], param: Float64Array, grid: Grid): VSeries[] {
  const outBySeries = new Map<number, VSeries>();
  const order: number[] = [];
  const emit = (idx: number, i: number): void => {
    let r = outBySeries.get(idx);
    if (!r) {
      const s = input[idx]!;
      r = newVSeries(s.labels, grid.n, s.dropName);
      outBySeries.set(idx, r);
    }
    order.push(idx);
    r.vals[i] = input[idx]!.vals[i]!;
    r.has[i] = 1;
  };
  for (let i = 0; i < grid.n; i++) {
    const k = kParam(param[i]!, e.op);
    if (e.op === 'limit_ratio') {
      let ratio = k;
      if (ratio < -1 || ratio > 1) {
        const capped = ratio < -1 ? -1 : 1;
        ev.ctx.warn(`ratio value should be between -1 and 1, got ${formatFloatGoG(ratio)}, capping to ${capped}`);
        ratio = capped;
      }
      for (const g of groups) for (const idx of g.members) {
        if (!input[idx]!.has[i]) continue;
        const offset = ratioOffset(input[idx]!.labels);
        if ((ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1 + ratio)) emit(idx, i);
      }
      continue;
    }
    if (k < 1) continue;
    for (const g of groups) {
      const present = g.members.filter((idx) => input[idx]!.has[i]);
      if (e.op === 'limitk') {
        for (const idx of present.slice(0, k)) emit(idx, i);
        continue;
      }
      const top = e.op === 'topk';
      // Prometheus's heap comparisons: NaN is always the first to be evicted.
      const better = (a: number, b: number): boolean => {
        if (Number.isNaN(b)) return !Number.isNaN(a);
        if (Number.isNaN(a)) return false;
        return top ? a > b : a < b;
      };
      const sorted = present.map((idx) => ({ idx, v: input[idx]!.vals[i]! }));
      sorted.sort((a, b) => (better(a.v, b.v) ? -1 : better(b.v, a.v) ? 1 : 0));
      for (const x of sorted.slice(0, k)) emit(x.idx, i);
    }
  }
  const seen = new Set<number>();
  const out: VSeries[] = [];
  for (const idx of order) {
    if (seen.has(idx)) continue;
    seen.add(idx);
    out.push(outBySeries.get(idx)!);
  }
  return out;
}

/** limit_ratio's per-series position in [0, 1), from a hash of its labels (stable across queries). */
function ratioOffset(labels: Labels): number {
  let h = 0x811c9dc5;
  for (const l of labels) {
    for (const s of [l.name, l.value]) {
      for (let i = 0; i < s.length; i++) {
        h ^= s.charCodeAt(i);
        h = Math.imul(h, 0x01000193) >>> 0;
      }
      h ^= 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h / 0x100000000;
}

function countValues(input: VSeries[], groups: Group[], label: string, grid: Grid): VSeries[] {
  if (!/^[\s\S]+$/.test(label) || !isValidLabelName(label)) throw new QueryError(`invalid label name ${goQuote(label)}`);
  // Counted per output label set: overwriting a grouping label can merge groups (Prometheus does the same).
  const outs = new Map<string, VSeries>();
  const order: VSeries[] = [];
  for (let i = 0; i < grid.n; i++) {
    for (const g of groups) {
      for (const idx of g.members) {
        if (!input[idx]!.has[i]) continue;
        const value = formatFloatGo(input[idx]!.vals[i]!);
        const ls: Label[] = g.labels.filter((l) => l.name !== label);
        ls.push({ name: label, value });
        ls.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const key = labelsKey(ls);
        let r = outs.get(key);
        if (!r) {
          r = newVSeries(ls, grid.n, false);
          outs.set(key, r);
          order.push(r);
        }
        if (!r.has[i]) { r.has[i] = 1; r.vals[i] = 0; }
        r.vals[i]!++;
      }
    }
  }
  return order;
}

function isValidLabelName(s: string): boolean {
  // Prometheus 3 accepts any valid UTF-8 label name; invalid UTF-8 (lone surrogates from \x escapes) is rejected.
  return s.length > 0 && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function goQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff) out += `\\x${(c - 0xdc00).toString(16)}`;
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else out += s[i];
  }
  return out + '"';
}
