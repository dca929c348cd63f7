// meta.json of a block: parse (from unknown, validated) and format exactly as Prometheus does (tab-indented,
// zero stats omitted). Unknown top-level keys (e.g. Thanos's "thanos" section) are kept in `extra`.

import { readFile, rename, writeFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../../runtime/errors.js';
import { isBlockId } from './ulid.js';

export const META_FILENAME = 'meta.json';

export interface BlockStats {
  readonly numSamples?: number;
  readonly numFloatSamples?: number;
  readonly numHistogramSamples?: number;
  readonly numSeries?: number;
  readonly numChunks?: number;
  readonly numTombstones?: number;
}

export interface BlockDesc {
  readonly ulid: string;
  readonly minTime: number;
  readonly maxTime: number;
}

export interface BlockCompaction {
  readonly level: number;
  readonly sources?: readonly string[];
  readonly deletable?: boolean;
  readonly parents?: readonly BlockDesc[];
  readonly failed?: boolean;
  readonly hints?: readonly string[];
}

export interface BlockMeta {
  readonly ulid: string;
  /** First sample timestamp, inclusive (ms). */
  readonly minTime: number;
  /** End of the block, exclusive (ms): last sample + 1 for blocks cut from a head. */
  readonly maxTime: number;
  readonly stats: BlockStats;
  readonly compaction: BlockCompaction;
  readonly version: 1;
  /** Other top-level fields, written back after `version` in their original order. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseMeta(text: string, file = META_FILENAME): BlockMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const m = /position (\d+)/.exec(String(err));
    throw new CorruptionError(file, 'meta', m ? Number(m[1]) : 0, `invalid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => { throw new CorruptionError(file, 'meta', 0, what); };
  if (!isObj(raw)) return bad('meta.json is not a JSON object');
  const int = (o: Obj, k: string, where: string, optional = false): number | undefined => {
    const v = o[k];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v)) return bad(`${where}${k} must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const ulid = raw['ulid'];
  if (typeof ulid !== 'string' || !isBlockId(ulid)) bad(`ulid must be a 26-character ULID, got ${JSON.stringify(ulid)}`);
  if (raw['version'] !== 1) bad(`unsupported meta version ${JSON.stringify(raw['version'])}`);
  const statsRaw = raw['stats'] ?? {};
  if (!isObj(statsRaw)) return bad('stats must be an object');
  const stats: Record<string, number> = {};
  for (const k of ['numSamples', 'numFloatSamples', 'numHistogramSamples', 'numSeries', 'numChunks', 'numTombstones']) {
    const v = int(statsRaw, k, 'stats.', true);
    if (v !== undefined) stats[k] = v;
  }
  const c = raw['compaction'];
  if (!isObj(c)) return bad('compaction must be an object');
  const strs = (v: unknown, k: string): string[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) return bad(`compaction.${k} must be a list of strings`);
    return v as string[];
  };
  const compaction: { -readonly [K in keyof BlockCompaction]: BlockCompaction[K] } = { level: int(c, 'level', 'compaction.')! };
  const sources = strs(c['sources'], 'sources');
  if (sources) compaction.sources = sources;
  if (c['deletable'] === true) compaction.deletable = true;
  if (Array.isArray(c['parents'])) {
    compaction.parents = c['parents'].map((p, i): BlockDesc => {
      if (!isObj(p) || typeof p['ulid'] !== 'string') return bad(`compaction.parents[${i}] must be {ulid,minTime,maxTime}`);
      return { ulid: p['ulid'], minTime: int(p, 'minTime', `compaction.parents[${i}].`)!, maxTime: int(p, 'maxTime', `compaction.parents[${i}].`)! };
    });
  }
  if (c['failed'] === true) compaction.failed = true;
  const hints = strs(c['hints'], 'hints');
  if (hints) compaction.hints = hints;
  const extra: Obj = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!['ulid', 'minTime', 'maxTime', 'stats', 'compaction', 'version'].includes(k)) extra[k] = v;
  }
  const meta: BlockMeta = {
    ulid: (ulid as string).toUpperCase(), minTime: int(raw, 'minTime', '')!, maxTime: int(raw, 'maxTime', '')!,
    stats, compaction, version: 1, ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return meta;
}

/** meta.json text as Prometheus writes it (Go json.MarshalIndent with a tab, no trailing newline). */
export function formatMeta(meta: BlockMeta): string {
  const stats: Obj = {};
  for (const [k, v] of Object.entries(meta.stats)) if (v) stats[k] = v;
  const c = meta.compaction;
  const compaction: Obj = { level: c.level };
  if (c.sources && c.sources.length > 0) compaction['sources'] = c.sources;
  if (c.deletable) compaction['deletable'] = true;
  if (c.parents && c.parents.length > 0) compaction['parents'] = c.parents.map((p) => ({ ulid: p.ulid, minTime: p.minTime, maxTime: p.maxTime }));
  if (c.failed) compaction['failed'] = true;
  if (c.hints && c.hints.length > 0) compaction['hints'] = c.hints;
  const out: Obj = { ulid: meta.ulid, minTime: meta.minTime, maxTime: meta.maxTime };
  if (Object.keys(stats).length > 0) out['stats'] = stats; else out['stats'] = {};
  out['compaction'] = compaction;
  out['version'] = 1;
  for (const [k, v] of Object.entries(meta.extra ?? {})) out[k] = v;
  return JSON.stringify(out, null, '\t');
}

export async function readMeta(blockDir: string): Promise<BlockMeta> {
  const file = join(blockDir, META_FILENAME);
  return parseMeta(await readFile(file, 'utf8'), file);
}

/** Writes meta.json atomically (temporary file, fsync, rename). */
export async function writeMeta(blockDir: string, meta: BlockMeta): Promise<void> {
  const file = join(blockDir, META_FILENAME);
  const tmp = `${file}.tmp`;
  await writeFile(tmp, formatMeta(meta));
  const fh = await open(tmp, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
  await rename(tmp, file);
}
