// The series notation of Prometheus's test scripts: `name{l="v"} 0+10x5 _ stale 1x3`, used by `load` lines and by
// expected results (promql/promqltest README "Value notation").

import type { Label, Labels } from '../../tsdb/labels/labels.js';
import { METRIC_NAME, sortLabels } from '../../tsdb/labels/labels.js';
import { unquoteString } from '../parser/lexer-utils.js';

/**
 * One expanded value: a float, a stale marker (kept symbolic: V8 may canonicalise NaN payloads in plain arrays), a
 * missing point (`_`), or a native-histogram literal (unsupported, kept as a marker).
 */
export type SeriesValue = { kind: 'float'; v: number } | { kind: 'stale' } | { kind: 'omit' } | { kind: 'histogram' };

export interface SeriesLine {
  readonly labels: Labels;
  readonly values: readonly SeriesValue[];
}

/** Splits `<series> <values>` at the end of the series part (braces and quotes respected). */
export function splitSeriesLine(line: string): { series: string; rest: string } {
  let i = 0;
  while (i < line.length && !/[\s{]/.test(line[i]!)) i++;
  if (line[i] === '{') {
    let quote = '';
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = '';
      } else if (c === '"' || c === '\'' || c === '`') quote = c;
      else if (c === '}') { i++; break; }
    }
  }
  return { series: line.slice(0, i), rest: line.slice(i).trim() };
}

/** Parses `name{a="b", "c"="d"}` or `{__name__="x"}` into sorted labels. */
export function parseSeriesDesc(desc: string): Labels {
  const labels: Label[] = [];
  const brace = desc.indexOf('{');
  const name = (brace < 0 ? desc : desc.slice(0, brace)).trim();
  if (name !== '') labels.push({ name: METRIC_NAME, value: name });
  if (brace >= 0) {
    const body = desc.slice(brace + 1, desc.lastIndexOf('}'));
    let i = 0;
    const skipWs = (): void => { while (i < body.length && /[\s,]/.test(body[i]!)) i++; };
    const readQuoted = (): string => {
      const q = body[i]!;
      let j = i + 1;
      while (j < body.length && body[j] !== q) j += body[j] === '\\' ? 2 : 1;
      const s = unquoteString(body.slice(i, j + 1));
      i = j + 1;
      return s;
    };
    for (skipWs(); i < body.length; skipWs()) {
      let lname: string;
      if (body[i] === '"' || body[i] === '\'' || body[i] === '`') lname = readQuoted();
      else {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body.slice(i));
        if (!m) throw new Error(`bad label set ${JSON.stringify(desc)} at ${i}`);
        lname = m[0];
        i += lname.length;
      }
      while (i < body.length && /\s/.test(body[i]!)) i++;
      if (body[i] !== '=') {
        // A quoted name on its own is the metric name.
        labels.push({ name: METRIC_NAME, value: lname });
        continue;
      }
      i++;
      while (i < body.length && /\s/.test(body[i]!)) i++;
      const value = readQuoted();
      const existing = labels.findIndex((l) => l.name === lname);
      if (existing >= 0) labels.splice(existing, 1);
      labels.push({ name: lname, value });
    }
  }
  return sortLabels(labels.filter((l) => l.value !== ''));
}

const NUM = '(?:[+-]?(?:inf|nan|[0-9][0-9_]*(?:\\.[0-9_]*)?(?:e[+-]?[0-9]+)?|\\.[0-9]+(?:e[+-]?[0-9]+)?))';
const PLAIN = new RegExp(`^${NUM}$`, 'i');
const REPEAT = new RegExp(`^(${NUM})x([0-9]+)$`, 'i');
const SERIES = new RegExp(`^(${NUM})([+-])(${NUM.replace('[+-]?', '')})x([0-9]+)$`, 'i');

export function parseFloatItem(s: string): number | undefined {
  if (!PLAIN.test(s)) return undefined;
  const t = s.toLowerCase().replace(/_/g, '');
  if (t === 'inf' || t === '+inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t.endsWith('nan')) return NaN;
  return Number(t);
}

/** Expands the values part of a series line. Throws on items it does not understand. */
export function parseValues(rest: string): SeriesValue[] {
  const out: SeriesValue[] = [];
  const items = tokenizeValues(rest);
  for (const item of items) {
    if (item === '_') { out.push({ kind: 'omit' }); continue; }
    if (item === 'stale') { out.push({ kind: 'stale' }); continue; }
    if (item.startsWith('{{')) {
      const m = /x([0-9]+)$/.exec(item.slice(item.lastIndexOf('}}')));
      const n = m ? Number(m[1]) + 1 : 1;
      for (let k = 0; k < n; k++) out.push({ kind: 'histogram' });
      continue;
    }
    const omit = /^_x([0-9]+)$/.exec(item);
    if (omit) { for (let k = 0; k < Number(omit[1]); k++) out.push({ kind: 'omit' }); continue; }
    const plain = parseFloatItem(item);
    if (plain !== undefined) { out.push({ kind: 'float', v: plain }); continue; }
    const rep = REPEAT.exec(item);
    if (rep) {
      const v = parseFloatItem(rep[1]!)!;
      for (let k = 0; k <= Number(rep[2]); k++) out.push({ kind: 'float', v });
      continue;
    }
    const ser = SERIES.exec(item);
    if (ser) {
      let v = parseFloatItem(ser[1]!)!;
      const step = parseFloatItem(ser[3]!)! * (ser[2] === '-' ? -1 : 1);
      for (let k = 0; k <= Number(ser[4]); k++) {
        out.push({ kind: 'float', v });
        v += step;
      }
      continue;
    }
    throw new Error(`bad value item ${JSON.stringify(item)}`);
  }
  return out;
}

/** Splits on whitespace, keeping `{{ … }}` histogram literals (which contain spaces) whole. */
function tokenizeValues(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && /\s/.test(s[i]!)) i++;
    if (i >= s.length) break;
    let j = i;
    if (s.startsWith('{{', i)) {
      while (j < s.length) {
        const close = s.indexOf('}}', j);
        if (close < 0) { j = s.length; break; }
        j = close + 2;
        // `{{…}}+{{…}}x3` continues after the first literal.
        if (s[j] === '+' || s[j] === '-') {
          if (s.startsWith('{{', j + 1)) { j = j + 1; continue; }
        }
        while (j < s.length && !/\s/.test(s[j]!)) j++;
        break;
      }
    } else {
      while (j < s.length && !/\s/.test(s[j]!)) j++;
    }
    out.push(s.slice(i, j));
    i = j;
  }
  return out;
}

export function parseSeriesLine(line: string): SeriesLine {
  const { series, rest } = splitSeriesLine(line);
  return { labels: parseSeriesDesc(series), values: parseValues(rest) };
}
