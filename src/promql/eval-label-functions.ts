// Functions that rewrite or order by labels: label_replace, label_join, sort_by_label(_desc).

import type { Label, Labels } from '../tsdb/labels/labels.js';
import { METRIC_NAME, compareLabels, sortLabels } from '../tsdb/labels/labels.js';
import { compileAnchored, expandTemplate, type AnchoredRegex } from '../tsdb/labels/re2.js';
import type { Grid, VSeries } from './eval-types.js';
import { QueryError, SeriesCollector } from './eval-types.js';
import type { Evaluator } from './evaluator.js';

/** Prometheus 3 accepts any non-empty UTF-8 name; invalid UTF-8 shows up here as lone surrogates (see unquoteString). */
function validLabelName(s: string): boolean {
  return s.length > 0 && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function setLabel(labels: Labels, name: string, value: string): Labels {
  const rest: Label[] = labels.filter((l) => l.name !== name);
  if (value !== '') rest.push({ name, value });
  return sortLabels(rest);
}

function collect(vec: VSeries[], grid: Grid, relabel: (s: VSeries) => { labels: Labels; dropName: boolean }): VSeries[] {
  const col = new SeriesCollector(grid.n);
  for (const s of vec) {
    const { labels, dropName } = relabel(s);
    for (let i = 0; i < grid.n; i++) if (s.has[i]) col.add(labels, i, s.vals[i]!, dropName);
  }
  return col.out;
}

export function labelReplace(
  _ev: Evaluator, vec: VSeries[], dst: string, repl: string, src: string, reStr: string, grid: Grid,
): VSeries[] {
  let re: AnchoredRegex;
  try {
    re = compileAnchored(reStr);
  } catch {
    throw new QueryError(`invalid regular expression in label_replace(): ${reStr}`);
  }
  if (!validLabelName(dst)) throw new QueryError(`invalid destination label name in label_replace(): ${dst}`);
  return collect(vec, grid, (s) => {
    const srcVal = s.labels.find((l) => l.name === src)?.value ?? '';
    const m = re.exec(srcVal);
    if (!m) return { labels: s.labels, dropName: s.dropName };
    const res = expandTemplate(repl, m);
    return { labels: setLabel(s.labels, dst, res), dropName: dst === METRIC_NAME ? false : s.dropName };
  });
}

export function labelJoin(_ev: Evaluator, vec: VSeries[], dst: string, sep: string, srcs: string[], grid: Grid): VSeries[] {
  if (!validLabelName(dst)) throw new QueryError(`invalid destination label name in label_join(): ${dst}`);
  for (const src of srcs) if (!validLabelName(src)) throw new QueryError(`invalid source label name in label_join(): ${src}`);
  return collect(vec, grid, (s) => {
    const val = srcs.map((n) => s.labels.find((l) => l.name === n)?.value ?? '').join(sep);
    return { labels: setLabel(s.labels, dst, val), dropName: dst === METRIC_NAME ? false : s.dropName };
  });
}

/** Natural order: digit runs compare as numbers. */
function natCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export function sortByLabel(vec: VSeries[], names: string[], desc: boolean): VSeries[] {
  const get = (s: VSeries, n: string): string => s.labels.find((l) => l.name === n)?.value ?? '';
  return [...vec].sort((a, b) => {
    for (const n of names) {
      const c = natCompare(get(a, n), get(b, n));
      if (c !== 0) return desc ? -c : c;
    }
    // Ties fall back to the full label sets, in the same direction.
    const c = compareLabels(a.labels, b.labels);
    return desc ? -c : c;
  });
}
