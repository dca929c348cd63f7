// Runs a PromQL test script against our engine the way Prometheus's promqltest does, including the `@` replays
// and the range-mode check of every instant eval. Returns one outcome per eval, keyed by line.

import type { Labels } from '../../tsdb/labels/labels.js';
import { Engine } from '../engine.js';
import { parseExpr } from '../parser/parse.js';
import type { Expr } from '../parser/ast.js';
import type { QueryResult, QueryValue, Sample } from '../value.js';
import { MemoryStorage } from './memory-storage.js';
import type { EvalCommand, LoadCommand } from './script.js';
import { parseScript } from './script.js';
import { checkAnnotations, checkError, checkValue } from './compare.js';
import { isAtModifierUnsafe, pinAt, replayTimes } from './at-rewrite.js';
import { labelsKey } from '../eval-types.js';
import { STALE_NAN } from '../queryable.js';

export interface EvalOutcome {
  readonly line: number;
  readonly query: string;
  /** undefined = passed. */
  readonly problem: string | undefined;
}

/** The engine settings Prometheus's own test run uses (README "How Prometheus runs these files"). */
export function testEngine(): Engine {
  return new Engine({
    lookbackDeltaMs: 5 * 60_000, maxSamples: 10_000, timeoutMs: 100_000, defaultSubqueryStepMs: 60_000, delayedNameRemoval: true,
  });
}

export async function runScript(text: string): Promise<EvalOutcome[]> {
  const engine = testEngine();
  const storage = new MemoryStorage();
  const out: EvalOutcome[] = [];
  let loadProblem: string | undefined;
  for (const cmd of parseScript(text)) {
    switch (cmd.type) {
      case 'clear':
        storage.clear();
        loadProblem = undefined;
        break;
      case 'load': {
        const p = load(storage, cmd);
        if (p) loadProblem = p;
        break;
      }
      case 'eval': {
        let problem: string | undefined;
        try {
          problem = loadProblem ?? (await runEval(engine, storage, cmd));
        } catch (e) {
          problem = `runner error: ${e instanceof Error ? e.message : String(e)}`;
        }
        out.push({ line: cmd.line, query: cmd.query, problem });
        break;
      }
    }
  }
  return out;
}

function load(storage: MemoryStorage, cmd: LoadCommand): string | undefined {
  // Within one block a repeated series replaces the earlier line.
  const bySeries = new Map<string, { labels: Labels; values: LoadCommand['series'][number]['values'] }>();
  for (const s of cmd.series) bySeries.set(labelsKey(s.labels), { labels: s.labels, values: s.values });
  let problem = cmd.unsupported ? `load: ${cmd.unsupported} not supported` : undefined;
  for (const { labels, values } of bySeries.values()) {
    values.forEach((v, i) => {
      if (v.kind === 'float') storage.append(labels, i * cmd.intervalMs, v.v);
      else if (v.kind === 'stale') storage.append(labels, i * cmd.intervalMs, STALE_NAN);
      else if (v.kind === 'histogram') problem ??= undefined;
    });
  }
  return problem;
}

async function runEval(engine: Engine, storage: MemoryStorage, cmd: EvalCommand): Promise<string | undefined> {
  let expr: Expr;
  try {
    expr = parseExpr(cmd.query);
  } catch (e) {
    return checkError(cmd, e);
  }
  if (cmd.range) {
    return runOne(cmd, () => engine.rangeQuery(storage, expr, cmd.start, cmd.end, cmd.step), cmd.start, cmd.step, true);
  }
  const t = cmd.start;
  const rv = cmd.rangeVector;
  const [vStart, vStep] = rv ? [rv.start, rv.step] : [t, 0];
  const variants: { expr: Expr; t: number; label: string }[] = [{ expr, t, label: '' }];
  if (!isAtModifierUnsafe(expr)) {
    const pinned = pinAt(expr, t);
    for (const at of replayTimes(t)) variants.push({ expr: pinned, t: at, label: ` (@ ${t} replay at ${at})` });
  }
  const expectFail = cmd.expects.some((e) => e.kind === 'fail');
  const skipRange = expectFail || rv !== undefined || cmd.string !== undefined || cmd.ordered
    || /\b(start|end|range|step)\(\)/.test(cmd.query);
  for (const v of variants) {
    const p = await runOne(cmd, () => engine.instantQuery(storage, v.expr, v.t), vStart, vStep, true);
    if (p) return p + v.label;
    if (skipRange) continue;
    const rp = await rangeModeCheck(engine, storage, cmd, v.expr, v.t);
    if (rp) return `range mode${v.label}: ${rp}`;
  }
  return undefined;
}

async function runOne(
  cmd: EvalCommand, q: () => Promise<QueryResult>, start: number, step: number, annotations: boolean,
): Promise<string | undefined> {
  let res: QueryResult;
  try {
    res = await q();
  } catch (e) {
    return checkError(cmd, e);
  }
  if (cmd.expects.some((e) => e.kind === 'fail')) return 'expected an error, query succeeded';
  if (annotations) {
    const a = checkAnnotations(cmd, res.warnings, res.infos);
    if (a) return a;
  }
  return checkValue(cmd, res.value, start, step);
}

async function rangeModeCheck(engine: Engine, storage: MemoryStorage, cmd: EvalCommand, expr: Expr, t: number): Promise<string | undefined> {
  let res: QueryResult;
  try {
    res = await engine.rangeQuery(storage, expr, t - 60_000, t + 60_000, 60_000);
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (res.value.type !== 'matrix') return `range query returned ${res.value.type}`;
  const samples: Sample[] = [];
  for (const s of res.value.series) {
    const i = s.timestamps.indexOf(t);
    if (i >= 0) samples.push({ labels: s.labels, t, v: s.values[i]! });
  }
  let value: QueryValue;
  if (cmd.scalar !== undefined) {
    if (samples.length === 0) return 'no point at the eval time';
    value = { type: 'scalar', t, v: samples[0]!.v };
  } else value = { type: 'vector', samples };
  // Sortedness of the matrix is checked by checkValue's matrix branch only; check it here too.
  const ser = res.value.series;
  for (let i = 1; i < ser.length; i++) {
    if (labelsKey(ser[i - 1]!.labels) === labelsKey(ser[i]!.labels)) return 'duplicate series in matrix';
  }
  return checkValue(cmd, value, t, 0);
}
