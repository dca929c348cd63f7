// Concurrent rule evaluation (--rule-concurrent-evaluation), as Prometheus's: which rules of a group may run beside the
// others (its dependency map, rules/group.go buildDependencyMap), and the ruler-wide budget of such evaluations.

import { walk, type Expr } from '../promql/parser/ast.js';

/** What the dependency analysis needs of a rule: the name it writes and the expression it reads. */
export interface RuleShape {
  readonly name: string;
  readonly expr: Expr;
}

/** The metric name a selector reads (its `__name__="…"` matcher), or undefined when it may read any metric. */
function selectedName(e: Expr): string | undefined {
  if (e.type !== 'VectorSelector') return undefined;
  const m = e.matchers.find((x) => x.name === '__name__' && x.type === '=');
  return m?.value;
}

/**
 * For each rule (by index), whether it neither depends on nor feeds another rule of the group, so it may run
 * concurrently with the others. All false when a selector may read any metric (no metric name) or reads ALERTS /
 * ALERTS_FOR_STATE: Prometheus then cannot tell the dependencies and evaluates the whole group in order.
 */
export function independentRules(rules: readonly RuleShape[]): boolean[] {
  // A single rule has no one to depend on (Prometheus: an empty dependency map).
  if (rules.length <= 1) return rules.map(() => true);
  const inputs: Set<string>[] = [];
  for (const r of rules) {
    const names = new Set<string>();
    let indeterminate = false;
    walk(r.expr, (e) => {
      if (e.type !== 'VectorSelector') return;
      const n = selectedName(e);
      if (n === undefined || n === 'ALERTS' || n === 'ALERTS_FOR_STATE') indeterminate = true;
      else names.add(n);
    });
    if (indeterminate) return rules.map(() => false);
    inputs.push(names);
  }
  const read = new Map<string, number>();
  for (const names of inputs) for (const n of names) read.set(n, (read.get(n) ?? 0) + 1);
  const written = new Set(rules.map((r) => r.name));
  return rules.map((r, i) => {
    // Feeds another rule: some rule reads this name (a rule reading its own output counts, as upstream).
    if ((read.get(r.name) ?? 0) > 0) return false;
    for (const n of inputs[i]!) if (written.has(n)) return false;
    return true;
  });
}

/**
 * The ruler-wide budget of rules evaluating beside their group's own sequence (Prometheus's concurrency
 * controller): --rule-concurrent-evaluation above 1 allows that many; a rule that finds no free slot runs in order.
 */
export class EvalSlots {
  private inUse = 0;

  constructor(readonly max: number) {}

  tryAcquire(): boolean {
    if (this.max <= 1 || this.inUse >= this.max) return false;
    this.inUse++;
    return true;
  }

  release(): void {
    this.inUse--;
  }
}
