// thanos.Rules messages (proto/rules/rpc.proto) as typed values: rule groups with recording and alerting rules and
// their alert instances, in the units Prometheus's JSON uses (seconds as floats, times to the nanosecond).

import type { Labels } from '../../tsdb/labels/labels.js';
import { decodeWith, STRATEGIES } from '../codec.js';
import { enumName, enumNumber, int64, list, obj, optObj, str, strings } from '../codec-values.js';
import { apiMessages, type WarningFrame } from './messages.js';
import type { PartialResponseStrategy } from '../store-api.js';
import { decodeLabelSet, encodeLabelSet } from './labels.js';
import { decodeTimestamp, encodeTimestamp, ZERO_TIME, type Timestamp } from './timestamp.js';

/** Wire order of thanos.AlertState since v0.41 (index = number). */
export const ALERT_STATES = ['unknown', 'inactive', 'pending', 'firing'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export const RULE_TYPES = ['all', 'alert', 'record'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export interface AlertInstance {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly state: AlertState;
  readonly activeAt?: Timestamp;
  /** As Prometheus formats it (`%e`-style, e.g. "1e+00"). */
  readonly value: string;
  readonly partialResponseStrategy: PartialResponseStrategy;
}

interface RuleCommon {
  readonly name: string;
  readonly query: string;
  readonly labels: Labels;
  readonly health: string;
  /** '' when none. */
  readonly lastError: string;
  /** Seconds. */
  readonly evaluationTime: number;
  readonly lastEvaluation: Timestamp;
}

export interface AlertingRule extends RuleCommon {
  readonly type: 'alerting';
  /** The most critical state of its alerts. */
  readonly state: AlertState;
  /** `for`, seconds. */
  readonly duration: number;
  readonly keepFiringFor: number;
  readonly annotations: Labels;
  readonly alerts: readonly AlertInstance[];
}

export interface RecordingRule extends RuleCommon {
  readonly type: 'recording';
}

export type Rule = AlertingRule | RecordingRule;

export interface RuleGroup {
  readonly name: string;
  readonly file: string;
  readonly rules: readonly Rule[];
  /** Seconds. */
  readonly interval: number;
  readonly evaluationTime: number;
  readonly lastEvaluation: Timestamp;
  readonly limit: number;
  readonly partialResponseStrategy: PartialResponseStrategy;
}

export interface RulesRequest {
  readonly type: RuleType;
  readonly partialResponseStrategy: PartialResponseStrategy;
  /** match[] selectors, as text. */
  readonly matchers: readonly string[];
  readonly ruleNames: readonly string[];
  readonly ruleGroups: readonly string[];
  readonly files: readonly string[];
}

export type RulesFrame = { readonly type: 'group'; readonly group: RuleGroup } | WarningFrame;

const T = apiMessages('thanos.RulesRequest', 'thanos.RulesResponse');

export function encodeRulesRequest(r: RulesRequest): Uint8Array {
  return T.request.encode({
    type: enumNumber(r.type, RULE_TYPES),
    partialResponseStrategy: enumNumber(r.partialResponseStrategy, STRATEGIES),
    matcherString: r.matchers, ruleName: r.ruleNames, ruleGroup: r.ruleGroups, file: r.files,
  }).finish();
}

export function decodeRulesRequest(buf: Uint8Array): RulesRequest {
  const w = 'RulesRequest';
  const o = decodeWith(T.request, buf, w);
  return {
    type: enumName(o['type'], RULE_TYPES, `${w}.type`),
    partialResponseStrategy: enumName(o['partialResponseStrategy'], STRATEGIES, `${w}.partial_response_strategy`),
    matchers: strings(o['matcherString'], `${w}.matcher_string`),
    ruleNames: strings(o['ruleName'], `${w}.rule_name`),
    ruleGroups: strings(o['ruleGroup'], `${w}.rule_group`),
    files: strings(o['file'], `${w}.file`),
  };
}

export function encodeRulesFrame(f: RulesFrame): Uint8Array {
  return T.response.encode(f.type === 'warning' ? { warning: f.warning } : { group: groupMessage(f.group) }).finish();
}

export function decodeRulesFrame(buf: Uint8Array): RulesFrame {
  const w = 'RulesResponse';
  const o = decodeWith(T.response, buf, w);
  const g = optObj(o['group'], `${w}.group`);
  if (g) return { type: 'group', group: decodeGroup(g, `${w}.group`) };
  if (typeof o['warning'] === 'string') return { type: 'warning', warning: o['warning'] };
  return { type: 'warning', warning: '' };
}

function groupMessage(g: RuleGroup): object {
  return {
    name: g.name, file: g.file, interval: g.interval, evaluationDurationSeconds: g.evaluationTime,
    lastEvaluation: encodeTimestamp(g.lastEvaluation), limit: g.limit,
    PartialResponseStrategy: enumNumber(g.partialResponseStrategy, STRATEGIES),
    rules: g.rules.map((r) => (r.type === 'recording'
      ? {
        recording: {
          name: r.name, query: r.query, labels: encodeLabelSet(r.labels), health: r.health, lastError: r.lastError,
          evaluationDurationSeconds: r.evaluationTime, lastEvaluation: encodeTimestamp(r.lastEvaluation),
        },
      }
      : {
        alert: {
          state: enumNumber(r.state, ALERT_STATES), name: r.name, query: r.query, durationSeconds: r.duration,
          labels: encodeLabelSet(r.labels), annotations: encodeLabelSet(r.annotations),
          alerts: r.alerts.map((a) => ({
            labels: encodeLabelSet(a.labels), annotations: encodeLabelSet(a.annotations),
            state: enumNumber(a.state, ALERT_STATES), activeAt: a.activeAt && encodeTimestamp(a.activeAt), value: a.value,
            PartialResponseStrategy: enumNumber(a.partialResponseStrategy, STRATEGIES),
          })),
          health: r.health, lastError: r.lastError, evaluationDurationSeconds: r.evaluationTime,
          lastEvaluation: encodeTimestamp(r.lastEvaluation), keepFiringForSeconds: r.keepFiringFor,
        },
      })),
  };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

function decodeGroup(g: ReturnType<typeof obj>, w: string): RuleGroup {
  return {
    name: str(g['name'], `${w}.name`),
    file: str(g['file'], `${w}.file`),
    interval: num(g['interval']),
    evaluationTime: num(g['evaluationDurationSeconds']),
    lastEvaluation: decodeTimestamp(g['lastEvaluation'], `${w}.last_evaluation`) ?? ZERO_TIME,
    limit: int64(g['limit'], `${w}.limit`),
    partialResponseStrategy: enumName(g['PartialResponseStrategy'], STRATEGIES, `${w}.PartialResponseStrategy`),
    rules: list(g['rules'], `${w}.rules`).flatMap((rv, i): Rule[] => {
      const rw = `${w}.rules[${i}]`;
      const r = obj(rv, rw);
      const rec = optObj(r['recording'], `${rw}.recording`);
      if (rec) {
        return [{
          type: 'recording', name: str(rec['name'], `${rw}.name`), query: str(rec['query'], `${rw}.query`),
          labels: decodeLabelSet(rec['labels'], `${rw}.labels`), health: str(rec['health'], `${rw}.health`),
          lastError: str(rec['lastError'], `${rw}.last_error`), evaluationTime: num(rec['evaluationDurationSeconds']),
          lastEvaluation: decodeTimestamp(rec['lastEvaluation'], `${rw}.last_evaluation`) ?? ZERO_TIME,
        }];
      }
      const a = optObj(r['alert'], `${rw}.alert`);
      if (!a) return []; // a rule of a kind this version does not know
      return [{
        type: 'alerting', state: enumName(a['state'], ALERT_STATES, `${rw}.state`), name: str(a['name'], `${rw}.name`),
        query: str(a['query'], `${rw}.query`), duration: num(a['durationSeconds']),
        keepFiringFor: num(a['keepFiringForSeconds']), labels: decodeLabelSet(a['labels'], `${rw}.labels`),
        annotations: decodeLabelSet(a['annotations'], `${rw}.annotations`),
        alerts: list(a['alerts'], `${rw}.alerts`).map((iv, j): AlertInstance => {
          const iw = `${rw}.alerts[${j}]`;
          const inst = obj(iv, iw);
          const activeAt = decodeTimestamp(inst['activeAt'], `${iw}.active_at`);
          return {
            labels: decodeLabelSet(inst['labels'], `${iw}.labels`), annotations: decodeLabelSet(inst['annotations'], `${iw}.annotations`),
            state: enumName(inst['state'], ALERT_STATES, `${iw}.state`), ...(activeAt ? { activeAt } : {}),
            value: str(inst['value'], `${iw}.value`),
            partialResponseStrategy: enumName(inst['PartialResponseStrategy'], STRATEGIES, `${iw}.PartialResponseStrategy`),
          };
        }),
        health: str(a['health'], `${rw}.health`), lastError: str(a['lastError'], `${rw}.last_error`),
        evaluationTime: num(a['evaluationDurationSeconds']),
        lastEvaluation: decodeTimestamp(a['lastEvaluation'], `${rw}.last_evaluation`) ?? ZERO_TIME,
      }];
    }),
  };
}
