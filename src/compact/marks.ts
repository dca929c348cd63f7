// Writing the block markers the compactor owns (upstream pkg/block.MarkForDeletion / MarkForNoCompact / Delete):
// a mark is written only when absent (so deletion_time is never refreshed), and a block is deleted meta.json first
// (from then on every reader sees a partial block and skips it), its other objects next, deletion-mark.json last.

import type { Bucket } from '../objstore/bucket.js';
import {
  DELETION_MARK_FILENAME, MARKER_VERSION, NO_COMPACT_MARK_FILENAME, NO_DOWNSAMPLE_MARK_FILENAME, formatMarker,
  type NoCompactReason,
} from '../block/markers.js';
import { META_FILENAME } from '../block/meta.js';

/** Marker files `tools bucket mark --marker` accepts. */
export const MARKER_FILES = [DELETION_MARK_FILENAME, NO_COMPACT_MARK_FILENAME, NO_DOWNSAMPLE_MARK_FILENAME] as const;
export type MarkerFile = (typeof MARKER_FILES)[number];

/** What marking did: `written`, or `exists` when the block already carried that mark (left untouched). */
export type MarkOutcome = 'written' | 'exists';

export interface MarkOptions {
  readonly details?: string;
  /** no-compact / no-downsample reason (default `manual`). */
  readonly reason?: NoCompactReason;
  /** Unix ms. */
  readonly now?: number;
  readonly signal?: AbortSignal;
}

/** Writes `<id>/<marker>` unless present. The block's meta.json must exist (a mark on nothing is an error). */
export async function markBlock(bucket: Bucket, id: string, marker: MarkerFile, options: MarkOptions = {}): Promise<MarkOutcome> {
  const op = options.signal ? { signal: options.signal } : {};
  const name = `${id}/${marker}`;
  if (await bucket.exists(name, op)) return 'exists';
  if (!(await bucket.exists(`${id}/${META_FILENAME}`, op))) throw new Error(`block ${id}: no meta.json in the bucket, nothing to mark`);
  const seconds = Math.floor((options.now ?? Date.now()) / 1000);
  const details = options.details !== undefined ? { details: options.details } : {};
  const reason = options.reason ?? 'manual';
  const text = marker === DELETION_MARK_FILENAME
    ? formatMarker({ id, version: MARKER_VERSION, ...details, deletion_time: seconds })
    : marker === NO_COMPACT_MARK_FILENAME
      ? formatMarker({ id, version: MARKER_VERSION, ...details, no_compact_time: seconds, reason })
      : formatMarker({ id, version: MARKER_VERSION, ...details, no_downsample_time: seconds, reason });
  await bucket.upload(name, Buffer.from(text), op);
  return 'written';
}

/** Removes `<id>/<marker>` (tools bucket mark --remove). */
export async function unmarkBlock(bucket: Bucket, id: string, marker: MarkerFile, signal?: AbortSignal): Promise<void> {
  await bucket.delete(`${id}/${marker}`, signal ? { signal } : {});
}

/**
 * Deletes every object of block `id`: meta.json first, the deletion mark last, so a crash half-way leaves a partial
 * block that readers skip and the next cleanup finishes (it still carries its deletion mark).
 */
export async function deleteBlock(bucket: Bucket, id: string, signal?: AbortSignal): Promise<void> {
  const op = signal ? { signal } : {};
  await bucket.delete(`${id}/${META_FILENAME}`, op);
  const names: string[] = [];
  for await (const name of bucket.iter(`${id}/`, { recursive: true, ...op })) names.push(name);
  const markName = `${id}/${DELETION_MARK_FILENAME}`;
  for (const name of names) if (name !== markName) await bucket.delete(name, op);
  await bucket.delete(markName, op);
}
