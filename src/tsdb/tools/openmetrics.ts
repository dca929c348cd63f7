// A line parser for the OpenMetrics text format, as much as backfilling needs: samples with labels, values and
// timestamps (seconds, converted to ms as Prometheus does: int64(ts*1000)); metadata lines are skipped.

import { ParseError } from '../../runtime/errors.js';
import type { Label, Labels } from '../labels/labels.js';
import { parseGoFloat } from '../../runtime/go-float.js';

export interface OpenMetricsSample {
  readonly labels: Labels;
  /** Milliseconds, or undefined when the line has no timestamp. */
  readonly t: number | undefined;
  readonly v: number;
  readonly line: number;
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*/;

const nanBits = new Float64Array(1);
new Uint32Array(nanBits.buffer).set([0x00000001, 0x7ff80000]);
/** Go's math.NaN() (bits 0x7FF8000000000001), which Prometheus stores for a parsed "NaN". */
export const GO_NAN: number = nanBits[0]!;

/** Go's strconv.ParseFloat, with "NaN" as Go's NaN bit pattern; keep values in a Float64Array to preserve it (V8
 * canonicalises NaNs stored in plain arrays of doubles). */
function parseSampleValue(s: string): number | undefined {
  const v = parseGoFloat(s);
  return v !== undefined && Number.isNaN(v) ? GO_NAN : v;
}

/** Yields every sample of an OpenMetrics text; the input must end with `# EOF` (as promtool requires). */
export function* parseOpenMetrics(text: string): Generator<OpenMetricsSample> {
  let lineNo = 0;
  let pos = 0;
  let sawEOF = false;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (sawEOF) {
      if (line === '') continue;
      throw new ParseError(`line ${lineNo}: unexpected data after # EOF`);
    }
    if (line === '# EOF') { sawEOF = true; continue; }
    if (line.startsWith('#') || line === '') continue;
    yield parseSampleLine(line, lineNo);
  }
  if (!sawEOF) throw new ParseError('data does not end with # EOF');
}

function parseSampleLine(line: string, lineNo: number): OpenMetricsSample {
  let i = 0;
  const fail = (why: string): never => { throw new ParseError(`line ${lineNo}:${i + 1}: ${why}`, { position: i }); };
  const m = METRIC.exec(line);
  if (!m) fail('expected a metric name');
  const labels: Label[] = [{ name: '__name__', value: m![0] }];
  i = m![0].length;
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const ln = LABEL.exec(line.slice(i));
      if (!ln) fail('expected a label name');
      i += ln![0].length;
      if (line[i] !== '=' || line[i + 1] !== '"') fail('expected ="');
      i += 2;
      let value = '';
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') {
          const n = line[i + 1];
          if (n === 'n') value += '\n'; else if (n === '\\' || n === '"') value += n; else fail(`invalid escape \\${n ?? ''}`);
          i += 2;
        } else value += line[i++];
      }
      if (line[i] !== '"') fail('unterminated label value');
      i++;
      if (labels.some((l) => l.name === ln![0])) fail(`duplicate label name ${ln![0]}`);
      labels.push({ name: ln![0], value });
      if (line[i] === ',') i++;
      else if (line[i] !== '}') fail('expected "," or "}"');
    }
    i++;
  }
  if (line[i] !== ' ') fail('expected a space before the value');
  const rest = line.slice(i + 1);
  const hash = rest.indexOf(' # ');
  const fields = (hash >= 0 ? rest.slice(0, hash) : rest).split(' ');
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') fail('expected value and optional timestamp');
  const v = parseSampleValue(fields[0]!);
  if (v === undefined) fail(`invalid value ${JSON.stringify(fields[0])}`);
  let t: number | undefined;
  if (fields.length === 2) {
    const ts = parseSampleValue(fields[1]!);
    if (ts === undefined || !Number.isFinite(ts)) fail(`invalid timestamp ${JSON.stringify(fields[1])}`);
    t = Math.trunc(ts! * 1000);
  }
  const sorted = labels.filter((l) => l.value !== '').sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels: sorted, t, v: v!, line: lineNo };
}
