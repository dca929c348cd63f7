// Removing what the bucket no longer needs (upstream pkg/compact blocks_cleaner.go and clean.go): blocks whose
// deletion mark is older than --delete-delay, and aborted partial uploads (directories without meta.json whose
// newest object is older than the partial-upload threshold). A partial directory that still carries a deletion mark
// is a deletion a crash cut short, finished here once its mark is old enough.

import type { Bucket } from '../objstore/bucket.js';
import { readAll } from '../objstore/streams.js';
import { DELETION_MARK_FILENAME, parseDeletionMark, type DeletionMark } from '../block/markers.js';
import { ulidTime } from '../block/filters.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { deleteBlock } from './marks.js';
import type { CompactMetrics } from './metrics.js';

/** Upstream's PartialUploadThresholdAge. */
export const PARTIAL_UPLOAD_THRESHOLD_MS = 48 * 3_600_000;

export interface CleanOptions {
  readonly logger: Logger;
  readonly metrics?: CompactMetrics;
  /** Unix ms. */
  readonly now: number;
  readonly signal?: AbortSignal;
}

/** Whether a block marked at `mark.deletion_time` may be deleted now. */
export function deletionDue(mark: DeletionMark, deleteDelayMs: number, now: number): boolean {
  return deleteDelayMs <= 0 || now - mark.deletion_time * 1000 > deleteDelayMs;
}

/** Deletes the blocks whose deletion mark is older than `deleteDelayMs`; returns their IDs. One failure does not stop the rest. */
export async function deleteMarkedBlocks(bucket: Bucket, marks: ReadonlyMap<string, DeletionMark>, deleteDelayMs: number, o: CleanOptions): Promise<{ deleted: string[]; errors: Error[] }> {
  const deleted: string[] = [];
  const errors: Error[] = [];
  for (const [id, mark] of marks) {
    if (!deletionDue(mark, deleteDelayMs, o.now)) continue;
    try {
      o.logger.info('deleting block marked for deletion', { id, deletion_time: mark.deletion_time, details: mark.details ?? '' });
      await deleteBlock(bucket, id, o.signal);
      o.metrics?.blocksCleaned.inc();
      deleted.push(id);
    } catch (err) {
      o.metrics?.cleanupFailures.inc();
      o.logger.error('failed to delete block', { id, err: errorMessage(err) });
      errors.push(new Error(`delete block ${id}: ${errorMessage(err)}`, { cause: err }));
    }
  }
  return { deleted, errors };
}

async function readDeletionMark(bucket: Bucket, id: string, signal?: AbortSignal): Promise<DeletionMark | undefined> {
  try {
    const name = `${id}/${DELETION_MARK_FILENAME}`;
    return parseDeletionMark((await readAll(await bucket.get(name, signal ? { signal } : {}), signal)).toString('utf8'), name);
  } catch (err) {
    if (bucket.isNotFoundError(err)) return undefined;
    throw err;
  }
}

/**
 * Deletes aborted partial uploads among `partialIds` (directories without a loadable meta.json): those whose newest
 * object is older than `thresholdMs` (ULID time when the bucket reports no time), and half-deleted blocks whose
 * deletion mark is due. Returns the IDs removed.
 */
export async function cleanPartialUploads(bucket: Bucket, partialIds: Iterable<string>, thresholdMs: number, deleteDelayMs: number, o: CleanOptions): Promise<string[]> {
  const removed: string[] = [];
  const op = o.signal ? { signal: o.signal } : {};
  for (const id of partialIds) {
    try {
      const mark = await readDeletionMark(bucket, id, o.signal);
      if (mark) {
        if (!deletionDue(mark, deleteDelayMs, o.now)) continue;
      } else {
        let newest = 0;
        for await (const name of bucket.iter(`${id}/`, { recursive: true, ...op })) {
          const t = (await bucket.attributes(name, op)).lastModified.getTime();
          if (t > newest) newest = t;
        }
        if (!(newest > 0)) newest = ulidTime(id);
        if (o.now - newest <= thresholdMs) continue;
        o.metrics?.partialDeletionAttempts.inc();
      }
      o.logger.info('deleting aborted partial upload', { id, half_deleted: mark !== undefined });
      await deleteBlock(bucket, id, o.signal);
      o.metrics?.blocksCleaned.inc();
      removed.push(id);
    } catch (err) {
      o.metrics?.cleanupFailures.inc();
      o.logger.warn('failed to delete aborted partial upload; will retry', { id, err: errorMessage(err) });
    }
  }
  return removed;
}
