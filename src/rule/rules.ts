// Recording and alerting rules with Prometheus's semantics (rules/recording.go, rules/alerting.go): one
// evaluation turns a query result into samples to append; an alerting rule keeps its alerts' lifecycle
// (inactive → pending → firing → resolved, `for`, `keep_firing_for`) and writes ALERTS and ALERTS_FOR_STATE.

import { labelsEqual, sortLabels, type Label, type Labels } from '../tsdb/labels/labels.js';
import type { Expr } from '../promql/parser/ast.js';
import type { AlertingRuleConfig, RecordingRuleConfig, StringMap } from './rule-file.js';
import { expandAlertTemplate, isPlainText, type TemplateCache } from './template/expand.js';
import type { QuerySample } from './template/go-fmt.js';

/** One sample of a query result or of a rule's output. */
export interface RuleSample {
  readonly labels: Labels;
  /** ms */
  readonly t: number;
  readonly v: number;
}

/** Runs an instant query at `tMs`; throws when the evaluation fails (unreachable querier, ABORT, bad query). */
export type QueryFunc = (expr: string, tMs: number) => Promise<{ samples: RuleSample[]; warnings: readonly string[] }>;

export type AlertState = 'inactive' | 'pending' | 'firing';
export type RuleHealth = 'unknown' | 'ok' | 'err';

/** Resolved alerts are kept (and re-sent) this long, as Prometheus's resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface Alert {
  readonly labels: Labels;
  /** labelsKey(labels). */
  readonly key: string;
  annotations: Labels;
  state: AlertState;
  value: number;
  /** ms; when the alert became active (pending). */
  activeAt: number;
  /** ms, 0 = unset. */
  firedAt: number;
  resolvedAt: number;
  lastSentAt: number;
  validUntil: number;
  keepFiringSince: number;
}

export function labelsKey(ls: Labels): string {
  let s = '';
  for (const l of ls) s += l.name + '\u0000' + l.value + '\u0001';
  return s;
}

interface RuleStatus {
  health: RuleHealth;
  lastError: string;
  /** ms of the last evaluation, 0 = never. */
  lastEvaluation: number;
  /** seconds */
  evaluationTime: number;
}

function mapToLabels(m: StringMap): Labels {
  return sortLabels([...m].map(([name, value]) => ({ name, value })));
}

/** Sets `extra` on `base` (extra wins), as labels.Builder.Set in order. */
function setLabels(base: Labels, extra: readonly Label[], drop?: string): Labels {
  const m = new Map<string, string>();
  for (const l of base) if (l.name !== drop) m.set(l.name, l.value);
  for (const l of extra) {
    if (l.value === '') m.delete(l.name);
    else m.set(l.name, l.value);
  }
  return sortLabels([...m].map(([name, value]) => ({ name, value })));
}

export class RecordingRule {
  readonly kind = 'record';
  readonly status: RuleStatus = { health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTime: 0 };
  readonly labels: Labels;
  readonly expr: Expr;

  constructor(readonly config: RecordingRuleConfig, groupLabels: StringMap) {
    this.labels = setLabels(mapToLabels(groupLabels), mapToLabels(config.labels));
    this.expr = config.parsed;
  }

  get name(): string { return this.config.name; }
  get query(): string { return this.config.expr; }

  /** Samples to append: the result renamed and relabelled; throws on duplicate series or an exceeded limit. */
  async eval(tMs: number, queryOffsetMs: number, query: QueryFunc, limit: number): Promise<{ samples: RuleSample[]; warnings: readonly string[] }> {
    const r = await query(this.config.expr, tMs - queryOffsetMs);
    const extra: Label[] = [{ name: '__name__', value: this.config.name }, ...this.labels];
    const seen = new Set<string>();
    const out: RuleSample[] = [];
    for (const s of r.samples) {
      const labels = setLabels(s.labels, extra);
      const k = labelsKey(labels);
      if (seen.has(k)) throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(k);
      out.push({ labels, t: tMs - queryOffsetMs, v: s.v });
    }
    if (limit > 0 && out.length > limit) throw new Error(`exceeded limit of ${limit} with ${out.length} series`);
    return { samples: out, warnings: r.warnings };
  }
}

export interface AlertEvalEnv {
  readonly query: QueryFunc;
  readonly externalLabels: Labels;
  readonly externalUrl: string;
  readonly templates: TemplateCache;
  readonly onTemplateError?: (rule: string, err: string) => void;
}

export class AlertingRule {
  readonly kind = 'alert';
  readonly status: RuleStatus = { health: 'unknown', lastError: '', lastEvaluation: 0, evaluationTime: 0 };
  /** Active alerts by labelsKey. */
  active = new Map<string, Alert>();
  /** False until the group restored the `for` state (or decided there is nothing to restore). */
  restored = false;
  readonly labels: Labels;
  /** Label templates in file order (group labels first, the rule's own win). */
  private readonly labelTemplates: readonly Label[];
  private readonly annotationTemplates: readonly Label[];
  readonly expr: Expr;

  constructor(readonly config: AlertingRuleConfig, groupLabels: StringMap) {
    const merged = new Map(groupLabels);
    for (const [k, v] of config.labels) merged.set(k, v);
    this.labelTemplates = [...merged].map(([name, value]) => ({ name, value }));
    this.labels = mapToLabels(merged);
    this.annotationTemplates = [...config.annotations].map(([name, value]) => ({ name, value }));
    this.expr = config.parsed;
  }

  get name(): string { return this.config.name; }
  get query(): string { return this.config.expr; }
  get holdMs(): number { return this.config.forMs; }
  get keepFiringForMs(): number { return this.config.keepFiringForMs; }

  /** The most critical state of its alerts. */
  get state(): AlertState {
    let s: AlertState = 'inactive';
    for (const a of this.active.values()) {
      if (a.state === 'firing') return 'firing';
      if (a.state === 'pending') s = 'pending';
    }
    return s;
  }

  async eval(tMs: number, queryOffsetMs: number, env: AlertEvalEnv, limit: number): Promise<{ samples: RuleSample[]; warnings: readonly string[] }> {
    const res = await env.query(this.config.expr, tMs - queryOffsetMs);
    const extLabels = new Map(env.externalLabels.map((l) => [l.name, l.value]));
    const templateQuery = async (q: string): Promise<QuerySample[]> => {
      const r = await env.query(q, tMs - queryOffsetMs);
      return r.samples.map((s) => ({ Labels: new Map(s.labels.map((l) => [l.name, l.value])), Value: s.v }));
    };
    const fresh = new Map<string, Alert>();
    for (const s of res.samples) {
      const data = { labels: new Map(s.labels.map((l) => [l.name, l.value])), externalLabels: extLabels, externalUrl: env.externalUrl, value: s.v };
      const funcEnv = { query: templateQuery, nowMs: tMs, externalUrl: env.externalUrl };
      const expand = async (text: string): Promise<string> => {
        if (isPlainText(text)) return text;
        const r = await expandAlertTemplate(env.templates, this.config.name, text, data, funcEnv);
        if (r.error !== undefined) env.onTemplateError?.(this.config.name, r.error);
        return r.text;
      };
      const set: Label[] = [];
      for (const l of this.labelTemplates) set.push({ name: l.name, value: await expand(l.value) });
      set.push({ name: 'alertname', value: this.config.name });
      const labels = setLabels(s.labels, set, '__name__');
      const annotations: Label[] = [];
      for (const a of this.annotationTemplates) annotations.push({ name: a.name, value: await expand(a.value) });
      const key = labelsKey(labels);
      if (fresh.has(key)) throw new Error('vector contains metrics with the same labelset after applying alert labels');
      fresh.set(key, {
        labels, key, annotations: sortLabels(annotations), state: 'pending', value: s.v, activeAt: tMs,
        firedAt: 0, resolvedAt: 0, lastSentAt: 0, validUntil: 0, keepFiringSince: 0,
      });
    }
    for (const [k, a] of fresh) {
      const cur = this.active.get(k);
      if (cur && cur.state !== 'inactive') {
        cur.value = a.value;
        cur.annotations = a.annotations;
        continue;
      }
      this.active.set(k, a);
    }
    const out: RuleSample[] = [];
    let activePending = 0;
    const sampleT = tMs - queryOffsetMs;
    for (const [k, a] of this.active) {
      if (!fresh.has(k)) {
        let keepFiring = false;
        if (a.state === 'firing' && this.config.keepFiringForMs > 0) {
          if (a.keepFiringSince === 0) a.keepFiringSince = tMs;
          if (tMs - a.keepFiringSince < this.config.keepFiringForMs) keepFiring = true;
        }
        if (a.state === 'pending' || (a.resolvedAt !== 0 && tMs - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(k);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = tMs;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = 0;
      }
      activePending++;
      if (a.state === 'pending' && tMs - a.activeAt >= this.config.forMs) {
        a.state = 'firing';
        a.firedAt = tMs;
      }
      if (this.restored) {
        out.push({ labels: setLabels(a.labels, [{ name: '__name__', value: 'ALERTS' }, { name: 'alertstate', value: a.state }]), t: sampleT, v: 1 });
        out.push({ labels: setLabels(a.labels, [{ name: '__name__', value: 'ALERTS_FOR_STATE' }]), t: sampleT, v: Math.floor(a.activeAt / 1000) });
      }
    }
    if (limit > 0 && activePending > limit) {
      this.active = new Map();
      throw new Error(`exceeded limit of ${limit} with ${activePending} alerts`);
    }
    return { samples: out, warnings: res.warnings };
  }

  /** Alerts due to be sent at `tMs` (Prometheus's needsSending), stamped with their new validity. */
  alertsToSend(tMs: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      // Never sent (0) is due at once, as Go's zero time.
      const due = a.lastSentAt === 0 || a.resolvedAt > a.lastSentAt || a.lastSentAt + resendDelayMs < tMs;
      if (!due) continue;
      a.lastSentAt = tMs;
      a.validUntil = tMs + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({ ...a });
    }
    return out;
  }

  /** During an evaluation outage: firing alerts re-sent with a fresh validity, so Alertmanager keeps them. */
  firingToKeep(tMs: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state !== 'firing') continue;
      if (a.lastSentAt !== 0 && a.lastSentAt + resendDelayMs >= tMs) continue;
      a.lastSentAt = tMs;
      a.validUntil = tMs + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({ ...a });
    }
    return out;
  }

  /** Copies alert state from the same rule of a previous load (Prometheus's CopyState). */
  copyStateFrom(old: AlertingRule): void {
    this.active = old.active;
    this.restored = old.restored;
    Object.assign(this.status, old.status);
  }

  /** Whether `other` is the same alerting rule (name, query, labels): state moves with it between files. */
  sameRule(other: AlertingRule): boolean {
    return other.config.name === this.config.name && other.config.expr === this.config.expr && labelsEqual(other.labels, this.labels);
  }
}

export type Rule = RecordingRule | AlertingRule;
