// Rebuilds a head from its WAL on start (Prometheus Head.Init / loadWAL): the newest checkpoint first, then the
// segments after it. Samples older than the head's minValidTime (already in blocks), out of order or for unknown
// series are dropped and counted. Damage is repaired as Prometheus does (repair.ts) or, read-only, just reported.

import { join } from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import { nopLogger } from '../../runtime/logger.js';
import { decodeSamplesInto, newSampleColumns, recordType, RecordType } from '../wal/records.js';
import { SeriesRecordDecoder } from '../wal/series-decoder.js';
import type { WalRecord } from '../wal/reader.js';
import { WalCorruptionError, readWal } from '../wal/reader.js';
import type { RepairReport } from '../wal/repair.js';
import { repairWal } from '../wal/repair.js';
import { listCheckpoints } from '../wal/segment.js';
import type { Head } from './head.js';
import type { MemSeries } from './series.js';

export interface ReplayStats {
  checkpoint: string | undefined;
  records: number;
  series: number;
  samples: number;
  /** Samples dropped: before minValidTime, not after the series' newest sample, or for a series never defined. */
  droppedTooOld: number;
  droppedOutOfOrder: number;
  droppedUnknownSeries: number;
  /** The damage found, if any, and what repair dropped (undefined read-only). */
  corruption: WalCorruptionError | undefined;
  repaired: RepairReport | undefined;
}

export interface ReplayOptions {
  readonly logger?: Logger;
  /** Repair a damaged WAL in place (default). False: stop at the damage and leave the files as they are. */
  readonly repair?: boolean;
}

export function replayWal(head: Head, walDir: string, opts: ReplayOptions = {}): ReplayStats {
  const logger = opts.logger ?? nopLogger;
  const stats: ReplayStats = {
    checkpoint: undefined, records: 0, series: 0, samples: 0, droppedTooOld: 0, droppedOutOfOrder: 0,
    droppedUnknownSeries: 0, corruption: undefined, repaired: undefined,
  };
  const aliases = new Map<number, MemSeries>();
  const cols = newSampleColumns(4096);
  const seriesDecoder = new SeriesRecordDecoder();
  const apply = (r: WalRecord, where: string): void => {
    stats.records++;
    const rec = r.data;
    switch (recordType(rec)) {
      case RecordType.Series:
        seriesDecoder.decode(rec, where, (ref, labels) => {
          if (head.get(ref)) return;
          // A series logged again under another ref (re-created after truncation) maps to the one we have.
          const had = head.adoptOrFind(labels, ref);
          if (had) aliases.set(ref, had);
        });
        break;
      case RecordType.Samples: {
        cols.n = 0;
        decodeSamplesInto(rec, cols, where);
        const { refs, ts, vs } = cols;
        const minValid = head.minValidTime;
        let mint = Infinity, maxt = -Infinity;
        let last: MemSeries | undefined;
        for (let i = 0; i < cols.n; i++) {
          const ref = refs[i]!;
          const s = last && last.ref === ref ? last : head.get(ref) ?? aliases.get(ref);
          if (!s) { stats.droppedUnknownSeries++; continue; }
          last = s;
          const t = ts[i]!;
          if (t < minValid) { stats.droppedTooOld++; continue; }
          if (t <= s.maxTime) { stats.droppedOutOfOrder++; continue; }
          s.append(t, vs[i]!, head.chunkRange, head.arena);
          if (t < mint) mint = t;
          if (t > maxt) maxt = t;
          stats.samples++;
        }
        if (maxt >= mint) head.noteRange(mint, maxt);
        break;
      }
      default:
        // Tombstones, exemplars and metadata are kept in the WAL (and checkpoints) but not used by this head yet.
        break;
    }
  };
  let from = 0;
  const cp = listCheckpoints(walDir).pop();
  if (cp) {
    const dir = join(walDir, cp.name);
    stats.checkpoint = dir;
    try {
      for (const r of readWal(dir)) apply(r, dir);
    } catch (err) {
      if (!(err instanceof WalCorruptionError)) throw err;
      // Prometheus refuses to start here; we keep what was read and say so.
      logger.error('checkpoint is damaged; replaying what was read before the damage', { file: err.file, offset: err.offset, err: err.message });
      stats.corruption = err;
    }
    from = cp.index + 1;
  }
  try {
    for (const r of readWal(walDir, from)) apply(r, walDir);
  } catch (err) {
    if (!(err instanceof WalCorruptionError)) throw err;
    stats.corruption = err;
    if (opts.repair ?? true) {
      const rep = repairWal(walDir, err);
      stats.repaired = rep;
      logger.warn('WAL damaged: kept every record before the damage, dropped the rest', {
        file: rep.file, offset: rep.offset, dropped_bytes: rep.droppedBytes,
        deleted_segments: rep.deletedSegments.join(','), err: err.message,
      });
    } else {
      logger.warn('WAL damaged: read every record before the damage', { file: err.file, offset: err.offset, err: err.message });
    }
  }
  stats.series = head.numSeries;
  return stats;
}
