// Prometheus's JSON for rules, alerts, targets, metadata and exemplars (web/api/v1), with the fields upstream's
// querier adds (partialResponseStrategy on groups and alerts). Label sets are objects, times RFC 3339 in UTC.

import { formatFloatGo } from '../../runtime/go-float.js';
import type { ExemplarData } from '../../store/apis/exemplars.js';
import type { MetricMeta } from '../../store/apis/metadata.js';
import type { AlertInstance, Rule, RuleGroup } from '../../store/apis/rules.js';
import type { TargetDiscovery } from '../../store/apis/targets.js';
import { formatRfc3339 } from '../../store/apis/timestamp.js';
import { labelsToRecord } from '../../tsdb/labels/labels.js';
import { formatTimestamp } from './json.js';

export function alertJson(a: AlertInstance): object {
  return {
    labels: labelsToRecord(a.labels), annotations: labelsToRecord(a.annotations), state: a.state,
    ...(a.activeAt ? { activeAt: formatRfc3339(a.activeAt) } : {}), value: a.value, partialResponseStrategy: a.partialResponseStrategy,
  };
}

function ruleJson(r: Rule): object {
  const tail = {
    health: r.health, ...(r.lastError !== '' ? { lastError: r.lastError } : {}), evaluationTime: r.evaluationTime,
    lastEvaluation: formatRfc3339(r.lastEvaluation),
  };
  if (r.type === 'recording') return { name: r.name, query: r.query, labels: labelsToRecord(r.labels), ...tail, type: 'recording' };
  return {
    state: r.state, name: r.name, query: r.query, duration: r.duration, labels: labelsToRecord(r.labels),
    annotations: labelsToRecord(r.annotations), alerts: r.alerts.map(alertJson), ...tail, keepFiringFor: r.keepFiringFor, type: 'alerting',
  };
}

/** `data` of /api/v1/rules. */
export function ruleGroupsJson(groups: readonly RuleGroup[]): string {
  return JSON.stringify({
    groups: groups.map((g) => ({
      name: g.name, file: g.file, rules: g.rules.map(ruleJson), interval: g.interval, evaluationTime: g.evaluationTime,
      lastEvaluation: formatRfc3339(g.lastEvaluation), limit: g.limit, partialResponseStrategy: g.partialResponseStrategy,
    })),
  });
}

/** `data` of /api/v1/targets. */
export function targetsJson(t: TargetDiscovery): string {
  return JSON.stringify({
    activeTargets: t.activeTargets.map((a) => ({
      discoveredLabels: labelsToRecord(a.discoveredLabels), labels: labelsToRecord(a.labels), scrapePool: a.scrapePool,
      scrapeUrl: a.scrapeUrl, globalUrl: a.globalUrl, lastError: a.lastError, lastScrape: formatRfc3339(a.lastScrape),
      lastScrapeDuration: a.lastScrapeDuration, health: a.health,
    })),
    droppedTargets: t.droppedTargets.map((d) => ({ discoveredLabels: labelsToRecord(d.discoveredLabels) })),
  });
}

/** `data` of /api/v1/metadata: metric names in order, as Go writes a map. */
export function metadataJson(m: ReadonlyMap<string, readonly MetricMeta[]>): string {
  const out: Record<string, readonly MetricMeta[]> = {};
  for (const name of [...m.keys()].sort()) out[name] = m.get(name)!.map((x) => ({ type: x.type, help: x.help, unit: x.unit }));
  return JSON.stringify(out);
}

/** `data` of /api/v1/query_exemplars: values as strings, timestamps as float seconds. */
export function exemplarsJson(data: readonly ExemplarData[]): string {
  const series = data.map((d) => {
    const ex = d.exemplars.map((e) => `{"labels":${JSON.stringify(labelsToRecord(e.labels))},"value":"${formatFloatGo(e.value)}","timestamp":${formatTimestamp(e.ts)}}`);
    return `{"seriesLabels":${JSON.stringify(labelsToRecord(d.seriesLabels))},"exemplars":[${ex.join(',')}]}`;
  });
  return `[${series.join(',')}]`;
}
