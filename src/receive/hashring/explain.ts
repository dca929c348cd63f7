// What `thanos-ts tools receive hashring` prints: for a tenant and series given as selectors of exact label values,
// the endpoint of each replica, as the router would pick it. Lets an operator check a hashrings file offline.

import { ConfigError } from '../../runtime/errors.js';
import { logfmtValue } from '../../runtime/logger.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import { formatLabels, sortLabels } from '../../tsdb/labels/labels.js';
import { parseSelector } from '../../tsdb/tools/selector.js';
import type { MultiHashring } from './multi.js';

/** `{__name__="up", job="x"}` or `up{job="x"}` → the series' labels; only `=` matchers, each name once. */
export function seriesFromSelector(text: string, where: string): Labels {
  let matchers;
  try {
    matchers = parseSelector(text);
  } catch (err) {
    throw new ConfigError(`invalid series ${JSON.stringify(text)}: ${err instanceof Error ? err.message : String(err)}`, { where });
  }
  const seen = new Set<string>();
  const labels = [];
  for (const m of matchers) {
    if (m.type !== '=') throw new ConfigError(`series ${JSON.stringify(text)}: ${m.name}${m.type}"…" is not an exact label value; a series needs name="value" only`, { where });
    if (seen.has(m.name)) throw new ConfigError(`series ${JSON.stringify(text)}: label ${m.name} given twice`, { where });
    seen.add(m.name);
    // An empty value is no label at all, as in Prometheus.
    if (m.value !== '') labels.push({ name: m.name, value: m.value });
  }
  return sortLabels(labels);
}

/** One line per replica: `<series> replica=N endpoint=… az=… hashring=… algorithm=… tenant=…` (logfmt after the series). */
export function explainRouting(ring: MultiHashring, tenant: string, series: readonly Labels[], replicas: number): string {
  const tr = ring.ringFor(tenant);
  let out = '';
  for (const s of series) {
    const eps = tr.ring.endpointsFor(tenant, s, replicas);
    eps.forEach((e, n) => {
      out += `${formatLabels(s)} replica=${n} endpoint=${logfmtValue(e.address)} az=${logfmtValue(e.az)}`
        + ` hashring=${logfmtValue(tr.config.name)} algorithm=${tr.algorithm} tenant=${logfmtValue(tenant)}\n`;
    });
  }
  return out;
}
