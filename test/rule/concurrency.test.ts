// Concurrent rule evaluation (--rule-concurrent-evaluation) as Prometheus's: the dependency analysis deciding which
// rules may run beside the group's sequence, and a group evaluation that overlaps exactly those rules, within the
// ruler-wide slot budget, while rules with dependencies still run in order after what they read.
import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { EvalSlots, independentRules } from '../../src/rule/concurrency.js';
import { Group } from '../../src/rule/group.js';
import { createRuleMetrics } from '../../src/rule/metrics.js';
import { parseRuleFile } from '../../src/rule/rule-file.js';
import { TemplateCache } from '../../src/rule/template/expand.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { parseExpr } from '../../src/promql/parser/parse.js';

const shape = (name: string, expr: string): { name: string; expr: ReturnType<typeof parseExpr> } => ({ name, expr: parseExpr(expr) });

describe('independentRules (Prometheus\'s dependency map)', () => {
  it('marks rules that read or feed another rule of the group as dependent', () => {
    expect(independentRules([
      shape('job:a:sum', 'sum by (job) (a)'),
      shape('job:a:ratio', 'job:a:sum / on (job) sum by (job) (b)'),
      shape('job:c:sum', 'sum by (job) (rate(c[5m]))'),
    ])).toEqual([false, false, true]);
  });

  it('treats every rule as dependent when a selector has no metric name or reads ALERTS', () => {
    expect(independentRules([shape('x', 'sum(a)'), shape('y', '{job="j"}')])).toEqual([false, false]);
    expect(independentRules([shape('x', 'sum(a)'), shape('y', 'count(ALERTS)')])).toEqual([false, false]);
  });

  it('lets a lone rule run on its own', () => {
    expect(independentRules([shape('x', 'x')])).toEqual([true]);
  });
});

describe('EvalSlots', () => {
  it('grants at most max slots, none when max is 1 or less', () => {
    const s = new EvalSlots(2);
    expect([s.tryAcquire(), s.tryAcquire(), s.tryAcquire()]).toEqual([true, true, false]);
    s.release();
    expect(s.tryAcquire()).toBe(true);
    expect(new EvalSlots(1).tryAcquire()).toBe(false);
    expect(new EvalSlots(0).tryAcquire()).toBe(false);
  });
});

const FILE = `groups:
- name: g
  rules:
  - record: r0
    expr: sum(a0)
  - record: r1
    expr: sum(a1)
  - record: r2
    expr: sum(a2)
  - record: dep
    expr: sum(b)
  - record: reader
    expr: dep * 2
  - record: r5
    expr: sum(a5)
`;

/** Runs one evaluation with the given slots; each query resolves after a few ms. Returns start/end order and peak overlap. */
async function evaluate(slots: EvalSlots): Promise<{ events: string[]; peak: number; appended: string[] }> {
  const events: string[] = [];
  const appended: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const config = parseRuleFile(FILE, 'rules.yml')[0]!;
  const g = new Group(config, 10_000, 0, {
    query: async (expr, t) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      events.push(`start ${expr}`);
      await new Promise((r) => setTimeout(r, 5));
      events.push(`end ${expr}`);
      inFlight--;
      return { samples: [{ labels: [], t, v: 1 }], warnings: [] };
    },
    appendable: { append: (s) => { for (const x of s) appended.push(x.labels.find((l) => l.name === '__name__')!.value); return { failed: 0, reasons: [] }; } },
    notify: () => undefined,
    forState: () => Promise.resolve(undefined),
    externalLabels: [], externalUrl: '', templates: new TemplateCache(), resendDelayMs: 60_000,
    forGracePeriodMs: 10_000, forOutageToleranceMs: 3_600_000, logger: nopLogger, metrics: createRuleMetrics(new Registry()), slots, now: () => 0,
  });
  await g.evalAt(10_000);
  return { events, peak, appended };
}

describe('Group with concurrent evaluation', () => {
  it('evaluates strictly in order with --rule-concurrent-evaluation=1', async () => {
    const { events, peak } = await evaluate(new EvalSlots(1));
    expect(peak).toBe(1);
    expect(events.filter((e) => e.startsWith('start'))).toEqual(['start sum(a0)', 'start sum(a1)', 'start sum(a2)', 'start sum(b)', 'start dep * 2', 'start sum(a5)']);
  });

  it('overlaps independent rules within the slots; a rule reading another starts only after that one ended', async () => {
    const slots = new EvalSlots(2);
    const { events, peak, appended } = await evaluate(slots);
    // Two rules beside the sequence plus the one the sequence awaits.
    expect(peak).toBe(3);
    expect(events.indexOf('start dep * 2')).toBeGreaterThan(events.indexOf('end sum(b)'));
    expect(appended.sort()).toEqual(['dep', 'r0', 'r1', 'r2', 'r5', 'reader']);
    // Every slot is back once the evaluation is over.
    expect([slots.tryAcquire(), slots.tryAcquire(), slots.tryAcquire()]).toEqual([true, true, false]);
  });
});
