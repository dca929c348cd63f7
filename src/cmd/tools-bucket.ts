// `thanos-ts tools bucket ls|inspect` (upstream cmd/thanos/tools_bucket.go): list the blocks of a bucket and print
// a table of their meta.json. Only meta.json files are read; block directories without one (partial uploads) are skipped.
import type { Command } from 'commander';
import { createLogger } from '../runtime/logger.js';
import type { Logger } from '../runtime/logger.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import type { Bucket, BucketReader } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { parseThanosMeta, thanosMetaJson } from '../block/meta.js';
import type { ThanosMeta } from '../block/meta.js';
import { DELETION_MARK_FILENAME } from '../block/markers.js';
import { declareFlags, FlagError, FlagReader } from './flags.js';
import { LOG_FLAGS, OBJSTORE_FLAGS, readLogOptions, readObjstoreFlag } from './flag-groups.js';

export const INSPECT_COLUMNS = ['ULID', 'FROM', 'UNTIL', 'RANGE', 'UNTIL-DOWN', '#SERIES', '#SAMPLES', '#CHUNKS', 'COMP-LEVEL', 'COMP-FAILED', 'LABELS', 'RESOLUTION', 'SOURCE'] as const;
const ULID_DIR = /^([0-9A-HJKMNP-TV-Z]{26})\/$/;
const HOUR = 3_600_000;

export type Write = (s: string) => void;

/** The metas of every block directory in the bucket, sorted by ULID. Reads `concurrency` meta.json files at once. */
export async function readBlockMetas(bucket: BucketReader, logger: Logger, options: { signal?: AbortSignal; concurrency?: number } = {}): Promise<ThanosMeta[]> {
  const ids: string[] = [];
  for await (const name of bucket.iter('', options.signal ? { signal: options.signal } : {})) {
    const m = ULID_DIR.exec(name);
    if (m) ids.push(m[1]!);
  }
  ids.sort();
  const out: (ThanosMeta | undefined)[] = new Array<ThanosMeta | undefined>(ids.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const file = `${ids[i]}/meta.json`;
      try {
        const text = (await readAll(await bucket.get(file, options.signal ? { signal: options.signal } : {}))).toString('utf8');
        out[i] = parseThanosMeta(text, file);
      } catch (err) {
        if (!bucket.isNotFoundError(err)) throw err;
        logger.debug('block without meta.json, skipping (partial upload)', { block: ids[i] });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 32, ids.length) }, worker));
  return out.filter((m): m is ThanosMeta => m !== undefined);
}

/** Go's time.Duration.String() for milliseconds: `2h0m0s`, `1h59m0.001s`, `0s`, `-3h0m0s`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const neg = ms < 0;
  let rest = Math.abs(ms);
  if (rest < 1000) return `${neg ? '-' : ''}${rest}ms`;
  const h = Math.floor(rest / HOUR); rest -= h * HOUR;
  const m = Math.floor(rest / 60_000); rest -= m * 60_000;
  const s = Math.floor(rest / 1000); const frac = rest - s * 1000;
  const secs = frac === 0 ? `${s}` : `${s}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  return `${neg ? '-' : ''}${h > 0 ? `${h}h${m}m` : m > 0 ? `${m}m` : ''}${secs}s`;
}

/** time.Unix(ms/1000, 0).Format(time.RFC3339) in UTC. */
export function rfc3339(ms: number): string {
  return new Date(Math.trunc(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const thousands = (n: number | undefined): string => (n ?? 0).toLocaleString('en-US');

/** Time until the compactor downsamples the block further (upstream compact.UntilNextDownsampling), or `-`. */
function untilDown(m: ThanosMeta): string {
  const range = m.maxTime - m.minTime;
  switch (m.thanos.downsample.resolution) {
    case 0: return goDuration(40 * HOUR - range);
    case 300_000: return goDuration(240 * HOUR - range);
    default: return '-';
  }
}

export function inspectRow(m: ThanosMeta): string[] {
  const labels = Object.keys(m.thanos.labels).sort().map((k) => `${k}=${m.thanos.labels[k]}`).join(',');
  return [
    m.ulid, rfc3339(m.minTime), rfc3339(m.maxTime), goDuration(m.maxTime - m.minTime), untilDown(m),
    thousands(m.stats.numSeries), thousands(m.stats.numSamples), thousands(m.stats.numChunks),
    String(m.compaction.level), String(m.compaction.failed ?? false), labels,
    goDuration(m.thanos.downsample.resolution), m.thanos.source,
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
    if (i < 0) throw new FlagError('sort-by', c, `column not found (columns: ${INSPECT_COLUMNS.join(', ')})`);
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
    case 'wide': return metas.map((m) => `${m.ulid} -- ${rfc3339(m.minTime)} - ${rfc3339(m.maxTime)} Diff: ${goDuration(Math.trunc(m.maxTime / 1000) * 1000 - Math.trunc(m.minTime / 1000) * 1000)}, Compaction: ${m.compaction.level}, Downsample: ${m.thanos.downsample.resolution}, Source: ${m.thanos.source}\n`).join('');
    case 'json': return metas.map((m) => JSON.stringify(thanosMetaJson(m)) + '\n').join('');
    default: throw new FlagError('output', output, 'must be "", wide or json');
  }
}

async function openBucket(cmd: Command): Promise<{ bucket: Bucket; logger: Logger }> {
  const f = new FlagReader(cmd);
  const log = readLogOptions(f);
  const logger = createLogger({ level: log.level, format: log.format });
  const src = readObjstoreFlag(f);
  if (!src) throw new ConfigError('an object store configuration is required (--objstore.config-file or --objstore.config)');
  const { createBucket, parseBucketConfig } = await import('../objstore/config.js');
  const bucket = await createBucket(parseBucketConfig(src.content, src.source, logger), { logger });
  return { bucket, logger };
}

function timeoutSignal(f: FlagReader): AbortSignal {
  return AbortSignal.timeout(f.durationMs('timeout'));
}

async function withBucket(cmd: Command, run: (bucket: Bucket, logger: Logger, signal: AbortSignal) => Promise<string>, write: Write): Promise<void> {
  const signal = timeoutSignal(new FlagReader(cmd));
  const { bucket, logger } = await openBucket(cmd);
  try {
    write(await run(bucket, logger, signal));
  } catch (err) {
    throw signal.aborted ? new Error(`bucket operation timed out: ${errorMessage(err)}`, { cause: err }) : err;
  } finally {
    await bucket.close();
  }
}

export function registerToolsBucket(tools: Command, write: Write = (s) => { process.stdout.write(s); }): void {
  const bucket = tools.command('bucket').description('Bucket utility commands');

  const ls = bucket.command('ls').description('List all blocks in the bucket.');
  declareFlags(ls, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'output', short: 'o', default: '', help: 'Optional format in which to print each block\'s information. Options are \'json\', \'wide\' or a custom template.' },
    { name: 'exclude-delete', kind: 'bool', help: 'Exclude blocks marked for deletion.' },
    { name: 'timeout', default: '5m', help: 'Timeout to download metadata from remote storage' }]);
  ls.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const output = f.string('output');
    const excludeDelete = f.bool('exclude-delete');
    await withBucket(cmd, async (b, logger, signal) => {
      let metas = await readBlockMetas(b, logger, { signal });
      if (excludeDelete) {
        const marked = await Promise.all(metas.map((m) => b.exists(`${m.ulid}/${DELETION_MARK_FILENAME}`, { signal })));
        metas = metas.filter((_, i) => !marked[i]);
      }
      return formatLs(metas, output);
    }, write);
  });

  const inspect = bucket.command('inspect').description('Inspect all blocks in the bucket in detailed, table-like way.');
  declareFlags(inspect, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'selector', short: 'l', kind: 'repeat', placeholder: '<name>=\\"<value>\\"', help: 'Selects blocks based on label, e.g. \'-l key1=\\"value1\\" -l key2=\\"value2\\"\'. All key value pairs must match.' },
    { name: 'sort-by', kind: 'repeat', placeholder: 'COLUMN', help: `Sort by columns. It's also possible to sort by multiple columns, e.g. '--sort-by FROM --sort-by UNTIL'. I.e., if the 'FROM' value is equal the rows are then further sorted by the 'UNTIL' value. Possible values: ${INSPECT_COLUMNS.join(', ')}` },
    { name: 'output', default: 'table', help: 'Output format for result. Currently supports table, csv, tsv.' },
    { name: 'timeout', default: '5m', help: 'Timeout to download metadata from remote storage' }]);
  inspect.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const output = f.string('output');
    if (output !== 'table' && output !== 'csv' && output !== 'tsv') throw new FlagError('output', output, 'must be one of table, csv, tsv');
    const selector = f.labels('selector');
    const sortBy = f.list('sort-by');
    await withBucket(cmd, async (b, logger, signal) => formatInspect(await readBlockMetas(b, logger, { signal }), {
      selector, output, ...(sortBy.length > 0 ? { sortBy } : {}),
    }), write);
  });

  // The logic lives with the compactor's pass (compact/downsample-pass.ts); this only wires flags to it.
  const downsample = bucket.command('downsample').description('Downsamples the blocks of an object store bucket once: raw → 5m for blocks spanning ≥ 40h, 5m → 1h for ≥ 10d.');
  declareFlags(downsample, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Data directory in which to cache blocks and process downsamplings.' },
    { name: 'downsample.concurrency', default: '1', help: 'Number of goroutines to use when downsampling blocks.' }]);
  downsample.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const dataDir = f.string('data-dir');
    const concurrency = f.int('downsample.concurrency');
    if (concurrency < 1) throw new FlagError('downsample.concurrency', String(concurrency), 'must be at least 1');
    const { bucket: b, logger } = await openBucket(cmd);
    try {
      const { downsampleBucketOnce } = await import('../compact/downsample-pass.js');
      const r = await downsampleBucketOnce(b, dataDir, { concurrency, logger });
      if (r.failed.length > 0) throw new Error(`downsampling failed for ${r.failed.length} block(s): ${r.failed.map((x) => `${x.ulid}: ${x.error.message}`).join('; ')}`);
      logger.info('downsampling done', { created: r.created.length, noDownsampleMarked: r.noDownsampleMarked.length });
    } finally {
      await b.close();
    }
  });
}

