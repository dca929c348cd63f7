// The querier's Exemplars API over its endpoints (upstream pkg/exemplars/{proxy,exemplars}.go): the query's
// selectors are sent only to endpoints whose external labels they can match, with the matchers on external labels
// removed (Prometheus cannot match them); series with replica labels removed are merged and their exemplars
// deduplicated and sorted by time.

import { walk, type Expr } from '../../promql/parser/ast.js';
import { parseExpr } from '../../promql/parser/parse.js';
import { InvalidArgumentError, errorMessage } from '../../runtime/errors.js';
import type { Exemplar, ExemplarData, ExemplarsRequest } from '../../store/apis/exemplars.js';
import { compareLabels, withoutLabels, type Labels } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import type { ApiEndpoint } from '../endpoint-set.js';
import { fanOut } from './fanout.js';
import type { DedupOptions } from './rules.js';

function selectors(query: string): Matcher[][] {
  let e: Expr;
  try {
    e = parseExpr(query);
  } catch (err) {
    throw new InvalidArgumentError(errorMessage(err), { cause: err });
  }
  const out: Matcher[][] = [];
  walk(e, (n) => {
    if (n.type === 'VectorSelector') out.push([...n.matchers]);
  });
  return out;
}

/** The query an endpoint gets, or undefined when none of the selectors can match its external labels. */
function queryFor(sets: readonly Matcher[][], labelSets: readonly Labels[]): string | undefined {
  const extNames = new Set(labelSets.flatMap((ls) => ls.map((l) => l.name)));
  const parts: string[] = [];
  for (const ms of sets) {
    const onExt = ms.filter((m) => extNames.has(m.name));
    const fits = labelSets.length === 0 || labelSets.some((ls) => onExt.every((m) => m.matchesLabels(ls)));
    if (!fits) continue;
    const rest = ms.filter((m) => !extNames.has(m.name));
    // Prometheus would refuse a selector with no matchers; say why here instead.
    if (rest.length === 0) throw new InvalidArgumentError('no matchers specified (excluding external labels)');
    parts.push(`{${rest.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(', ')}}`);
  }
  return parts.length > 0 ? parts.join(' + ') : undefined;
}

const compareExemplars = (a: Exemplar, b: Exemplar): number => a.ts - b.ts || compareLabels(a.labels, b.labels) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);

export async function fanOutExemplars(endpoints: readonly ApiEndpoint[], req: ExemplarsRequest, opts: DedupOptions): Promise<{ data: ExemplarData[]; warnings: readonly string[] }> {
  const sets = selectors(req.query);
  const queries = endpoints.map((e) => queryFor(sets, e.labelSets));
  const r = await fanOut(endpoints, 'exemplars', opts, async (c, e, signal) => {
    const query = queries[endpoints.indexOf(e)];
    return query === undefined ? undefined : c.exemplars({ ...req, query }, signal);
  });
  const replica = new Set(opts.replicaLabels);
  const bySeries = new Map<string, { seriesLabels: Labels; exemplars: Exemplar[] }>();
  for (const d of r.answers.flatMap((a) => a.data)) {
    if (d.exemplars.length === 0) continue;
    const seriesLabels = withoutLabels(d.seriesLabels, replica);
    const key = JSON.stringify(seriesLabels);
    const seen = bySeries.get(key);
    if (seen) seen.exemplars.push(...d.exemplars);
    else bySeries.set(key, { seriesLabels, exemplars: [...d.exemplars] });
  }
  const data = [...bySeries.values()].map((s): ExemplarData => {
    const sorted = s.exemplars.sort(compareExemplars);
    return { seriesLabels: s.seriesLabels, exemplars: sorted.filter((x, i) => i === 0 || compareExemplars(sorted[i - 1]!, x) !== 0) };
  });
  data.sort((a, b) => compareLabels(a.seriesLabels, b.seriesLabels));
  return { data, warnings: r.warnings };
}
