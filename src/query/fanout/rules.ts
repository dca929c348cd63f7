// The querier's Rules API over its endpoints (upstream pkg/rules/rules.go GRPCClient): every endpoint's groups,
// filtered by match[] (non-templated rule labels), rule name, group and file, groups of the same file;name merged
// and their rules deduplicated once replica labels are removed: the most critical, then most recently evaluated
// copy of a rule wins.

import { parseExpr } from '../../promql/parser/parse.js';
import type { ApiEndpoint } from '../endpoint-set.js';
import { compareLabels, withoutLabels, type Labels } from '../../tsdb/labels/labels.js';
import { matchesAll, type Matcher } from '../../tsdb/labels/matcher.js';
import { InvalidArgumentError, errorMessage } from '../../runtime/errors.js';
import { ALERT_STATES, type Rule, type RuleGroup, type RulesRequest } from '../../store/apis/rules.js';
import { compareTimestamps } from '../../store/apis/timestamp.js';
import { fanOut } from './fanout.js';

export interface DedupOptions {
  /** Labels removed before comparing (empty: dedup off). */
  readonly replicaLabels: readonly string[];
  readonly partialResponse: boolean;
  readonly signal?: AbortSignal;
}

export async function fanOutRules(endpoints: readonly ApiEndpoint[], req: RulesRequest, opts: DedupOptions): Promise<{ groups: RuleGroup[]; warnings: readonly string[] }> {
  const matcherSets = req.matchers.map(parseSelector);
  const r = await fanOut(endpoints, 'rules', opts, (c, _e, signal) => c.rules(req, signal));
  let groups = r.answers.flatMap((a) => a.groups);
  groups = filterByMatchers(groups, matcherSets);
  groups = filterByNames(groups, req);
  const replica = new Set(opts.replicaLabels);
  return { groups: mergeGroups(groups).map((g) => ({ ...g, rules: dedupRules(g.rules, replica) })), warnings: r.warnings };
}

/** A series selector (upstream's ParseMetricSelector: any selector, even one matching everything). */
export function parseSelector(s: string): Matcher[] {
  let e;
  try {
    e = parseExpr(s);
  } catch (err) {
    throw new InvalidArgumentError(`parser ParseMetricSelector: ${errorMessage(err)}`, { cause: err });
  }
  if (e.type !== 'VectorSelector') throw new InvalidArgumentError(`parser ParseMetricSelector: ${JSON.stringify(s)} is not a series selector`);
  return [...e.matchers];
}

/** A label value with a Go template action in it is left out of matching, as upstream does. */
const templated = (v: string): boolean => v.includes('{{');

function filterByMatchers(groups: readonly RuleGroup[], sets: readonly Matcher[][]): RuleGroup[] {
  if (sets.length === 0) return [...groups];
  return groups.flatMap((g) => {
    const rules = g.rules.filter((r) => {
      const plain = r.labels.filter((l) => !templated(l.value));
      // Upstream requires every matcher of every set (not any set) to hold.
      return sets.every((ms) => matchesAll(ms, plain));
    });
    return rules.length > 0 ? [{ ...g, rules }] : [];
  });
}

function filterByNames(groups: readonly RuleGroup[], req: RulesRequest): RuleGroup[] {
  if (req.ruleNames.length === 0 && req.ruleGroups.length === 0 && req.files.length === 0) return [...groups];
  const names = new Set(req.ruleNames);
  const groupNames = new Set(req.ruleGroups);
  const files = new Set(req.files);
  return groups.flatMap((g) => {
    if (groupNames.size > 0 && !groupNames.has(g.name)) return [];
    if (files.size > 0 && !files.has(g.file)) return [];
    const rules = names.size > 0 ? g.rules.filter((r) => names.has(r.name)) : g.rules;
    return rules.length > 0 ? [{ ...g, rules }] : [];
  });
}

const groupKey = (g: RuleGroup): string => `${g.file};${g.name}`;

/** Groups sorted by file;name, the rules of equal keys concatenated into the first. */
function mergeGroups(groups: readonly RuleGroup[]): RuleGroup[] {
  const byKey = new Map<string, RuleGroup>();
  for (const g of groups) {
    const k = groupKey(g);
    const seen = byKey.get(k);
    byKey.set(k, seen ? { ...seen, rules: [...seen.rules, ...g.rules] } : g);
  }
  return [...byKey.values()].sort((a, b) => (groupKey(a) < groupKey(b) ? -1 : groupKey(a) > groupKey(b) ? 1 : 0));
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Upstream's Rule.Compare: alerting before recording, then name, labels, query, `for`. 0 = the same rule. */
export function compareRules(a: Rule, b: Rule): number {
  if (a.type !== b.type) return a.type === 'alerting' ? -1 : 1;
  return cmpStr(a.name, b.name) || compareLabels(a.labels, b.labels) || cmpStr(a.query, b.query)
    || (a.type === 'alerting' && b.type === 'alerting' ? a.duration - b.duration : 0);
}

/** Of two copies of one rule, <0 when `a` should be kept: the more critical alert state, then the later evaluation. */
function preferCopy(a: Rule, b: Rule): number {
  if (a.type === 'alerting' && b.type === 'alerting') {
    const d = ALERT_STATES.indexOf(b.state) - ALERT_STATES.indexOf(a.state);
    if (d !== 0) return d;
  }
  return compareTimestamps(b.lastEvaluation, a.lastEvaluation);
}

function dedupRules(rules: readonly Rule[], replica: ReadonlySet<string>): Rule[] {
  const stripped: Rule[] = rules.map((r) => (replica.size === 0 ? r : { ...r, labels: withoutLabels(r.labels, replica) as Labels }));
  stripped.sort((a, b) => compareRules(a, b) || preferCopy(a, b));
  const out: Rule[] = [];
  for (const r of stripped) {
    if (out.length > 0 && compareRules(out[out.length - 1]!, r) === 0) continue;
    out.push(r);
  }
  return out;
}
