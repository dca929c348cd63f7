// histogram_quantile and histogram_fraction over classic buckets: groups series by their labels without `le`, parses `le`, and calls the
// bucket math in functions/histogram-quantile.ts; adds Prometheus's annotations.

import type { Labels } from '../tsdb/labels/labels.js';
import { METRIC_NAME } from '../tsdb/labels/labels.js';
import { bucketFraction, histogramQuantile } from './functions/histogram-quantile.js';
import { formatFloatGoG, parseGoFloat } from '../runtime/go-float.js';
import type { Call } from './parser/ast.js';
import type { EvalValue, Grid, VSeries } from './eval-types.js';
import { isNameLabel, labelsKey, newVSeries } from './eval-types.js';
import type { Evaluator } from './evaluator.js';

function parseLe(s: string): number | undefined {
  const v = parseGoFloat(s);
  return v === undefined || v === null ? undefined : v;
}

export async function histogramQuantileCall(ev: Evaluator, e: Call, grid: Grid): Promise<EvalValue> {
  const fraction = e.func === 'histogram_fraction';
  const q = await ev.scalar(e.args[0]!, grid);
  const upper = fraction ? await ev.scalar(e.args[1]!, grid) : undefined;
  const vec = await ev.vector(e.args[fraction ? 2 : 1]!, grid);
  interface Group { labels: Labels; members: { s: VSeries; le: number }[]; name: string }
  const groups = new Map<string, Group>();
  for (const s of vec) {
    const leLabel = s.labels.find((l) => l.name === 'le');
    const name = s.labels.find((l) => l.name === METRIC_NAME)?.value ?? '';
    const le = leLabel ? parseLe(leLabel.value) : undefined;
    if (le === undefined || Number.isNaN(le)) {
      let present = false;
      for (let i = 0; i < grid.n; i++) if (s.has[i]) present = true;
      if (present) ev.ctx.warn(`bucket label "le" is missing or has a malformed value of "${leLabel?.value ?? ''}" for metric name "${name}"`);
      continue;
    }
    const labels = s.labels.filter((l) => l.name !== 'le');
    const key = labelsKey(labels.filter((l) => !isNameLabel(l.name)));
    let g = groups.get(key);
    if (!g) {
      g = { labels, members: [], name };
      groups.set(key, g);
    }
    g.members.push({ s, le });
  }
  const out: VSeries[] = [];
  if (!fraction) {
    for (let i = 0; i < grid.n; i++) {
      const qi = q[i]!;
      if (Number.isNaN(qi) || qi < 0 || qi > 1) {
        ev.ctx.warn(`quantile value should be between 0 and 1, got ${formatFloatGoG(qi)}`);
        break;
      }
    }
  }
  for (const g of groups.values()) {
    const r = newVSeries(g.labels, grid.n, false);
    let any = false;
    for (let i = 0; i < grid.n; i++) {
      const buckets: { upperBound: number; count: number }[] = [];
      for (const m of g.members) if (m.s.has[i]) buckets.push({ upperBound: m.le, count: m.s.vals[i]! });
      if (buckets.length === 0) continue;
      const qi = q[i]!;
      if (upper) {
        r.vals[i] = bucketFraction(qi, upper[i]!, buckets);
        r.has[i] = 1;
        any = true;
        continue;
      }
      const res = histogramQuantile(qi, buckets);
      if (res.forcedMonotonic) {
        ev.ctx.info(`input to histogram_quantile needed to be fixed for monotonicity (see https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "${g.name}"`);
      }
      r.vals[i] = res.value;
      r.has[i] = 1;
      any = true;
    }
    if (!any) continue;
    ev.dropName(r);
    out.push(r);
  }
  return { kind: 'vector', series: out };
}
