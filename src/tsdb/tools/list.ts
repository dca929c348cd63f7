// `list` and `analyze`: block tables and cardinality reports in the shape promtool tsdb list/analyze prints.

import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../../runtime/errors.js';
import type { BlockMeta } from '../block/meta.js';
import { readMeta } from '../block/meta.js';
import { BlockReader, findBlockDirs } from '../block/reader.js';
import { formatGoDuration } from '../../runtime/duration.js';
import { tabulate } from './format.js';

export interface ListedBlock {
  readonly dir: string;
  readonly meta: BlockMeta;
  /** Bytes of index + chunk segments + tombstones + meta.json, as Prometheus's Block.Size(). */
  readonly size: number;
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/** Blocks of a data directory (or a single block directory), sorted by minTime. */
export async function listBlocks(dir: string): Promise<ListedBlock[]> {
  const out: ListedBlock[] = [];
  for (const d of await findBlockDirs(dir)) out.push({ dir: d, meta: await readMeta(d), size: await dirSize(d) });
  return out.sort((a, b) => a.meta.minTime - b.meta.minTime);
}

function formatTime(ms: number, human: boolean): string {
  if (!human) return String(ms);
  return new Date(Math.trunc(ms / 1000) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' +0000 UTC');
}

/** alecthomas/units Base2Bytes.String as promtool -r prints sizes: every unit's remainder, e.g. 12KiB491B. */
function formatBytes(n: number, human: boolean): string {
  if (!human) return String(n);
  const units = ['', 'K', 'M', 'G', 'T', 'P', 'E'];
  const parts: string[] = [];
  let rest = n;
  for (let i = 0; i < units.length; i++) {
    if (rest % 1024 !== 0 || (i === 0 && rest > 0)) parts.unshift(`${rest % 1024}${units[i]}${i === 0 ? 'B' : 'iB'}`);
    rest = Math.floor(rest / 1024);
    if (rest === 0) break;
  }
  return parts.join('');
}

export const LIST_HEADER = ['BLOCK ULID', 'MIN TIME', 'MAX TIME', 'DURATION', 'NUM SAMPLES', 'NUM CHUNKS', 'NUM SERIES', 'SIZE'];

export function blockRow(b: ListedBlock, human: boolean): string[] {
  const m = b.meta;
  return [m.ulid, formatTime(m.minTime, human), formatTime(m.maxTime, human), formatGoDuration(m.maxTime - m.minTime),
    String(m.stats.numSamples ?? 0), String(m.stats.numChunks ?? 0), String(m.stats.numSeries ?? 0), formatBytes(b.size, human)];
}

/** The table promtool tsdb list prints (tabwriter: min width 13, padding 2). */
export function formatBlockTable(blocks: readonly ListedBlock[], header: boolean, human: boolean): string {
  const rows = blocks.map((b) => blockRow(b, human));
  return tabulate(header ? [LIST_HEADER, ...rows] : rows, 13, 2);
}

interface Info { key: string; metric: number }

function top(infos: Info[], limit: number): string {
  infos.sort((a, b) => b.metric - a.metric || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return infos.slice(0, limit).map((i) => `${i.metric} ${i.key}\n`).join('');
}

/** The cardinality report of promtool tsdb analyze for one block (`blockId`, or the latest in `dir`). */
export async function analyzeBlock(dir: string, blockId: string | undefined, limit: number): Promise<string> {
  const blocks = await listBlocks(dir);
  const chosen = blockId ? blocks.find((b) => b.meta.ulid === blockId.toUpperCase()) : blocks[blocks.length - 1];
  if (!chosen) throw new NotFoundError(blockId ? `block ${blockId} in ${dir}` : `blocks in ${dir}`);
  const r = await BlockReader.open(chosen.dir);
  try {
    const meta = r.meta;
    const span = meta.maxTime - meta.minTime;
    const names = r.index.labelNames();
    let out = `Block ID: ${meta.ulid}\nDuration: ${formatGoDuration(span)}\nSeries: ${meta.stats.numSeries ?? 0}\nLabel names: ${names.length}\n`;
    const labelsUncovered = new Map<string, number>();
    const pairsUncovered = new Map<string, number>();
    const pairsCount = new Map<string, number>();
    let entries = 0;
    for await (const e of r.index.series(await r.index.allPostings())) {
      const first = e.chunks[0];
      const last = e.chunks[e.chunks.length - 1];
      const uncovered = span - (first && last ? last.maxTime - first.minTime : 0);
      for (const l of e.labels) {
        const key = `${l.name}=${l.value}`;
        labelsUncovered.set(l.name, (labelsUncovered.get(l.name) ?? 0) + uncovered);
        pairsUncovered.set(key, (pairsUncovered.get(key) ?? 0) + uncovered);
        pairsCount.set(key, (pairsCount.get(key) ?? 0) + 1);
        entries++;
      }
    }
    out += `Postings (unique label pairs): ${pairsUncovered.size}\nPostings entries (total label pairs): ${entries}\n`;
    const ratio = (m: Map<string, number>): Info[] => [...m].map(([key, v]) => ({ key, metric: Math.floor(v / span) }));
    out += '\nLabel pairs most involved in churning:\n' + top(ratio(pairsUncovered), limit);
    out += '\nLabel names most involved in churning:\n' + top(ratio(labelsUncovered), limit);
    out += '\nMost common label pairs:\n' + top([...pairsCount].map(([key, metric]) => ({ key, metric })), limit);
    out += '\nLabel names with highest cumulative label value length:\n' +
      top(names.map((n) => ({ key: n, metric: r.index.labelValues(n).reduce((s, v) => s + Buffer.byteLength(v), 0) })), limit);
    out += '\nHighest cardinality labels:\n' + top(names.map((n) => ({ key: n, metric: r.index.labelValues(n).length })), limit);
    const metricNames: Info[] = [];
    for (const n of r.index.labelValues('__name__')) metricNames.push({ key: n, metric: (await r.index.postings('__name__', [n])).length });
    out += '\nHighest cardinality metric names:\n' + top(metricNames, limit);
    return out;
  } finally {
    await r.close();
  }
}
