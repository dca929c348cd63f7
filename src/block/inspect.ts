// What `tools bucket ls` and `tools bucket inspect` print about block metas: upstream's columns, cell order and
// table, CSV and TSV layouts, so scripts written against upstream's output keep working.
import { InvalidArgumentError } from '../runtime/errors.js';
import { formatGoDuration } from '../runtime/duration.js';
import { thanosMetaJson, type ThanosMeta } from './meta.js';

export const INSPECT_COLUMNS = ['ULID', 'FROM', 'UNTIL', 'RANGE', 'UNTIL-DOWN', '#SERIES', '#SAMPLES', '#CHUNKS', 'COMP-LEVEL', 'COMP-FAILED', 'LABELS', 'RESOLUTION', 'SOURCE'] as const;
const HOUR = 3_600_000;

/** time.Unix(ms/1000, 0).Format(time.RFC3339) in UTC. */
export function rfc3339(ms: number): string {
  return new Date(Math.trunc(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const thousands = (n: number | undefined): string => (n ?? 0).toLocaleString('en-US');

/** Time until the compactor downsamples the block further (upstream compact.UntilNextDownsampling), or `-`. */
function untilDown(m: ThanosMeta): string {
  const range = m.maxTime - m.minTime;
  switch (m.thanos.downsample.resolution) {
    case 0: return formatGoDuration(40 * HOUR - range);
    case 300_000: return formatGoDuration(240 * HOUR - range);
    default: return '-';
  }
}

export function inspectRow(m: ThanosMeta): string[] {
  const labels = Object.keys(m.thanos.labels).sort().map((k) => `${k}=${m.thanos.labels[k]}`).join(',');
  return [
    m.ulid, rfc3339(m.minTime), rfc3339(m.maxTime), formatGoDuration(m.maxTime - m.minTime), untilDown(m),
    thousands(m.stats.numSeries), thousands(m.stats.numSamples), thousands(m.stats.numChunks),
    String(m.compaction.level), String(m.compaction.failed ?? false), labels,
    formatGoDuration(m.thanos.downsample.resolution), m.thanos.source,
  ];
}

/** Orders cells as upstream: RFC 3339 times, then durations, then numbers with separators, then strings. */
function compareCells(a: string, b: string): number {
  const ta = Date.parse(a), tb = Date.parse(b);
  if (/^\d{4}-/.test(a) && /^\d{4}-/.test(b) && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  const na = Number(a.replace(/,/g, '')), nb = Number(b.replace(/,/g, ''));
  if (a !== '' && b !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Upstream's tablewriter layout: side borders, `|` separators, centred header, left-aligned cells. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], center: boolean): string => '| ' + cells.map((c, i) => {
    const pad = widths[i]! - c.length;
    if (!center) return c + ' '.repeat(pad);
    const left = Math.floor(pad / 2);
    return ' '.repeat(left) + c + ' '.repeat(pad - left);
  }).join(' | ') + ' |\n';
  return line(header, true) + '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|\n' + rows.map((r) => line(r, false)).join('');
}

function csvLine(cells: readonly string[], sep: string): string {
  return cells.map((c) => (c.includes(sep) || c.includes('"') || c.includes('\n') ? `"${c.replace(/"/g, '""')}"` : c)).join(sep) + '\n';
}

export interface InspectOptions {
  /** Only blocks whose external labels include all of these. */
  readonly selector?: Readonly<Record<string, string>>;
  readonly sortBy?: readonly string[];
  readonly output?: 'table' | 'csv' | 'tsv';
}

export function formatInspect(metas: readonly ThanosMeta[], options: InspectOptions = {}): string {
  const selector = Object.entries(options.selector ?? {});
  const rows = metas.filter((m) => selector.every(([k, v]) => m.thanos.labels[k] === v)).map(inspectRow);
  const sortIdx = (options.sortBy ?? ['FROM', 'UNTIL']).map((c) => {
    const i = (INSPECT_COLUMNS as readonly string[]).indexOf(c);
    if (i < 0) throw new InvalidArgumentError(`sort-by: column ${c} not found (columns: ${INSPECT_COLUMNS.join(', ')})`);
    return i;
  });
  rows.sort((a, b) => {
    for (const i of sortIdx) {
      const c = compareCells(a[i]!, b[i]!);
      if (c !== 0) return c;
    }
    return compareCells(a[0]!, b[0]!);
  });
  switch (options.output ?? 'table') {
    case 'table': return renderTable(INSPECT_COLUMNS, rows);
    case 'csv': return [INSPECT_COLUMNS, ...rows].map((r) => csvLine(r, ',')).join('');
    case 'tsv': return [INSPECT_COLUMNS, ...rows].map((r) => csvLine(r, '\t')).join('');
  }
}

/** `tools bucket ls` lines: ULIDs, `wide` summaries, or one meta JSON per line. */
export function formatLs(metas: readonly ThanosMeta[], output: string): string {
  switch (output) {
    case '': return metas.map((m) => `${m.ulid}\n`).join('');
    case 'wide': return metas.map((m) => `${m.ulid} -- ${rfc3339(m.minTime)} - ${rfc3339(m.maxTime)} Diff: ${formatGoDuration(Math.trunc(m.maxTime / 1000) * 1000 - Math.trunc(m.minTime / 1000) * 1000)}, Compaction: ${m.compaction.level}, Downsample: ${m.thanos.downsample.resolution}, Source: ${m.thanos.source}\n`).join('');
    case 'json': return metas.map((m) => JSON.stringify(thanosMetaJson(m)) + '\n').join('');
    default: throw new InvalidArgumentError(`output ${output}: must be "", wide or json`);
  }
}
