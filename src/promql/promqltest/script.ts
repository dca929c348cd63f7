// Parser of Prometheus's PromQL test-script language (promql/promqltest): load, clear and eval commands with
// their expectations, as /work/shared/promql-testdata/README.md describes it.

import { tryParseDuration } from '../../runtime/duration.js';
import type { SeriesLine } from './series-notation.js';
import { parseSeriesLine, parseFloatItem } from './series-notation.js';
import { unquoteString } from '../parser/lexer-utils.js';

export interface Expectation {
  readonly kind: 'fail' | 'warn' | 'info' | 'no_warn' | 'no_info';
  readonly msg?: string;
  readonly regex?: string;
}

export interface EvalCommand {
  readonly type: 'eval';
  readonly line: number;
  readonly query: string;
  readonly range: boolean;
  /** ms; for instant evals start === end. */
  readonly start: number;
  readonly end: number;
  readonly step: number;
  readonly expects: readonly Expectation[];
  readonly ordered: boolean;
  /** `eval_warn`/`eval_info`: at least one annotation of that kind, not matched line by line. */
  readonly loose: boolean;
  readonly rangeVector: { readonly start: number; readonly end: number; readonly step: number } | undefined;
  readonly string: string | undefined;
  readonly scalar: number | undefined;
  readonly series: readonly SeriesLine[];
}

export interface LoadCommand {
  readonly type: 'load';
  readonly line: number;
  readonly intervalMs: number;
  readonly nhcb: boolean;
  readonly series: readonly SeriesLine[];
  /** Lines this runner cannot load (start timestamps). */
  readonly unsupported: string | undefined;
}

export type Command = LoadCommand | EvalCommand | { readonly type: 'clear'; readonly line: number };

function dur(s: string, line: number): number {
  const ms = tryParseDuration(s);
  if (ms === undefined) throw new Error(`line ${line}: bad duration ${JSON.stringify(s)}`);
  return ms;
}

const INSTANT = /^eval(?:_fail|_warn|_info|_ordered)?\s+instant\s+(?:at\s+)?(\S+)\s+(.+)$/;
const RANGE = /^eval(?:_fail|_warn|_info)?\s+range\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)\s+(.+)$/;

export function parseScript(text: string): Command[] {
  const lines = text.split('\n').map((l) => l.trim());
  const cmds: Command[] = [];
  let i = 0;
  const isBlank = (l: string | undefined): boolean => l === undefined || l === '' || l.startsWith('#');
  while (i < lines.length) {
    const l = lines[i]!;
    if (isBlank(l)) { i++; continue; }
    const lineNo = i + 1;
    const word = l.split(/[ \t]+/)[0]!.toLowerCase();
    if (word === 'clear') { cmds.push({ type: 'clear', line: lineNo }); i++; continue; }
    if (word.startsWith('load')) {
      const m = /^load(_with_nhcb)?\s+(\S+)$/.exec(l);
      if (!m) throw new Error(`line ${lineNo}: invalid load command`);
      const series: SeriesLine[] = [];
      let unsupported: string | undefined;
      i++;
      while (!isBlank(lines[i])) {
        const body = lines[i]!;
        if (/^\S+@st\s/.test(body) || /^[^{\s]*\{[^}]*\}@st\s/.test(body)) unsupported = 'start timestamps';
        else series.push(parseSeriesLine(body));
        i++;
      }
      cmds.push({ type: 'load', line: lineNo, intervalMs: dur(m[2]!, lineNo), nhcb: m[1] !== undefined, series, unsupported });
      continue;
    }
    if (word.startsWith('eval')) {
      cmds.push(parseEval(lines, i));
      i++;
      while (!isBlank(lines[i])) i++;
      continue;
    }
    throw new Error(`line ${lineNo}: invalid command ${JSON.stringify(l)}`);
  }
  return cmds;
}

function parseEval(lines: string[], at: number): EvalCommand {
  const l = lines[at]!;
  const lineNo = at + 1;
  const word = l.split(/[ \t]+/)[0]!.toLowerCase();
  const expects: Expectation[] = [];
  let ordered = word === 'eval_ordered';
  if (word === 'eval_fail') expects.push({ kind: 'fail' });
  if (word === 'eval_warn') expects.push({ kind: 'warn' });
  if (word === 'eval_info') expects.push({ kind: 'info' });
  let range = false;
  let start: number;
  let end: number;
  let step = 0;
  let query: string;
  const rm = RANGE.exec(l);
  if (rm) {
    range = true;
    start = dur(rm[1]!, lineNo);
    end = dur(rm[2]!, lineNo);
    step = dur(rm[3]!, lineNo);
    query = rm[4]!;
  } else {
    const im = INSTANT.exec(l);
    if (!im) throw new Error(`line ${lineNo}: invalid eval command`);
    start = end = dur(im[1]!, lineNo);
    query = im[2]!;
  }
  let rangeVector: EvalCommand['rangeVector'];
  let str: string | undefined;
  let scalar: number | undefined;
  const series: SeriesLine[] = [];
  for (let i = at + 1; i < lines.length; i++) {
    const b = lines[i]!;
    if (b === '' || b.startsWith('#')) break;
    if (b.startsWith('expected_fail_message')) {
      expects[0] = { kind: 'fail', msg: b.slice('expected_fail_message'.length).trim() };
      break;
    }
    if (b.startsWith('expected_fail_regexp')) {
      expects[0] = { kind: 'fail', regex: b.slice('expected_fail_regexp'.length).trim() };
      break;
    }
    const ex = /^expect\s+(fail|warn|info|no_warn|no_info|ordered|range vector|string)\b\s*(.*)$/.exec(b);
    if (ex) {
      const kind = ex[1]!;
      const rest = ex[2]!;
      if (kind === 'ordered') { ordered = true; continue; }
      if (kind === 'string') { str = unquoteString(rest.trim()); continue; }
      if (kind === 'range vector') {
        const m = /^from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$/.exec(rest.trim());
        if (!m) throw new Error(`line ${i + 1}: bad expect range vector`);
        rangeVector = { start: dur(m[1]!, i + 1), end: dur(m[2]!, i + 1), step: dur(m[3]!, i + 1) };
        continue;
      }
      const mm = /^(msg|regex)\s*:(.*)$/.exec(rest);
      const e: Expectation = mm
        ? (mm[1] === 'msg' ? { kind: kind as Expectation['kind'], msg: mm[2]!.trim() } : { kind: kind as Expectation['kind'], regex: mm[2]!.trim() })
        : { kind: kind as Expectation['kind'] };
      expects.push(e);
      continue;
    }
    const num = parseFloatItem(b);
    if (num !== undefined) {
      scalar = num;
      break;
    }
    series.push(parseSeriesLine(b));
  }
  return {
    type: 'eval', line: lineNo, query, range, start, end, step, expects, ordered,
    loose: word === 'eval_warn' || word === 'eval_info', rangeVector, string: str, scalar, series,
  };
}
