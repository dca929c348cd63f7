// Block markers (upstream pkg/block/metadata/markers.go): deletion-mark.json, no-compact-mark.json and
// no-downsample-mark.json inside `<ULID>/`, version 1, times in unix seconds. Parsed from unknown, naming fields.
import { CorruptionError } from '../runtime/errors.js';
import { isBlockId } from '../tsdb/block/ulid.js';

export const DELETION_MARK_FILENAME = 'deletion-mark.json';
export const NO_COMPACT_MARK_FILENAME = 'no-compact-mark.json';
export const NO_DOWNSAMPLE_MARK_FILENAME = 'no-downsample-mark.json';
export const MARKER_VERSION = 1;

export type NoCompactReason = 'manual' | 'index-size-exceeding' | 'block-index-out-of-order-chunk' | 'downsample-vertical-compaction' | (string & {});

export interface DeletionMark {
  readonly id: string;
  readonly version: number;
  readonly details?: string;
  /** Unix seconds. */
  readonly deletion_time: number;
}

export interface NoCompactMark {
  readonly id: string;
  readonly version: number;
  readonly details?: string;
  readonly no_compact_time: number;
  readonly reason: NoCompactReason;
}

export interface NoDownsampleMark {
  readonly id: string;
  readonly version: number;
  readonly details?: string;
  readonly no_downsample_time: number;
  readonly reason: string;
}

type Obj = Record<string, unknown>;

function parseCommon(text: string, file: string, timeField: string): { o: Obj; id: string; version: number; details?: string; time: number } {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    throw new CorruptionError(file, 'marker', 0, `invalid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const bad = (what: string): never => { throw new CorruptionError(file, 'marker', 0, what); };
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return bad('marker is not a JSON object');
  const m = o as Obj;
  if (typeof m['id'] !== 'string' || !isBlockId(m['id'])) bad(`id must be a ULID, got ${JSON.stringify(m['id'])}`);
  if (m['version'] !== MARKER_VERSION) bad(`version must be 1, got ${JSON.stringify(m['version'])}`);
  const time = m[timeField];
  if (typeof time !== 'number' || !Number.isSafeInteger(time)) bad(`${timeField} must be an integer (unix seconds), got ${JSON.stringify(time)}`);
  if (m['details'] !== undefined && typeof m['details'] !== 'string') bad('details must be a string');
  return { o: m, id: m['id'] as string, version: MARKER_VERSION, time: time as number, ...(typeof m['details'] === 'string' ? { details: m['details'] } : {}) };
}

export function parseDeletionMark(text: string, file = DELETION_MARK_FILENAME): DeletionMark {
  const c = parseCommon(text, file, 'deletion_time');
  return { id: c.id, version: c.version, ...(c.details !== undefined ? { details: c.details } : {}), deletion_time: c.time };
}

export function parseNoCompactMark(text: string, file = NO_COMPACT_MARK_FILENAME): NoCompactMark {
  const c = parseCommon(text, file, 'no_compact_time');
  const reason = c.o['reason'];
  if (typeof reason !== 'string') throw new CorruptionError(file, 'marker', 0, 'reason must be a string');
  return { id: c.id, version: c.version, ...(c.details !== undefined ? { details: c.details } : {}), no_compact_time: c.time, reason };
}

export function parseNoDownsampleMark(text: string, file = NO_DOWNSAMPLE_MARK_FILENAME): NoDownsampleMark {
  const c = parseCommon(text, file, 'no_downsample_time');
  const reason = c.o['reason'];
  if (typeof reason !== 'string') throw new CorruptionError(file, 'marker', 0, 'reason must be a string');
  return { id: c.id, version: c.version, ...(c.details !== undefined ? { details: c.details } : {}), no_downsample_time: c.time, reason };
}

/** Marker JSON as upstream writes it (json.MarshalIndent with a tab, fields in struct order). */
export function formatMarker(mark: DeletionMark | NoCompactMark | NoDownsampleMark): string {
  return JSON.stringify(mark, null, '\t');
}
