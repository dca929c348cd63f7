// The querier's Metadata API over its endpoints (upstream pkg/metadata/metadata.go): per metric the distinct
// type/help/unit entries of every endpoint, at most `limit` metrics (negative: all; 0: none, as Prometheus 2.x) and,
// as Prometheus's limit_per_metric, at most that many entries per metric.

import type { MetricMeta, MetricMetadataRequest } from '../../store/apis/metadata.js';
import type { ApiEndpoint } from '../endpoint-set.js';
import { fanOut, type FanOutOptions } from './fanout.js';

export async function fanOutMetadata(
  endpoints: readonly ApiEndpoint[], req: MetricMetadataRequest, limitPerMetric: number, opts: FanOutOptions,
): Promise<{ metadata: Map<string, MetricMeta[]>; warnings: readonly string[] }> {
  const r = await fanOut(endpoints, 'metric metadata', opts, (c, _e, signal) => c.metricMetadata(req, signal));
  const out = new Map<string, MetricMeta[]>();
  if (req.limit === 0) return { metadata: out, warnings: r.warnings };
  for (const a of r.answers) {
    for (const [name, metas] of a.metadata) {
      let have = out.get(name);
      if (!have) {
        if (req.limit > 0 && out.size >= req.limit) continue;
        have = [];
        out.set(name, have);
      }
      for (const m of metas) {
        if (limitPerMetric > 0 && have.length >= limitPerMetric) break;
        if (!have.some((x) => x.type === m.type && x.help === m.help && x.unit === m.unit)) have.push(m);
      }
    }
  }
  return { metadata: out, warnings: r.warnings };
}
