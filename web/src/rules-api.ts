// Reads /api/v1/rules and /api/v1/targets for the Alerts, Rules and Targets pages: shape checks just deep enough
// for rendering, every field defaulted, so an odd answer shows as blanks rather than breaking the page.

import { ApiError } from './api.js';

export type LabelMap = Record<string, string>;

export interface AlertView {
  readonly labels: LabelMap;
  readonly annotations: LabelMap;
  readonly state: string;
  readonly activeAt: string;
  readonly value: string;
}

export interface RuleView {
  readonly type: 'alerting' | 'recording';
  readonly name: string;
  readonly query: string;
  readonly labels: LabelMap;
  readonly annotations: LabelMap;
  readonly state: string;
  /** `for`, seconds. */
  readonly duration: number;
  readonly health: string;
  readonly lastError: string;
  readonly evaluationTime: number;
  readonly lastEvaluation: string;
  readonly alerts: readonly AlertView[];
}

export interface GroupView {
  readonly name: string;
  readonly file: string;
  readonly interval: number;
  readonly evaluationTime: number;
  readonly lastEvaluation: string;
  readonly rules: readonly RuleView[];
}

export interface TargetView {
  readonly scrapePool: string;
  readonly scrapeUrl: string;
  readonly labels: LabelMap;
  readonly discoveredLabels: LabelMap;
  readonly health: string;
  readonly lastError: string;
  readonly lastScrape: string;
  readonly lastScrapeDuration: number;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);
const labels = (v: unknown): LabelMap => (isRec(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, s(x)])) : {});

function alert(a: Rec): AlertView {
  return { labels: labels(a['labels']), annotations: labels(a['annotations']), state: s(a['state']), activeAt: s(a['activeAt']), value: s(a['value']) };
}

export function asRuleGroups(v: unknown): GroupView[] {
  if (!isRec(v)) throw new ApiError('bad_response', 'rules response without data');
  return list(v['groups']).map((g) => ({
    name: s(g['name']), file: s(g['file']), interval: n(g['interval']), evaluationTime: n(g['evaluationTime']),
    lastEvaluation: s(g['lastEvaluation']),
    rules: list(g['rules']).map((r): RuleView => ({
      type: r['type'] === 'alerting' ? 'alerting' : 'recording', name: s(r['name']), query: s(r['query']),
      labels: labels(r['labels']), annotations: labels(r['annotations']), state: s(r['state']), duration: n(r['duration']),
      health: s(r['health']), lastError: s(r['lastError']), evaluationTime: n(r['evaluationTime']),
      lastEvaluation: s(r['lastEvaluation']), alerts: list(r['alerts']).map(alert),
    })),
  }));
}

export function asActiveTargets(v: unknown): TargetView[] {
  if (!isRec(v)) throw new ApiError('bad_response', 'targets response without data');
  return list(v['activeTargets']).map((t) => ({
    scrapePool: s(t['scrapePool']), scrapeUrl: s(t['scrapeUrl']), labels: labels(t['labels']),
    discoveredLabels: labels(t['discoveredLabels']), health: s(t['health']), lastError: s(t['lastError']),
    lastScrape: s(t['lastScrape']), lastScrapeDuration: n(t['lastScrapeDuration']),
  }));
}

/** "3.2s ago" / "never" for an RFC 3339 time, relative to `now` (ms). */
export function ago(rfc3339: string, now: number): string {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t) || rfc3339.startsWith('0001-')) return 'never';
  const sec = Math.max(0, (now - t) / 1000);
  return sec < 60 ? `${sec.toFixed(1)}s ago` : sec < 3600 ? `${Math.floor(sec / 60)}m ${Math.floor(sec % 60)}s ago` : `${Math.floor(sec / 3600)}h ago`;
}

/** Seconds as the Prometheus UI shows short durations: "12.3ms", "1.204s". */
export function seconds(x: number): string {
  return x < 1 ? `${(x * 1000).toFixed(3)}ms` : `${x.toFixed(3)}s`;
}
