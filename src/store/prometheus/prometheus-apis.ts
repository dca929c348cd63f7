// The sidecar's Rules, Targets, Metadata and Exemplars APIs (upstream pkg/{rules,targets,metadata,exemplars}/
// prometheus.go): each call reads its Prometheus's HTTP API and relays the answer with the external labels added to
// rule, target and series labels (the external value wins), as upstream's sidecar does. Request filters other than
// the rule type and target state are left to the querier, also as upstream.

import { UnavailableError } from '../../runtime/errors.js';
import type { Label, Labels } from '../../tsdb/labels/labels.js';
import type { ExemplarsApi, MetadataApi, RulesApi, TargetsApi } from '../apis/component-apis.js';
import type { Exemplar, ExemplarData, ExemplarsRequest } from '../apis/exemplars.js';
import { extendLabels } from '../apis/labels.js';
import type { MetricMeta, MetricMetadataRequest } from '../apis/metadata.js';
import type { AlertInstance, AlertState, Rule, RuleGroup, RulesRequest } from '../apis/rules.js';
import type { ActiveTarget, DroppedTarget, TargetDiscovery, TargetHealth, TargetsRequest } from '../apis/targets.js';
import { parseRfc3339, ZERO_TIME, type Timestamp } from '../apis/timestamp.js';
import { UNBOUNDED_MS, type PrometheusClient } from './client.js';

export interface PrometheusApisOptions {
  /** The external labels, undefined until known (then nothing is served: answers without them would not dedup). */
  readonly externalLabels: () => Labels | undefined;
}

type Json = Record<string, unknown>;

/** Prometheus's answer did not have the shape its API documents. */
function bad(where: string, what: string): UnavailableError {
  return new UnavailableError(`${where}: unexpected answer from prometheus: ${what}`);
}

function rec(v: unknown, where: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(where, 'not an object');
  return v as Json;
}

function arr(v: unknown, where: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(where, 'not a list');
  return v;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** A JSON label map; values are strings in Prometheus's answers. */
function labelMap(v: unknown, where: string): Labels {
  if (v === undefined || v === null) return [];
  const o = rec(v, where);
  const out: Label[] = Object.entries(o).map(([name, value]) => ({ name, value: text(value) }));
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function time(v: unknown, where: string): Timestamp {
  if (typeof v !== 'string' || v === '') return ZERO_TIME;
  try {
    return parseRfc3339(v, where);
  } catch {
    throw bad(where, `bad time ${JSON.stringify(v)}`);
  }
}

const ALERT_STATES: readonly AlertState[] = ['inactive', 'pending', 'firing'];
function alertState(v: unknown, where: string): AlertState {
  const s = text(v).toLowerCase();
  if ((ALERT_STATES as readonly string[]).includes(s)) return s as AlertState;
  throw bad(where, `unknown alert state ${JSON.stringify(v)}`);
}

const HEALTHS: readonly TargetHealth[] = ['down', 'up', 'unknown'];
function health(v: unknown, where: string): TargetHealth {
  const s = text(v).toLowerCase();
  if ((HEALTHS as readonly string[]).includes(s)) return s as TargetHealth;
  throw bad(where, `unknown target health ${JSON.stringify(v)}`);
}

/** Prometheus's sample value text ("1.5", "NaN", "+Inf"). */
function sampleValue(v: unknown, where: string): number {
  const s = text(v);
  const n = s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s);
  if (Number.isNaN(n) && s !== 'NaN') throw bad(where, `bad sample value ${JSON.stringify(v)}`);
  return n;
}

export function parseRuleGroups(data: unknown, ext: Labels): RuleGroup[] {
  const w = 'rules';
  return arr(rec(data, w)['groups'], `${w}.groups`).map((gv, i): RuleGroup => {
    const gw = `${w}.groups[${i}]`;
    const g = rec(gv, gw);
    return {
      name: text(g['name']), file: text(g['file']), interval: num(g['interval']), evaluationTime: num(g['evaluationTime']),
      lastEvaluation: time(g['lastEvaluation'], `${gw}.lastEvaluation`), limit: num(g['limit']),
      // Prometheus has no partial response strategy; upstream reports ABORT.
      partialResponseStrategy: 'ABORT',
      rules: arr(g['rules'], `${gw}.rules`).map((rv, j): Rule => parseRule(rec(rv, `${gw}.rules[${j}]`), `${gw}.rules[${j}]`, ext)),
    };
  });
}

function parseRule(r: Json, w: string, ext: Labels): Rule {
  const common = {
    name: text(r['name']), query: text(r['query']), labels: extendLabels(labelMap(r['labels'], `${w}.labels`), ext),
    health: text(r['health']), lastError: text(r['lastError']), evaluationTime: num(r['evaluationTime']),
    lastEvaluation: time(r['lastEvaluation'], `${w}.lastEvaluation`),
  };
  if (r['type'] === 'recording') return { type: 'recording', ...common };
  if (r['type'] !== 'alerting') throw bad(w, `unknown rule type ${JSON.stringify(r['type'])}`);
  return {
    type: 'alerting', ...common, state: alertState(r['state'], `${w}.state`), duration: num(r['duration']),
    keepFiringFor: num(r['keepFiringFor']), annotations: labelMap(r['annotations'], `${w}.annotations`),
    alerts: arr(r['alerts'], `${w}.alerts`).map((av, k): AlertInstance => {
      const aw = `${w}.alerts[${k}]`;
      const a = rec(av, aw);
      return {
        labels: labelMap(a['labels'], `${aw}.labels`), annotations: labelMap(a['annotations'], `${aw}.annotations`),
        state: alertState(a['state'], `${aw}.state`),
        ...(typeof a['activeAt'] === 'string' ? { activeAt: time(a['activeAt'], `${aw}.activeAt`) } : {}),
        value: text(a['value']), partialResponseStrategy: 'ABORT',
      };
    }),
  };
}

export function parseTargets(data: unknown, ext: Labels): TargetDiscovery {
  const w = 'targets';
  const d = rec(data, w);
  return {
    activeTargets: arr(d['activeTargets'], `${w}.activeTargets`).map((tv, i): ActiveTarget => {
      const tw = `${w}.activeTargets[${i}]`;
      const t = rec(tv, tw);
      return {
        discoveredLabels: extendLabels(labelMap(t['discoveredLabels'], `${tw}.discoveredLabels`), ext),
        labels: extendLabels(labelMap(t['labels'], `${tw}.labels`), ext),
        scrapePool: text(t['scrapePool']), scrapeUrl: text(t['scrapeUrl']), globalUrl: text(t['globalUrl']),
        lastError: text(t['lastError']), lastScrape: time(t['lastScrape'], `${tw}.lastScrape`),
        lastScrapeDuration: num(t['lastScrapeDuration']), health: health(t['health'], `${tw}.health`),
      };
    }),
    droppedTargets: arr(d['droppedTargets'], `${w}.droppedTargets`).map((tv, i): DroppedTarget => ({
      discoveredLabels: extendLabels(labelMap(rec(tv, `${w}.droppedTargets[${i}]`)['discoveredLabels'], `${w}.droppedTargets[${i}].discoveredLabels`), ext),
    })),
  };
}

export function parseMetadata(data: unknown): Map<string, MetricMeta[]> {
  const out = new Map<string, MetricMeta[]>();
  for (const [name, list] of Object.entries(rec(data, 'metadata'))) {
    out.set(name, arr(list, `metadata[${JSON.stringify(name)}]`).map((mv) => {
      const m = rec(mv, `metadata[${JSON.stringify(name)}]`);
      return { type: text(m['type']), help: text(m['help']), unit: text(m['unit']) };
    }));
  }
  return out;
}

export function parseExemplars(data: unknown, ext: Labels): ExemplarData[] {
  return arr(data, 'exemplars').map((dv, i): ExemplarData => {
    const w = `exemplars[${i}]`;
    const d = rec(dv, w);
    return {
      seriesLabels: extendLabels(labelMap(d['seriesLabels'], `${w}.seriesLabels`), ext),
      exemplars: arr(d['exemplars'], `${w}.exemplars`).map((ev, j): Exemplar => {
        const e = rec(ev, `${w}.exemplars[${j}]`);
        return {
          labels: labelMap(e['labels'], `${w}.exemplars[${j}].labels`), value: sampleValue(e['value'], `${w}.exemplars[${j}].value`),
          ts: Math.round(num(e['timestamp']) * 1000),
        };
      }),
    };
  });
}

/** The four APIs over one Prometheus. */
export class PrometheusApis implements RulesApi, TargetsApi, MetadataApi, ExemplarsApi {
  constructor(private readonly client: PrometheusClient, private readonly opts: PrometheusApisOptions) {}

  private ext(): Labels {
    const ext = this.opts.externalLabels();
    if (ext === undefined) throw new UnavailableError('sidecar is not ready: external labels of prometheus not known yet');
    return ext;
  }

  async rules(req: RulesRequest, signal?: AbortSignal): Promise<{ groups: RuleGroup[]; warnings: string[] }> {
    const ext = this.ext();
    const params = new URLSearchParams();
    if (req.type !== 'all') params.set('type', req.type);
    return { groups: parseRuleGroups(await this.client.apiGet('rules', params, 'rules', signal), ext), warnings: [] };
  }

  async targets(req: TargetsRequest, signal?: AbortSignal): Promise<{ targets: TargetDiscovery; warnings: string[] }> {
    const ext = this.ext();
    const params = new URLSearchParams();
    if (req.state !== 'any') params.set('state', req.state);
    return { targets: parseTargets(await this.client.apiGet('targets', params, 'targets', signal), ext), warnings: [] };
  }

  async metricMetadata(req: MetricMetadataRequest, signal?: AbortSignal): Promise<{ metadata: Map<string, MetricMeta[]>; warnings: string[] }> {
    this.ext();
    const params = new URLSearchParams();
    if (req.metric !== '') params.set('metric', req.metric);
    if (req.limit >= 0) params.set('limit', String(req.limit));
    return { metadata: parseMetadata(await this.client.apiGet('metadata', params, 'metadata', signal)), warnings: [] };
  }

  async exemplars(req: ExemplarsRequest, signal?: AbortSignal): Promise<{ data: ExemplarData[]; warnings: string[] }> {
    const ext = this.ext();
    const params = new URLSearchParams({ query: req.query });
    // Unbounded ends are left out: Prometheus then uses its own extremes.
    if (Math.abs(req.start) < UNBOUNDED_MS) params.set('start', (req.start / 1000).toString());
    if (Math.abs(req.end) < UNBOUNDED_MS) params.set('end', (req.end / 1000).toString());
    return { data: parseExemplars(await this.client.apiGet('query_exemplars', params, 'exemplars', signal), ext), warnings: [] };
  }
}

