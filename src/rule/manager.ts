// The rule manager: loads rule files (globs, duplicates removed), runs one Group per rule group, and on reload
// (SIGHUP, POST /-/reload) keeps unchanged groups running, copies the state of changed ones, and — beyond
// upstream — moves an alerting rule's alerts with it when the rule moves to another group or file. Serves the
// rules and alerts as the thanos.Rules API shapes.

import { readFile } from 'node:fs/promises';
import { errorMessage, ConfigError } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { Labels } from '../tsdb/labels/labels.js';
import { matchesAll } from '../tsdb/labels/matcher.js';
import type { RulesApi } from '../store/apis/component-apis.js';
import type { AlertInstance, AlertState as ApiAlertState, Rule as ApiRule, RuleGroup as ApiRuleGroup, RulesRequest } from '../store/apis/rules.js';
import { ZERO_TIME, type Timestamp } from '../store/apis/timestamp.js';
import { parseSelector } from '../query/fanout/rules.js';
import { expandGlob } from '../query/file-sd.js';
import { EvalSlots } from './concurrency.js';
import { Group, type GroupDeps } from './group.js';
import type { RuleMetrics } from './metrics.js';
import { parseRuleFile, type PartialResponseStrategy, type RuleGroupConfig } from './rule-file.js';
import { type Alert, type QueryFunc } from './rules.js';
import { TemplateCache } from './template/expand.js';

export interface ManagerOptions extends Omit<GroupDeps, 'query' | 'templates' | 'metrics' | 'logger' | 'slots'> {
  readonly ruleFiles: readonly string[];
  /** --rule-concurrent-evaluation: rules evaluated at once beside their groups' sequences (1 = none). */
  readonly concurrentEvals: number;
  readonly evalIntervalMs: number;
  readonly queryOffsetMs: number;
  /** The query function for a group's partial-response strategy. */
  readonly queryFor: (strategy: PartialResponseStrategy) => QueryFunc;
  readonly metrics: RuleMetrics;
  readonly logger: Logger;
}

interface Running {
  readonly group: Group;
  readonly abort: AbortController;
  done: Promise<void>;
}

function msToTimestamp(ms: number): Timestamp {
  if (ms === 0) return ZERO_TIME;
  return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 };
}

/** Go's strconv.FormatFloat(v, 'e', -1, 64), as the alert value is reported. */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const n = Number(e);
  return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
}

/** Key of a group config's content, to keep an identical group running across a reload. */
function configKey(c: RuleGroupConfig, intervalMs: number, offsetMs: number): string {
  return JSON.stringify({
    intervalMs, offsetMs, limit: c.limit, s: c.partialResponseStrategy, labels: [...c.labels],
    rules: c.rules.map((r) => [r.kind, r.name, r.expr, [...r.labels], r.kind === 'alert' ? [r.forMs, r.keepFiringForMs, [...r.annotations]] : []]),
  });
}

export class RuleManager implements RulesApi {
  private running = new Map<string, Running & { configKey: string }>();
  private readonly templates = new TemplateCache();
  private readonly slots: EvalSlots;
  private loadedOnce = false;
  private signal: AbortSignal | undefined;

  constructor(private readonly opts: ManagerOptions) {
    this.slots = new EvalSlots(opts.concurrentEvals);
  }

  /** Files matched by the --rule-file globs, in order, without duplicates. */
  async files(): Promise<string[]> {
    const out: string[] = [];
    for (const g of this.opts.ruleFiles) for (const f of await expandGlob(g)) if (!out.includes(f)) out.push(f);
    return out;
  }

  /** Reads and validates every rule file; throws a ConfigError listing every problem. */
  async readGroups(): Promise<RuleGroupConfig[]> {
    const groups: RuleGroupConfig[] = [];
    const problems: string[] = [];
    for (const f of await this.files()) {
      let text: string;
      try {
        text = await readFile(f, 'utf8');
      } catch (err) {
        problems.push(`${f}: ${errorMessage(err)}`);
        continue;
      }
      try {
        groups.push(...parseRuleFile(text, f));
      } catch (err) {
        problems.push(errorMessage(err));
      }
    }
    if (problems.length > 0) throw new ConfigError(`loading rule files: ${problems.join('\n')}`);
    return groups;
  }

  /** Loads (or reloads) the rule files and starts/stops groups; a failure keeps the current groups. */
  async load(): Promise<void> {
    let configs: RuleGroupConfig[];
    try {
      configs = await this.readGroups();
    } catch (err) {
      this.opts.metrics.configReloadSuccess.set(0);
      throw err;
    }
    this.apply(configs);
    this.opts.metrics.configReloadSuccess.set(1);
    this.opts.metrics.configReloadTime.set(this.opts.now() / 1000);
  }

  /** Reload for SIGHUP and POST /-/reload: errors are logged and returned, the old rules keep running. */
  async reload(): Promise<Error | undefined> {
    try {
      await this.load();
      this.opts.logger.info('rule files reloaded');
      return undefined;
    } catch (err) {
      this.opts.logger.error('reloading rule files failed; keeping the previous rules', { err: errorMessage(err) });
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  private apply(configs: readonly RuleGroupConfig[]): void {
    const first = !this.loadedOnce;
    this.loadedOnce = true;
    const next = new Map<string, Running & { configKey: string }>();
    const old = this.running;
    const deps = (strategy: PartialResponseStrategy): GroupDeps => ({
      ...this.opts, query: this.opts.queryFor(strategy), templates: this.templates, slots: this.slots,
    });
    const fresh: Group[] = [];
    this.opts.metrics.loadedRules.reset();
    this.opts.metrics.groupRules.reset();
    for (const c of configs) {
      const interval = c.intervalMs ?? this.opts.evalIntervalMs;
      const offset = c.queryOffsetMs ?? this.opts.queryOffsetMs;
      const key = `${c.file};${c.name}`;
      const ck = configKey(c, interval, offset);
      const strategy = c.partialResponseStrategy.toLowerCase();
      this.opts.metrics.loadedRules.set({ strategy, file: c.file, group: c.name }, c.rules.length);
      this.opts.metrics.groupRules.set({ strategy, rule_group: key }, c.rules.length);
      const prev = old.get(key);
      if (prev && prev.configKey === ck) {
        next.set(key, prev);
        old.delete(key);
        continue;
      }
      const g = new Group(c, interval, offset, deps(c.partialResponseStrategy));
      g.shouldRestore = first;
      for (const r of g.rules) if (r.kind === 'alert') r.restored = !first;
      if (prev) {
        prev.abort.abort();
        g.copyStateFrom(prev.group);
        old.delete(key);
      }
      fresh.push(g);
      next.set(key, { group: g, abort: new AbortController(), done: Promise.resolve(), configKey: ck });
    }
    // Beyond upstream: an alerting rule that moved to another group or file takes its alerts along.
    for (const g of fresh) {
      for (const r of g.rules) {
        if (r.kind !== 'alert' || r.active.size > 0) continue;
        for (const o of old.values()) {
          const match = o.group.rules.find((x) => x.kind === 'alert' && x.sameRule(r));
          if (match && match.kind === 'alert' && match.active.size > 0) {
            r.copyStateFrom(match);
            this.opts.logger.info('alert state moved with its rule', { alert: r.name, from: o.group.key, to: g.key });
            break;
          }
        }
      }
    }
    // Groups gone from the files stop, and their series are marked stale.
    for (const o of old.values()) {
      o.abort.abort();
      o.group.markStale(this.opts.now());
    }
    this.running = next;
    if (this.signal) for (const r of next.values()) if (fresh.includes(r.group)) this.start(r);
  }

  private start(r: Running): void {
    const signal = this.signal!;
    const onAbort = (): void => r.abort.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    r.done = r.group.run(r.abort.signal).catch((err: unknown) => {
      this.opts.logger.error('rule group stopped with an error', { group: r.group.key, err: errorMessage(err) });
    }).finally(() => signal.removeEventListener('abort', onAbort));
  }

  /** Runs every group until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    for (const r of this.running.values()) this.start(r);
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  groups(): Group[] {
    return [...this.running.values()].map((r) => r.group).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.config.name < b.config.name ? -1 : a.config.name > b.config.name ? 1 : 0));
  }

  /** The thanos.Rules API over this ruler's groups. */
  rules(req: RulesRequest): Promise<{ groups: readonly ApiRuleGroup[]; warnings: readonly string[] }> {
    const sets = req.matchers.map(parseSelector);
    const names = new Set(req.ruleNames);
    const groupNames = new Set(req.ruleGroups);
    const files = new Set(req.files);
    const out: ApiRuleGroup[] = [];
    for (const g of this.groups()) {
      if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
      if (files.size > 0 && !files.has(g.file)) continue;
      const rules: ApiRule[] = [];
      for (const r of g.rules) {
        if (req.type === 'alert' && r.kind !== 'alert') continue;
        if (req.type === 'record' && r.kind !== 'record') continue;
        if (names.size > 0 && !names.has(r.name)) continue;
        if (sets.length > 0 && !sets.every((ms) => matchesAll(ms, r.labels.filter((l) => !l.value.includes('{{'))))) continue;
        const common = {
          name: r.name, query: r.query, labels: r.labels, health: r.status.health, lastError: r.status.lastError,
          evaluationTime: r.status.evaluationTime, lastEvaluation: msToTimestamp(r.status.lastEvaluation),
        };
        if (r.kind === 'record') {
          rules.push({ type: 'recording', ...common });
        } else {
          rules.push({
            type: 'alerting', ...common, state: r.state, duration: r.holdMs / 1000, keepFiringFor: r.keepFiringForMs / 1000,
            annotations: [...r.config.annotations].map(([name, value]) => ({ name, value })).sort((a, b) => (a.name < b.name ? -1 : 1)),
            alerts: [...r.active.values()].filter((a) => a.state !== 'inactive').map((a) => alertInstance(a, g.strategy)),
          });
        }
      }
      if (rules.length === 0 && (names.size > 0 || sets.length > 0 || req.type !== 'all')) continue;
      out.push({
        name: g.name, file: g.file, rules, interval: g.intervalMs / 1000, evaluationTime: g.evaluationTime,
        lastEvaluation: msToTimestamp(g.lastEvaluation), limit: g.config.limit, partialResponseStrategy: g.strategy,
      });
    }
    return Promise.resolve({ groups: out, warnings: [] });
  }

  /** Every active (pending or firing) alert. */
  alerts(): AlertInstance[] {
    const out: AlertInstance[] = [];
    for (const g of this.groups()) {
      for (const r of g.rules) {
        if (r.kind !== 'alert') continue;
        for (const a of r.active.values()) if (a.state !== 'inactive') out.push(alertInstance(a, g.strategy));
      }
    }
    return out;
  }
}

function alertInstance(a: Alert, strategy: PartialResponseStrategy): AlertInstance {
  return {
    labels: a.labels as Labels, annotations: a.annotations, state: a.state as ApiAlertState,
    activeAt: msToTimestamp(a.activeAt), value: formatAlertValue(a.value), partialResponseStrategy: strategy,
  };
}
