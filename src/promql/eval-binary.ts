// Binary operators: arithmetic, comparisons (filtering and `bool`), set operators and vector matching with
// on/ignoring/group_left/group_right, with Prometheus's matching errors (promql/engine.go VectorBinop & co).

import type { Labels } from '../tsdb/labels/labels.js';
import { METRIC_NAME, formatLabels } from '../tsdb/labels/labels.js';
import type { BinaryExpr, BinaryOp, VectorMatching } from './parser/ast.js';
import { isComparisonOp } from './parser/ast.js';
import type { EvalValue, Grid, VSeries } from './eval-types.js';
import { QueryError, SeriesCollector, isNameLabel, labelsKey, mapSeries, newVSeries } from './eval-types.js';
import type { Evaluator } from './evaluator.js';
import { prefetch } from './prefetch.js';

/** Arithmetic result, or for comparisons 1/0 meaning keep/drop. */
function arith(op: BinaryOp, l: number, r: number): number {
  switch (op) {
    case '+': return l + r;
    case '-': return l - r;
    case '*': return l * r;
    case '/': return l / r;
    case '%': return goMod(l, r);
    case '^': return goPow(l, r);
    case 'atan2': return Math.atan2(l, r);
    case '==': return l === r ? 1 : 0;
    case '!=': return l !== r ? 1 : 0;
    case '>': return l > r ? 1 : 0;
    case '<': return l < r ? 1 : 0;
    case '>=': return l >= r ? 1 : 0;
    case '<=': return l <= r ? 1 : 0;
    case 'and': case 'or': case 'unless': return NaN;
  }
}

/** Go's math.Pow differs from JS on 1^NaN and (-1)^±Inf, which are 1 in Go. */
function goPow(l: number, r: number): number {
  if (l === 1) return 1;
  if (l === -1 && (r === Infinity || r === -Infinity)) return 1;
  return Math.pow(l, r);
}

/** Go's math.Mod: result has the sign of the dividend; NaN for ±Inf dividend or zero divisor. */
function goMod(l: number, r: number): number {
  return l % r;
}

function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^' || op === 'atan2';
}

export async function evalBinary(ev: Evaluator, e: BinaryExpr, grid: Grid): Promise<EvalValue> {
  // Both operands' storage reads run while the left one is evaluated.
  prefetch(ev.ctx, e, grid);
  const lhs = await ev.eval(e.lhs, grid);
  const rhs = await ev.eval(e.rhs, grid);
  const cmp = isComparisonOp(e.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    const vals = new Float64Array(grid.n);
    for (let i = 0; i < grid.n; i++) {
      const v = arith(e.op, lhs.vals[i]!, rhs.vals[i]!);
      vals[i] = v;
    }
    return { kind: 'scalar', vals };
  }
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalar(ev, e, lhs.series, rhs.vals, false, cmp, grid);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalar(ev, e, rhs.series, lhs.vals, true, cmp, grid);
  if (lhs.kind !== 'vector' || rhs.kind !== 'vector') throw new QueryError('binary expression must contain only scalar and instant vector types');
  const m = e.matching ?? { card: 'one-to-one', on: false, labels: [], include: [] };
  if (e.op === 'and') return { kind: 'vector', series: setAnd(lhs.series, rhs.series, m, grid, false) };
  if (e.op === 'unless') return { kind: 'vector', series: setAnd(lhs.series, rhs.series, m, grid, true) };
  if (e.op === 'or') return { kind: 'vector', series: setOr(lhs.series, rhs.series, m, grid) };
  return vectorVector(ev, e, lhs.series, rhs.series, m, grid);
}

function vectorScalar(
  ev: Evaluator, e: BinaryExpr, vec: VSeries[], sc: Float64Array, swap: boolean, cmp: boolean, grid: Grid,
): EvalValue {
  const series = mapSeries(ev, vec, grid, dropsName(e.op) || e.bool, (s, r) => {
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      if (!s.has[i]) continue;
      const x = s.vals[i]!;
      const y = sc[i]!;
      const v = swap ? arith(e.op, y, x) : arith(e.op, x, y);
      if (cmp) {
        if (e.bool) r.vals[i] = v;
        else if (v === 1) r.vals[i] = x;
        else continue;
      } else r.vals[i] = v;
      r.has[i] = 1;
      any = true;
    }
    return any;
  });
  return { kind: 'vector', series };
}

/** The matching signature of a series: the `on` labels, or all but the `ignoring` labels and the name. */
function signature(labels: Labels, m: VectorMatching): string {
  let k = '';
  if (m.on) {
    for (const l of labels) if (m.labels.includes(l.name)) k += l.name + '\xff' + l.value + '\xfe';
  } else {
    for (const l of labels) if (l.name !== METRIC_NAME && !m.labels.includes(l.name)) k += l.name + '\xff' + l.value + '\xfe';
  }
  return k;
}

function setAnd(lhs: VSeries[], rhs: VSeries[], m: VectorMatching, grid: Grid, unless: boolean): VSeries[] {
  const rsig = rhs.map((s) => signature(s.labels, m));
  const out: VSeries[] = [];
  // Per step, the set of rhs signatures present.
  const present: Set<string>[] = [];
  for (let i = 0; i < grid.n; i++) {
    const set = new Set<string>();
    rhs.forEach((s, j) => { if (s.has[i]) set.add(rsig[j]!); });
    present.push(set);
  }
  for (const s of lhs) {
    const sig = signature(s.labels, m);
    const r = newVSeries(s.labels, grid.n, s.dropName);
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      if (!s.has[i]) continue;
      if (present[i]!.has(sig) === unless) continue;
      r.vals[i] = s.vals[i]!;
      r.has[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

function setOr(lhs: VSeries[], rhs: VSeries[], m: VectorMatching, grid: Grid): VSeries[] {
  const lsig = lhs.map((s) => signature(s.labels, m));
  const present: Set<string>[] = [];
  for (let i = 0; i < grid.n; i++) {
    const set = new Set<string>();
    lhs.forEach((s, j) => { if (s.has[i]) set.add(lsig[j]!); });
    present.push(set);
  }
  const out: VSeries[] = [...lhs];
  for (const s of rhs) {
    const sig = signature(s.labels, m);
    const r = newVSeries(s.labels, grid.n, s.dropName);
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      if (!s.has[i] || present[i]!.has(sig)) continue;
      r.vals[i] = s.vals[i]!;
      r.has[i] = 1;
      any = true;
    }
    if (any) out.push(r);
  }
  return out;
}

function resultLabels(ev: Evaluator, l: Labels, r: Labels, e: BinaryExpr, m: VectorMatching): Labels {
  let out: Labels = l;
  if (dropsName(e.op) && !ev.ctx.settings.delayedNameRemoval) out = out.filter((x) => !isNameLabel(x.name));
  if (m.card === 'one-to-one') {
    if (m.on) out = out.filter((x) => m.labels.includes(x.name));
    else out = out.filter((x) => !m.labels.includes(x.name));
  } else {
    let res = out.filter((x) => !m.include.includes(x.name));
    for (const name of m.include) {
      const v = r.find((x) => x.name === name);
      if (v && v.value !== '') res.push(v);
    }
    if (m.include.length > 0) res = res.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    out = res;
  }
  return out;
}

function vectorVector(
  ev: Evaluator, e: BinaryExpr, lhs0: VSeries[], rhs0: VSeries[], m: VectorMatching, grid: Grid,
): EvalValue {
  const swapped = m.card === 'one-to-many';
  const lhs = swapped ? rhs0 : lhs0;
  const rhs = swapped ? lhs0 : rhs0;
  const lsig = lhs.map((s) => signature(s.labels, m));
  const rsig = rhs.map((s) => signature(s.labels, m));
  const cmp = isComparisonOp(e.op);
  const col = new SeriesCollector(grid.n);
  const pairLabels = new Map<string, { labels: Labels; key: string }>();
  const dropName = dropsName(e.op) || e.bool;
  for (let i = 0; i < grid.n; i++) {
    const right = new Map<string, number>();
    for (let j = 0; j < rhs.length; j++) {
      if (!rhs[j]!.has[i]) continue;
      const sig = rsig[j]!;
      const prev = right.get(sig);
      if (prev !== undefined) {
        const side = swapped ? 'left' : 'right';
        throw new QueryError(`found duplicate series for the match group ${matchGroup(rhs[j]!.labels, m)} on the ${side} hand-side of the operation: [${formatLabels(rhs[prev]!.labels)}, ${formatLabels(rhs[j]!.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`);
      }
      right.set(sig, j);
    }
    const matched = new Map<string, Set<string> | null>();
    for (let j = 0; j < lhs.length; j++) {
      const ls = lhs[j]!;
      if (!ls.has[i]) continue;
      const sig = lsig[j]!;
      const ri = right.get(sig);
      if (ri === undefined) continue;
      const rs = rhs[ri]!;
      // One-to-one matches are recorded before comparisons filter, so filtered duplicates still fail.
      if (m.card === 'one-to-one') {
        if (matched.has(sig)) {
          throw new QueryError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
        }
        matched.set(sig, null);
      }
      let fl = ls.vals[i]!;
      let fr = rs.vals[i]!;
      if (swapped) [fl, fr] = [fr, fl];
      let v = arith(e.op, fl, fr);
      if (cmp) {
        if (!e.bool) {
          if (v !== 1) continue;
          v = fl;
        }
      }
      const pk = `${j},${ri}`;
      let pl = pairLabels.get(pk);
      if (!pl) {
        const labels = resultLabels(ev, ls.labels, rs.labels, e, m);
        pl = { labels, key: labelsKey(labels) };
        pairLabels.set(pk, pl);
      }
      if (m.card !== 'one-to-one') {
        let set = matched.get(sig);
        if (!set) {
          set = new Set();
          matched.set(sig, set);
        }
        if (set.has(pl.key)) throw new QueryError('multiple matches for labels: grouping labels must ensure unique matches');
        set.add(pl.key);
      }
      col.add(pl.labels, i, v, (dropName && ev.ctx.settings.delayedNameRemoval) || (ls.dropName && !dropName ? ls.dropName : false), pl.key);
    }
  }
  return { kind: 'vector', series: col.out };
}

function matchGroup(labels: Labels, m: VectorMatching): string {
  if (m.on) return formatLabels(labels.filter((l) => m.labels.includes(l.name)));
  return formatLabels(labels.filter((l) => l.name !== METRIC_NAME && !m.labels.includes(l.name)));
}
