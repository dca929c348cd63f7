// Result checks of the test-script runner: Prometheus's float tolerance, vector/matrix/scalar/string expectations
// and annotation expectations (promql/promqltest compareResult and checkAnnotations).

import { compareLabels, formatLabels } from '../../tsdb/labels/labels.js';
import { isStaleNaN, STALE_NAN } from '../queryable.js';
import type { QueryValue } from '../value.js';
import { labelsKey } from '../eval-types.js';
import type { EvalCommand, Expectation } from './script.js';
import { compileAnchored, type AnchoredRegex } from '../../tsdb/labels/re2.js';

/** Prometheus's almost-equal with relative tolerance 1e-6 (stale markers only equal each other). */
export function almostEqual(a: number, b: number): boolean {
  const sa = isStaleNaN(a);
  const sb = isStaleNaN(b);
  if (sa || sb) return sa && sb;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const absSum = Math.abs(a) + Math.abs(b);
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || absSum < 2.2250738585072014e-308) return diff < 1e-6 * 2.2250738585072014e-308;
  return diff / Math.min(absSum, Number.MAX_VALUE) < 1e-6;
}

function matchText(e: Expectation, text: string): boolean {
  if (e.msg !== undefined) return text === e.msg;
  if (e.regex !== undefined) return unanchored(e.regex).test(text);
  return true;
}

function unanchored(re: string): AnchoredRegex {
  // compileAnchored wraps the pattern as ^(?s:…)$; `.*` on both sides makes it a search.
  return compileAnchored(`.*(?:${re}).*`);
}

/** Checks an error against the `fail` expectation; returns a problem description or undefined. */
export function checkError(cmd: EvalCommand, err: unknown): string | undefined {
  const fail = cmd.expects.find((e) => e.kind === 'fail');
  const msg = err instanceof Error ? err.message : String(err);
  if (!fail) return `unexpected error: ${msg}`;
  if (!matchText(fail, msg)) return `error ${JSON.stringify(msg)} does not match expected ${JSON.stringify(fail.msg ?? fail.regex)}`;
  return undefined;
}

export function checkAnnotations(cmd: EvalCommand, warnings: readonly string[], infos: readonly string[]): string | undefined {
  for (const [kind, got] of [['warn', warnings], ['info', infos]] as const) {
    const exp = cmd.expects.filter((e) => e.kind === kind);
    if (cmd.expects.some((e) => e.kind === `no_${kind}`) && got.length > 0) return `unexpected ${kind}: ${got.join('; ')}`;
    if (exp.length === 0) continue;
    if (cmd.loose) {
      if (got.length === 0) return `expected ${kind} annotations, got none`;
      continue;
    }
    for (const e of exp) {
      if (!got.some((g) => matchText(e, g))) return `expected ${kind} ${JSON.stringify(e.msg ?? e.regex ?? '')} not returned (got ${JSON.stringify(got)})`;
    }
    for (const g of got) {
      if (!exp.some((e) => matchText(e, g))) return `unexpected ${kind} ${JSON.stringify(g)}`;
    }
  }
  return undefined;
}

/** Compares a query result with the eval's expected lines; `rangeStart/step` locate matrix points. */
export function checkValue(cmd: EvalCommand, v: QueryValue, rangeStart: number, step: number): string | undefined {
  if (cmd.string !== undefined) {
    if (v.type !== 'string') return `expected string, got ${v.type}`;
    return v.v === cmd.string ? undefined : `expected string ${JSON.stringify(cmd.string)}, got ${JSON.stringify(v.v)}`;
  }
  if (cmd.scalar !== undefined) {
    if (v.type !== 'scalar') return `expected scalar, got ${v.type}`;
    return almostEqual(v.v, cmd.scalar) ? undefined : `expected scalar ${cmd.scalar}, got ${v.v}`;
  }
  if (v.type === 'scalar' || v.type === 'string') return `expected vector or matrix result, got ${v.type}`;
  if (v.type === 'matrix') {
    for (let i = 1; i < v.series.length; i++) {
      if (compareLabels(v.series[i - 1]!.labels, v.series[i]!.labels) >= 0) return 'matrix is not sorted by labels';
    }
    const expected = new Map(cmd.series.map((s) => [labelsKey(s.labels), s]));
    for (const s of v.series) {
      const e = expected.get(labelsKey(s.labels));
      if (!e) return `unexpected series ${formatLabels(s.labels)}`;
      const want: [number, number][] = [];
      e.values.forEach((x, i) => {
        if (x.kind === 'float') want.push([rangeStart + i * step, x.v]);
        else if (x.kind === 'stale') want.push([rangeStart + i * step, STALE_NAN]);
        else if (x.kind === 'histogram') want.push([rangeStart + i * step, NaN]);
      });
      if (e.values.some((x) => x.kind === 'histogram')) return `histogram values expected for ${formatLabels(s.labels)}`;
      if (want.length !== s.values.length) {
        return `series ${formatLabels(s.labels)}: expected ${want.length} points, got ${s.values.length} (${Array.from(s.timestamps).join(',')} = ${Array.from(s.values).join(',')})`;
      }
      for (let i = 0; i < want.length; i++) {
        const [t, x] = want[i]!;
        if (s.timestamps[i] !== t || !almostEqual(s.values[i]!, x)) {
          return `series ${formatLabels(s.labels)}: point ${i} expected ${x}@${t}, got ${s.values[i]}@${s.timestamps[i]}`;
        }
      }
      expected.delete(labelsKey(s.labels));
    }
    if (expected.size > 0) return `missing series ${[...expected.values()].map((s) => formatLabels(s.labels)).join(', ')}`;
    return undefined;
  }
  const expected = new Map(cmd.series.map((s, i) => [labelsKey(s.labels), { s, i }]));
  if (v.samples.length !== cmd.series.length) {
    return `expected ${cmd.series.length} samples, got ${v.samples.length}: ${v.samples.map((s) => `${formatLabels(s.labels)} ${s.v}`).join('; ')}`;
  }
  let pos = 0;
  for (const s of v.samples) {
    const e = expected.get(labelsKey(s.labels));
    if (!e) return `unexpected sample ${formatLabels(s.labels)} ${s.v}`;
    if (cmd.ordered && e.i !== pos) return `sample ${formatLabels(s.labels)} at position ${pos}, expected ${e.i}`;
    pos++;
    const want = e.s.values[0];
    if (!want || (want.kind !== 'float' && want.kind !== 'stale')) return `expected non-float value for ${formatLabels(s.labels)}`;
    const wv = want.kind === 'stale' ? STALE_NAN : want.v;
    if (!almostEqual(s.v, wv)) return `${formatLabels(s.labels)}: expected ${wv}, got ${s.v}`;
  }
  return undefined;
}
