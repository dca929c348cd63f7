// A rule group as Prometheus runs it (rules/group.go): evaluated every interval at Prometheus's own offset
// (hash of name and file), rules in order, results appended with stale markers for series that went away,
// alerts handed to the notifier, and the `for` state restored from ALERTS_FOR_STATE after the second
// evaluation following a start. Beyond upstream, a failed evaluation (querier unreachable) keeps firing alerts
// alive at Alertmanager for up to --for-outage-tolerance instead of letting them expire there.

import { xxh64 } from '@node-rs/xxhash';
import { STALE_NAN } from '../tsdb/chunkenc/chunk.js';
import type { Labels } from '../tsdb/labels/labels.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { PartialResponseStrategy, RuleGroupConfig } from './rule-file.js';
import { AlertingRule, RecordingRule, labelsKey, type Alert, type QueryFunc, type Rule, type RuleSample } from './rules.js';
import type { RuleMetrics } from './metrics.js';
import { independentRules, type EvalSlots } from './concurrency.js';
import type { TemplateCache } from './template/expand.js';

/** Where rule results go (the ruler's TSDB head); returns how many samples were refused and why. */
export interface RuleAppendable {
  append(samples: readonly RuleSample[]): { failed: number; reasons: string[] };
}

/** The newest ALERTS_FOR_STATE sample of exactly this alert label set in [mint, maxt], if any. */
export type ForStateLookup = (alertLabels: Labels, mint: number, maxt: number) => Promise<{ t: number; v: number } | undefined>;

export interface GroupDeps {
  readonly query: QueryFunc;
  readonly appendable: RuleAppendable;
  readonly notify: (expr: string, alerts: readonly Alert[]) => void;
  readonly forState: ForStateLookup;
  readonly externalLabels: Labels;
  readonly externalUrl: string;
  readonly templates: TemplateCache;
  readonly resendDelayMs: number;
  readonly forGracePeriodMs: number;
  readonly forOutageToleranceMs: number;
  readonly logger: Logger;
  readonly metrics: RuleMetrics;
  /** Slots for rules evaluated beside their group's sequence (--rule-concurrent-evaluation). */
  readonly slots: EvalSlots;
  readonly now: () => number;
}

const SEP = Buffer.from([0xff]);

/** Prometheus's group offset: labels{file, name}.Hash() mod interval (in ns), so groups spread over time. */
export function groupOffsetNs(name: string, file: string, intervalMs: number): bigint {
  const h = xxh64(Buffer.concat([Buffer.from('file'), SEP, Buffer.from(file), SEP, Buffer.from('name'), SEP, Buffer.from(name), SEP]), 0n);
  return h % (BigInt(intervalMs) * 1_000_000n);
}

/** Prometheus's Group.EvalTimestamp: the latest `base + offset` at or before `nowMs`, in ms. */
export function evalTimestamp(nowMs: number, intervalMs: number, offsetNs: bigint): number {
  const interval = BigInt(intervalMs) * 1_000_000n;
  const adj = BigInt(nowMs) * 1_000_000n - offsetNs;
  let base = adj - (adj % interval);
  if (adj < 0n && adj % interval !== 0n) base -= interval;
  return Number((base + offsetNs) / 1_000_000n);
}

export class Group {
  readonly rules: Rule[];
  readonly key: string;
  /** ms of the last evaluation start, 0 = never. */
  lastEvaluation = 0;
  /** seconds */
  evaluationTime = 0;
  /** Restore the `for` state after the second evaluation (groups of the first load after a start). */
  shouldRestore = false;
  private readonly seriesInPreviousEval: Map<string, Labels>[];
  /** Rules that may run concurrently with the rest of the group (see concurrency.ts). */
  private readonly independent: readonly boolean[];
  private readonly lastOkEval: number[];
  private readonly offsetNs: bigint;
  private evaluations = 0;
  private readonly log: Logger;

  constructor(
    readonly config: RuleGroupConfig,
    readonly intervalMs: number,
    readonly queryOffsetMs: number,
    private readonly deps: GroupDeps,
  ) {
    this.key = `${config.file};${config.name}`;
    this.rules = config.rules.map((r) => (r.kind === 'record' ? new RecordingRule(r, config.labels) : new AlertingRule(r, config.labels)));
    this.seriesInPreviousEval = this.rules.map(() => new Map<string, Labels>());
    this.independent = independentRules(this.rules.map((r) => ({ name: r.name, expr: r.expr })));
    this.lastOkEval = this.rules.map(() => 0);
    this.offsetNs = groupOffsetNs(config.name, config.file, intervalMs);
    this.log = deps.logger.with({ file: config.file, group: config.name });
  }

  get name(): string { return this.config.name; }
  get file(): string { return this.config.file; }
  get strategy(): PartialResponseStrategy { return this.config.partialResponseStrategy; }

  /** The first evaluation time after `nowMs`. */
  firstEvalAfter(nowMs: number): number {
    return evalTimestamp(nowMs, this.intervalMs, this.offsetNs) + this.intervalMs;
  }

  /** Runs the group until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    let evalTs = this.firstEvalAfter(this.deps.now());
    const labels = { strategy: this.strategy.toLowerCase(), rule_group: this.key };
    this.deps.metrics.groupInterval.set(labels, this.intervalMs / 1000);
    // As Prometheus's NewGroup: the group's counters exist at 0 from the start, so rate() over them (the mixin's
    // "Evaluations Missed" panel) has a series before the first miss or failure.
    for (const c of [this.deps.metrics.iterations, this.deps.metrics.iterationsMissed, this.deps.metrics.evaluations, this.deps.metrics.evalFailures]) c.inc(labels, 0);
    while (!signal.aborted) {
      await sleepUntil(evalTs, this.deps.now, signal);
      if (signal.aborted) return;
      await this.evalAt(evalTs);
      if (this.shouldRestore && this.evaluations >= 2) {
        await this.restoreForState(this.deps.now());
        this.shouldRestore = false;
      }
      // The next tick; ticks missed while this one ran are skipped and counted, as Prometheus's ticker does.
      const now = this.deps.now();
      let next = evalTs + this.intervalMs;
      if (now >= next + this.intervalMs) {
        const k = Math.floor((now - evalTs) / this.intervalMs);
        this.deps.metrics.iterationsMissed.inc(labels, k - 1);
        next = evalTs + k * this.intervalMs;
      }
      evalTs = next;
    }
  }

  /**
   * One evaluation of every rule at `ts` (ms), in order; with --rule-concurrent-evaluation, rules no other rule of the
   * group reads from or writes for run beside the sequence while slots are free (Prometheus's concurrent evaluation).
   */
  async evalAt(ts: number): Promise<void> {
    const labels = { strategy: this.strategy.toLowerCase(), rule_group: this.key };
    const started = performance.now();
    this.deps.metrics.iterations.inc(labels);
    const samples = { total: 0 };
    const beside: Promise<void>[] = [];
    for (let i = 0; i < this.rules.length; i++) {
      if (this.independent[i] && this.deps.slots.tryAcquire()) {
        beside.push(this.evalRule(i, ts, labels, samples).finally(() => this.deps.slots.release()));
      } else {
        await this.evalRule(i, ts, labels, samples);
      }
    }
    await Promise.all(beside);
    this.evaluations++;
    this.lastEvaluation = ts;
    this.evaluationTime = (performance.now() - started) / 1000;
    this.deps.metrics.groupLastEvalTime.set(labels, ts / 1000);
    this.deps.metrics.groupLastDuration.set(labels, this.evaluationTime);
    this.deps.metrics.groupLastSamples.set(labels, samples.total);
    this.deps.metrics.groupDuration.observe(labels, this.evaluationTime);
  }

  /** Evaluates rule `i` at `ts`: its status, warnings, alerts to send and samples appended (counted in `samples`). */
  private async evalRule(i: number, ts: number, labels: { strategy: string; rule_group: string }, samples: { total: number }): Promise<void> {
    const rule = this.rules[i]!;
    const t0 = performance.now();
    this.deps.metrics.evaluations.inc(labels);
    let out: { samples: RuleSample[]; warnings: readonly string[] };
    try {
      out = rule.kind === 'record'
        ? await rule.eval(ts, this.queryOffsetMs, this.deps.query, this.config.limit)
        : await rule.eval(ts, this.queryOffsetMs, {
          query: this.deps.query, externalLabels: this.deps.externalLabels, externalUrl: this.deps.externalUrl,
          templates: this.deps.templates,
          onTemplateError: (name, err) => this.log.warn('expanding alert template failed', { alert: name, err }),
        }, this.config.limit);
    } catch (err) {
      rule.status.health = 'err';
      rule.status.lastError = errorMessage(err);
      rule.status.lastEvaluation = ts;
      rule.status.evaluationTime = (performance.now() - t0) / 1000;
      this.deps.metrics.evalFailures.inc(labels);
      this.log.warn('evaluating rule failed', { name: rule.name, index: i, err: errorMessage(err) });
      if (rule.kind === 'alert') this.keepFiringThroughOutage(rule, ts, i);
      return;
    }
    rule.status.health = 'ok';
    rule.status.lastError = '';
    rule.status.lastEvaluation = ts;
    rule.status.evaluationTime = (performance.now() - t0) / 1000;
    this.lastOkEval[i] = ts;
    if (out.warnings.length > 0) {
      this.deps.metrics.evalWithWarnings.inc({ strategy: labels.strategy });
      this.log.warn('evaluating rule gave warnings; the result is used', { name: rule.name, warnings: out.warnings.join('; ') });
    }
    if (rule.kind === 'alert') {
      const send = rule.alertsToSend(ts, this.deps.resendDelayMs, this.intervalMs);
      if (send.length > 0) this.deps.notify(rule.query, send);
    }
    samples.total += out.samples.length;
    this.appendWithStaleness(i, rule, out.samples, ts - this.queryOffsetMs);
  }

  private appendWithStaleness(i: number, rule: Rule, samples: readonly RuleSample[], staleT: number): void {
    const returned = new Map<string, Labels>();
    const prev = this.seriesInPreviousEval[i]!;
    for (const s of samples) returned.set(labelsKey(s.labels), s.labels);
    const stale: RuleSample[] = [];
    for (const [k, ls] of prev) if (!returned.has(k)) stale.push({ labels: ls, t: staleT, v: STALE_NAN });
    const r = this.deps.appendable.append(stale.length > 0 ? [...samples, ...stale] : samples);
    if (r.failed > 0) this.log.warn('rule sample appending failed', { name: rule.name, failed: r.failed, reasons: r.reasons.slice(0, 3).join('; ') });
    this.seriesInPreviousEval[i] = returned;
  }

  /**
   * The evaluation failed (e.g. the querier is unreachable): states stay as they are, as in Prometheus; firing
   * alerts are re-sent with a fresh validity while the outage is shorter than --for-outage-tolerance, so
   * Alertmanager does not resolve them in the meantime.
   */
  private keepFiringThroughOutage(rule: AlertingRule, ts: number, i: number): void {
    const since = this.lastOkEval[i]!;
    if (since === 0 || ts - since > this.deps.forOutageToleranceMs) return;
    const keep = rule.firingToKeep(ts, this.deps.resendDelayMs, this.intervalMs);
    if (keep.length === 0) return;
    this.log.warn('keeping firing alerts at Alertmanager during the evaluation outage', {
      name: rule.name, alerts: keep.length, last_success: new Date(since).toISOString(),
    });
    this.deps.notify(rule.query, keep);
  }

  /** Prometheus's RestoreForState at `ts` (ms). */
  async restoreForState(ts: number): Promise<void> {
    const mint = ts - this.deps.forOutageToleranceMs;
    for (const rule of this.rules) {
      if (rule.kind !== 'alert') continue;
      const hold = rule.holdMs;
      if (hold < this.deps.forGracePeriodMs) {
        rule.restored = true;
        continue;
      }
      for (const a of rule.active.values()) {
        let last: { t: number; v: number } | undefined;
        try {
          last = await this.deps.forState(a.labels, mint, ts);
        } catch (err) {
          this.log.error('failed to restore the for state of an alert', { alert: rule.name, err: errorMessage(err) });
          continue;
        }
        if (last === undefined || Number.isNaN(last.v)) continue;
        const downAt = Math.floor(last.t / 1000) * 1000;
        let restoredActiveAt = Math.trunc(last.v) * 1000;
        const remaining = hold - (downAt - restoredActiveAt);
        if (remaining <= 0) {
          // It was firing when the ruler went down; the next evaluation makes it fire again if it still holds.
        } else if (remaining < this.deps.forGracePeriodMs) {
          restoredActiveAt = ts + this.deps.forGracePeriodMs - hold;
        } else {
          restoredActiveAt += ts - downAt;
        }
        a.activeAt = restoredActiveAt;
        this.log.info('for state restored', { alert: rule.name, labels: labelsKey(a.labels).replaceAll('\u0000', '=').replaceAll('\u0001', ','), active_at: new Date(restoredActiveAt).toISOString() });
      }
      rule.restored = true;
    }
  }

  /** Marks every series of the last evaluation stale (the group was removed by a reload). */
  markStale(ts: number): void {
    const stale: RuleSample[] = [];
    for (const m of this.seriesInPreviousEval) for (const ls of m.values()) stale.push({ labels: ls, t: ts, v: STALE_NAN });
    if (stale.length > 0) this.deps.appendable.append(stale);
  }

  /** Takes over the state of the same group from a previous load (Prometheus's CopyState). */
  copyStateFrom(old: Group): void {
    this.lastEvaluation = old.lastEvaluation;
    this.evaluationTime = old.evaluationTime;
    this.evaluations = old.evaluations;
    this.shouldRestore = old.shouldRestore;
    const byName = new Map<string, number[]>();
    old.rules.forEach((r, i) => {
      const k = `${r.kind}\u0000${r.name}`;
      byName.set(k, [...(byName.get(k) ?? []), i]);
    });
    this.rules.forEach((r, i) => {
      const list = byName.get(`${r.kind}\u0000${r.name}`);
      const j = list?.shift();
      if (j === undefined) return;
      const o = old.rules[j]!;
      this.seriesInPreviousEval[i] = old.seriesInPreviousEval[j]!;
      this.lastOkEval[i] = old.lastOkEval[j]!;
      if (r.kind === 'alert' && o.kind === 'alert') r.copyStateFrom(o);
      else Object.assign(r.status, o.status);
    });
  }

  /** Series this group wrote last time, so a moved rule's stale handling carries over. */
  previousSeries(i: number): Map<string, Labels> {
    return this.seriesInPreviousEval[i]!;
  }
}

function sleepUntil(t: number, now: () => number, signal: AbortSignal): Promise<void> {
  const ms = t - now();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
