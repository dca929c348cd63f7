// Thanos meta.json (upstream pkg/block/metadata/meta.go): the Prometheus block meta plus the `thanos` section
// (external labels, downsampling resolution, source, files). Parsed from unknown with errors naming the field;
// written as upstream writes it: Go's json.Encoder with a tab indent, map keys sorted, and a trailing newline.
import { CorruptionError } from '../runtime/errors.js';
import { formatMeta, parseMeta, META_FILENAME } from '../tsdb/block/meta.js';
import type { BlockMeta } from '../tsdb/block/meta.js';

export { META_FILENAME };

/** Who wrote a block. Upstream's known values; others are kept as-is. */
export type SourceType =
  | 'sidecar' | 'receive' | 'compactor' | 'compactor.repair' | 'ruler' | 'bucket.repair' | 'bucket.rewrite'
  | 'bucket.upload' | 'test' | (string & {});

export const THANOS_META_VERSION = 1;
/** Downsampling resolutions in ms. */
export const RESOLUTION_RAW = 0;
export const RESOLUTION_5M = 300_000;
export const RESOLUTION_1H = 3_600_000;

export interface ThanosFile {
  /** Path relative to the block directory: `chunks/000001`, `index`, `meta.json`. */
  readonly rel_path: string;
  /** Size in bytes; absent for meta.json. */
  readonly size_bytes?: number;
  readonly hash?: { readonly hashFunc: string; readonly value: string };
}

export interface IndexStats {
  readonly series_max_size?: number;
  readonly chunk_max_size?: number;
}

/** The `thanos` section; field names as in the JSON. */
export interface ThanosSection {
  readonly version: number;
  /** External labels: the identity of the stream the block belongs to. Always present, possibly empty. */
  readonly labels: Readonly<Record<string, string>>;
  readonly downsample: { readonly resolution: number };
  readonly source: SourceType;
  /** Deprecated: chunk segment file names in order. */
  readonly segment_files?: readonly string[];
  /** Every file of the block, sorted by rel_path. */
  readonly files?: readonly ThanosFile[];
  /** Kept verbatim: written back unchanged. */
  readonly rewrites?: readonly unknown[];
  readonly index_stats?: IndexStats;
  readonly extensions?: unknown;
  /** RFC 3339 upload time, when recorded. */
  readonly upload_time?: string;
}

/** A block meta.json as Thanos reads and writes it. */
export interface ThanosMeta extends BlockMeta {
  readonly thanos: ThanosSection;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses meta.json text (a string) or an already-decoded JSON value. A missing `thanos` section reads as version 1 with no
 * labels, raw resolution and no source, as upstream does. Throws CorruptionError naming the field.
 */
export function parseThanosMeta(input: unknown, file = META_FILENAME): ThanosMeta {
  const text = typeof input === 'string' ? input : JSON.stringify(input);
  const { extra: baseExtra, ...base } = parseMeta(text, file);
  const { thanos: raw, ...rest } = baseExtra ?? {};
  const bad = (field: string, what: string): never => {
    throw new CorruptionError(file, 'meta', 0, field === '' ? `thanos ${what}` : `thanos.${field} ${what}`);
  };
  if (raw !== undefined && raw !== null && !isObj(raw)) bad('', 'must be an object');
  const t: Obj = isObj(raw) ? raw : {};
  const int = (v: unknown, field: string): number => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return bad(field, `must be an integer, got ${JSON.stringify(v)}`);
    return v;
  };
  const version = t['version'] === undefined || t['version'] === 0 ? THANOS_META_VERSION : int(t['version'], 'version');
  if (version !== THANOS_META_VERSION) bad('version', `${version} is not supported (want 1)`);
  const labels: Record<string, string> = {};
  if (t['labels'] !== undefined && t['labels'] !== null) {
    if (!isObj(t['labels'])) bad('labels', 'must be an object of strings');
    for (const [k, v] of Object.entries(t['labels'] as Obj)) {
      if (typeof v !== 'string') bad(`labels.${k}`, 'must be a string');
      labels[k] = v as string;
    }
  }
  let resolution = 0;
  if (t['downsample'] !== undefined && t['downsample'] !== null) {
    if (!isObj(t['downsample'])) bad('downsample', 'must be an object');
    const r = (t['downsample'] as Obj)['resolution'];
    resolution = r === undefined ? 0 : int(r, 'downsample.resolution');
    if (resolution < 0) bad('downsample.resolution', 'must not be negative');
  }
  const source = t['source'] ?? '';
  if (typeof source !== 'string') bad('source', 'must be a string');
  const section: { -readonly [K in keyof ThanosSection]: ThanosSection[K] } = {
    version, labels, downsample: { resolution }, source: source as string,
  };
  if (t['segment_files'] !== undefined && t['segment_files'] !== null) {
    const sf = t['segment_files'];
    if (!Array.isArray(sf) || !sf.every((x) => typeof x === 'string')) bad('segment_files', 'must be a list of strings');
    section.segment_files = sf as string[];
  }
  if (t['files'] !== undefined && t['files'] !== null) {
    if (!Array.isArray(t['files'])) bad('files', 'must be a list');
    section.files = (t['files'] as unknown[]).map((f, i): ThanosFile => {
      if (!isObj(f) || typeof f['rel_path'] !== 'string') return bad(`files[${i}].rel_path`, 'must be a string');
      const out: { -readonly [K in keyof ThanosFile]: ThanosFile[K] } = { rel_path: f['rel_path'] };
      if (f['size_bytes'] !== undefined) out.size_bytes = int(f['size_bytes'], `files[${i}].size_bytes`);
      const h = f['hash'];
      if (h !== undefined && h !== null) {
        if (!isObj(h) || typeof h['hashFunc'] !== 'string' || typeof h['value'] !== 'string') bad(`files[${i}].hash`, 'must be {hashFunc, value}');
        out.hash = { hashFunc: (h as Obj)['hashFunc'] as string, value: (h as Obj)['value'] as string };
      }
      return out;
    });
  }
  if (Array.isArray(t['rewrites'])) section.rewrites = t['rewrites'];
  if (t['index_stats'] !== undefined && t['index_stats'] !== null) {
    if (!isObj(t['index_stats'])) bad('index_stats', 'must be an object');
    const s = t['index_stats'] as Obj;
    const stats: { series_max_size?: number; chunk_max_size?: number } = {};
    if (s['series_max_size'] !== undefined) stats.series_max_size = int(s['series_max_size'], 'index_stats.series_max_size');
    if (s['chunk_max_size'] !== undefined) stats.chunk_max_size = int(s['chunk_max_size'], 'index_stats.chunk_max_size');
    section.index_stats = stats;
  }
  if (t['extensions'] !== undefined && t['extensions'] !== null) section.extensions = t['extensions'];
  if (t['upload_time'] !== undefined && t['upload_time'] !== null) {
    if (typeof t['upload_time'] !== 'string' || Number.isNaN(Date.parse(t['upload_time']))) bad('upload_time', 'must be an RFC 3339 time');
    if (!(t['upload_time'] as string).startsWith('0001-01-01')) section.upload_time = t['upload_time'] as string;
  }
  const extra = Object.keys(rest).length > 0 ? { extra: rest } : {};
  return { ...base, ...extra, thanos: section };
}

/** The JSON value of a meta, in upstream's field order (Prometheus fields, then `thanos`). */
export function thanosMetaJson(meta: ThanosMeta): Obj {
  const { thanos, extra, ...base } = meta;
  const out = JSON.parse(formatMeta(base)) as Obj;
  for (const [k, v] of Object.entries(extra ?? {})) if (k !== 'thanos') out[k] = v;
  const t: Obj = {};
  // Field order follows upstream's struct; Go writes map keys (labels) sorted.
  t['version'] = thanos.version;
  t['labels'] = Object.fromEntries(Object.entries(thanos.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  t['downsample'] = { resolution: thanos.downsample.resolution };
  t['source'] = thanos.source;
  if (thanos.segment_files && thanos.segment_files.length > 0) t['segment_files'] = thanos.segment_files;
  if (thanos.files && thanos.files.length > 0) {
    t['files'] = thanos.files.map((f) => ({ rel_path: f.rel_path, ...(f.size_bytes ? { size_bytes: f.size_bytes } : {}), ...(f.hash ? { hash: f.hash } : {}) }));
  }
  if (thanos.rewrites && thanos.rewrites.length > 0) t['rewrites'] = thanos.rewrites;
  if (thanos.index_stats && (thanos.index_stats.series_max_size || thanos.index_stats.chunk_max_size)) {
    t['index_stats'] = {
      ...(thanos.index_stats.series_max_size ? { series_max_size: thanos.index_stats.series_max_size } : {}),
      ...(thanos.index_stats.chunk_max_size ? { chunk_max_size: thanos.index_stats.chunk_max_size } : {}),
    };
  }
  if (thanos.extensions !== undefined) t['extensions'] = thanos.extensions;
  if (thanos.upload_time !== undefined) t['upload_time'] = thanos.upload_time;
  out['thanos'] = t;
  return out;
}

/** meta.json text as upstream Thanos writes it (tab indent, Go's HTML-safe escaping, trailing newline). */
export function formatThanosMeta(meta: ThanosMeta): string {
  return goJsonEscape(JSON.stringify(thanosMetaJson(meta), null, '\t')) + '\n';
}

/** Go's encoder escapes <, > and & (and U+2028/2029) inside strings; JSON.stringify does not. */
function goJsonEscape(s: string): string {
  return s.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Adds a Thanos section to a plain Prometheus meta (what the shipper does before uploading). */
export function withThanosSection(meta: BlockMeta, section: Partial<ThanosSection> & Pick<ThanosSection, 'labels' | 'source'>): ThanosMeta {
  const { extra, ...base } = meta;
  const rest = { ...(extra ?? {}) };
  delete rest['thanos'];
  return {
    ...base, ...(Object.keys(rest).length > 0 ? { extra: rest } : {}),
    thanos: { version: THANOS_META_VERSION, downsample: { resolution: RESOLUTION_RAW }, ...section },
  };
}
