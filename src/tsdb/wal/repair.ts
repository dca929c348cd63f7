// Repairs a WAL after damage as Prometheus's WL.Repair does: segments after the damaged one are deleted, and the
// damaged one keeps only the bytes before the damaged record (zero-padded to a whole page). Returns what was
// dropped so the caller can log it; never refuses.

import { fsyncSync, openSync, closeSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { PAGE_SIZE, listSegments, segmentPath } from './segment.js';
import type { WalCorruptionError } from './reader.js';

export interface RepairReport {
  /** The damaged segment file and the offset it was cut at. */
  readonly file: string;
  readonly offset: number;
  /** Bytes dropped from the damaged segment. */
  readonly droppedBytes: number;
  /** Later segment files deleted. */
  readonly deletedSegments: readonly string[];
}

export function repairWal(dir: string, err: WalCorruptionError): RepairReport {
  const deleted: string[] = [];
  for (const s of listSegments(dir)) {
    if (s <= err.segment) continue;
    const f = segmentPath(dir, s);
    unlinkSync(f);
    deleted.push(f);
  }
  const file = segmentPath(dir, err.segment);
  const size = statSync(file).size;
  // Truncating first, then extending, leaves zeros (page padding) after the cut.
  truncateSync(file, err.offset);
  const padded = Math.ceil(err.offset / PAGE_SIZE) * PAGE_SIZE;
  truncateSync(file, padded);
  const fd = openSync(file, 'r+');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  return { file, offset: err.offset, droppedBytes: Math.max(0, size - err.offset), deletedSegments: deleted };
}
