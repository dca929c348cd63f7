// Group evaluation against Prometheus's rules semantics, on a scripted query result per evaluation time: the alert
// lifecycle (pending → firing → resolved, `for`, keep_firing_for), ALERTS / ALERTS_FOR_STATE, stale markers,
// what is sent to Alertmanager and when, restore of the `for` state, and Prometheus's group offsets.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { EvalSlots } from '../../src/rule/concurrency.js';
import { evalTimestamp, Group, groupOffsetNs, type GroupDeps } from '../../src/rule/group.js';
import { createRuleMetrics } from '../../src/rule/metrics.js';
import { parseRuleFile } from '../../src/rule/rule-file.js';
import type { Alert, RuleSample } from '../../src/rule/rules.js';
import { TemplateCache } from '../../src/rule/template/expand.js';
import { isStaleNaN } from '../../src/tsdb/chunkenc/chunk.js';
import { nopLogger } from '../../src/runtime/logger.js';
import type { Labels } from '../../src/tsdb/labels/labels.js';

const FILE = `groups:
- name: g
  interval: 10s
  rules:
  - record: up:sum
    expr: sum(up)
  - alert: Down
    expr: up == 0
    for: 20s
    keep_firing_for: 10s
    labels: {severity: page}
    annotations: {summary: '{{ $labels.instance }} down ({{ $value }})'}
`;

function setup(result: (t: number) => RuleSample[], forState?: GroupDeps['forState'], registry = new Registry()) {
  const appended: RuleSample[] = [];
  const sent: Alert[][] = [];
  const config = parseRuleFile(FILE, 'rules.yml')[0]!;
  const g = new Group(config, 10_000, 0, {
    query: (expr, t) => Promise.resolve({ samples: expr === 'sum(up)' ? [{ labels: [], t, v: result(t).length }] : result(t), warnings: [] }),
    appendable: { append: (s) => { appended.push(...s); return { failed: 0, reasons: [] }; } },
    notify: (_expr, alerts) => sent.push([...alerts]),
    forState: forState ?? (() => Promise.resolve(undefined)),
    externalLabels: [], externalUrl: '', templates: new TemplateCache(), resendDelayMs: 60_000,
    forGracePeriodMs: 10_000, forOutageToleranceMs: 3_600_000, logger: nopLogger, metrics: createRuleMetrics(registry), slots: new EvalSlots(1), now: () => 0,
  });
  for (const r of g.rules) if (r.kind === 'alert') r.restored = true;
  return { g, appended, sent };
}

const down = (instance: string): RuleSample => ({ labels: [{ name: '__name__', value: 'up' }, { name: 'instance', value: instance }], t: 0, v: 0 });
const name = (ls: Labels): string => ls.find((l) => l.name === '__name__')?.value ?? '';

describe('Group (Prometheus rules semantics)', () => {
  it('moves an alert through pending, firing, keep_firing_for and resolved; writes ALERTS and ALERTS_FOR_STATE', async () => {
    // Down from 10s to 40s (inclusive), up after.
    const { g, appended, sent } = setup((t) => (t >= 10_000 && t <= 40_000 ? [down('a')] : []));
    const states: string[] = [];
    for (let t = 0; t <= 70_000; t += 10_000) {
      await g.evalAt(t);
      const rule = g.rules[1]!;
      states.push(rule.kind === 'alert' ? [...rule.active.values()].map((a) => a.state).join(',') || '-' : '');
    }
    // 10: pending; 30: 20s passed → firing; 50,60: gone but kept firing (keep_firing_for 10s) until 60; 60: resolved.
    expect(states).toEqual(['-', 'pending', 'pending', 'firing', 'firing', 'firing', 'inactive', 'inactive']);
    const alerts = appended.filter((s) => name(s.labels) === 'ALERTS' && !isStaleNaN(s.v));
    expect(alerts.map((s) => [s.t, s.labels.find((l) => l.name === 'alertstate')!.value])).toEqual([
      [10_000, 'pending'], [20_000, 'pending'], [30_000, 'firing'], [40_000, 'firing'], [50_000, 'firing'],
    ]);
    expect(alerts[0]!.labels).toEqual([
      { name: '__name__', value: 'ALERTS' }, { name: 'alertname', value: 'Down' }, { name: 'alertstate', value: 'pending' },
      { name: 'instance', value: 'a' }, { name: 'severity', value: 'page' },
    ]);
    const forState = appended.filter((s) => name(s.labels) === 'ALERTS_FOR_STATE' && !isStaleNaN(s.v));
    expect(new Set(forState.map((s) => s.v))).toEqual(new Set([10]));
    // Series that went away got a stale marker at the next evaluation.
    const stale = appended.filter((s) => isStaleNaN(s.v)).map((s) => [s.t, name(s.labels), s.labels.find((l) => l.name === 'alertstate')?.value]);
    expect(stale).toEqual([[30_000, 'ALERTS', 'pending'], [60_000, 'ALERTS', 'firing'], [60_000, 'ALERTS_FOR_STATE', undefined]]);
    // Sent: firing at 30s (startsAt 30s), the resolution at 60s; nothing while pending, no resend within 1m.
    expect(sent.map((b) => b.map((a) => [a.state, a.firedAt, a.resolvedAt]))).toEqual([[['firing', 30_000, 0]], [['inactive', 30_000, 60_000]]]);
    expect(sent[0]![0]!.annotations).toEqual([{ name: 'summary', value: 'a down (0)' }]);
    expect(sent[0]![0]!.validUntil).toBe(30_000 + 4 * 60_000);
  });

  it('restores the for state: the time spent pending before the restart counts', async () => {
    // Before a restart the alert was active since 100s and last seen at 130s; the restore runs at 200s.
    const { g } = setup(() => [down('a')], () => Promise.resolve({ t: 130_000, v: 100 }));
    for (const r of g.rules) if (r.kind === 'alert') r.restored = false;
    await g.evalAt(190_000);
    await g.evalAt(200_000);
    await g.restoreForState(200_000);
    const rule = g.rules[1]!;
    if (rule.kind !== 'alert') throw new Error('not an alerting rule');
    // 30s spent pending of 20s: it was firing; activeAt goes back to the stored one, so it fires at once.
    expect([...rule.active.values()][0]!.activeAt).toBe(100_000);
    const g2 = setup(() => [down('a')], () => Promise.resolve({ t: 105_000, v: 100 })).g;
    await g2.evalAt(190_000);
    await g2.restoreForState(200_000);
    const r2 = g2.rules[1]!;
    if (r2.kind !== 'alert') throw new Error('not an alerting rule');
    // 5s spent, 15s remaining ≥ grace 10s: activeAt shifted by the downtime (200 - 105 = 95s) → 195s.
    expect([...r2.active.values()][0]!.activeAt).toBe(195_000);
  });

  it('exposes the group\'s counters at 0 once it runs, before any evaluation, miss or failure (as Prometheus)', async () => {
    const registry = new Registry();
    const { g } = setup(() => [], undefined, registry);
    const stop = new AbortController();
    const running = g.run(stop.signal);
    const text = await registry.metrics();
    stop.abort();
    await running;
    for (const name of ['prometheus_rule_group_iterations_total', 'prometheus_rule_group_iterations_missed_total', 'prometheus_rule_evaluations_total', 'prometheus_rule_evaluation_failures_total']) {
      expect(text, name).toMatch(new RegExp(`^${name}\\{strategy="[a-z]+",rule_group="[^"]*"\\} 0$`, 'm'));
    }
  });

  it('evaluates at Prometheus\'s offsets (hash of file and name)', () => {
    const off = groupOffsetNs('g', 'rules.yml', 10_000);
    expect(off >= 0n && off < 10_000_000_000n).toBe(true);
    const t = evalTimestamp(1_700_000_003_000, 10_000, off);
    expect(t <= 1_700_000_003_000 && t > 1_700_000_003_000 - 10_000).toBe(true);
    const rest = ((BigInt(t) + 1n) * 1_000_000n - off) % 10_000_000_000n;
    expect(rest > 0n && rest <= 1_000_000n).toBe(true);
  });
});
