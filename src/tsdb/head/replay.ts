// Rebuilds a head from its WAL on start (Prometheus Head.Init / loadWAL): the newest checkpoint first, then the
// segments after it. Samples older than the head's minValidTime (already in blocks), out of order or for unknown
// series are dropped and counted. Damage is repaired as Prometheus does (repair.ts) or, read-only, just reported.
// replayWalAsync gives the event loop a turn every few milliseconds (a receiver answers /-/healthy and /metrics
// while it replays) and, for a large WAL, reads, decodes and cuts samples into chunks on a worker thread meanwhile
// (replay-chunks.ts), this thread only making series from their labels.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from '../../runtime/logger.js';
import { nopLogger } from '../../runtime/logger.js';
import type { WalCorruptionError } from '../wal/reader.js';
import type { FeedMessage, FeedPart } from '../wal/replay-feed.js';
import { damageError, malformedError, walFeed } from '../wal/replay-feed.js';
import type { RepairReport } from '../wal/repair.js';
import { repairWal } from '../wal/repair.js';
import { listCheckpoints, listSegments, segmentPath } from '../wal/segment.js';
import { SeriesRecordDecoder } from '../wal/series-decoder.js';
import type { Label } from '../labels/labels.js';
import type { WorkerMessage } from './feed-worker.js';
import { workerFeed } from './feed-worker.js';
import type { Head } from './head.js';
import { installChunks } from './replay-chunks.js';
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

export interface AsyncReplayOptions extends ReplayOptions {
  /**
   * Read and decode on a worker thread: 'auto' (default) when the segments to replay hold at least
   * WORKER_MIN_BYTES (below that, starting a thread costs more than it saves).
   */
  readonly worker?: boolean | 'auto';
  /** The longest the event loop is held between turns, in ms (default 10). */
  readonly sliceMs?: number;
}

/** Segment bytes from which replayWalAsync reads on a worker thread by default. */
export const WORKER_MIN_BYTES = 4 << 20;
/** Entries applied between checks of the time slice. */
const STEP = 2048;

/** Replays on the calling thread without yielding (offline tools). */
export function replayWal(head: Head, walDir: string, opts: ReplayOptions = {}): ReplayStats {
  const r = new Replayer(head, walDir, opts);
  for (const m of walFeed(r.parts)) for (const _ of r.apply(m));
  return r.finish();
}

/** Replays letting the event loop turn every sliceMs, reading on a worker thread for a large WAL. */
export async function replayWalAsync(head: Head, walDir: string, opts: AsyncReplayOptions = {}): Promise<ReplayStats> {
  const r = new Replayer(head, walDir, opts);
  const sliceMs = opts.sliceMs ?? 10;
  const useWorker = opts.worker === undefined || opts.worker === 'auto' ? r.bytes() >= WORKER_MIN_BYTES : opts.worker;
  let since = performance.now();
  const feed: AsyncIterable<WorkerMessage> | Iterable<FeedMessage> = useWorker ? workerFeed(r.parts, head.minValidTime, head.chunkRange) : walFeed(r.parts);
  for await (const m of feed) {
    for (const _ of r.apply(m)) {
      if (performance.now() - since >= sliceMs) { await nextTurn(); since = performance.now(); }
    }
    if (performance.now() - since >= sliceMs) { await nextTurn(); since = performance.now(); }
  }
  return r.finish();
}

/** Applies feed messages to a head, in WAL order. */
class Replayer {
  readonly parts: FeedPart[];
  private readonly stats: ReplayStats = {
    checkpoint: undefined, records: 0, series: 0, samples: 0, droppedTooOld: 0, droppedOutOfOrder: 0,
    droppedUnknownSeries: 0, corruption: undefined, repaired: undefined,
  };
  private readonly logger: Logger;
  /** A series logged again under another ref (re-created after truncation) maps to the one we have. */
  private readonly aliases = new Map<number, MemSeries>();
  private readonly seriesDecoder: SeriesRecordDecoder;
  private readonly refs: number[] = [];
  private readonly labels: Label[][] = [];

  constructor(private readonly head: Head, private readonly walDir: string, private readonly opts: ReplayOptions) {
    this.logger = opts.logger ?? nopLogger;
    this.seriesDecoder = new SeriesRecordDecoder((str) => head.intern(str));
    const cp = listCheckpoints(walDir).pop();
    this.parts = [];
    if (cp) {
      this.stats.checkpoint = join(walDir, cp.name);
      this.parts.push({ dir: this.stats.checkpoint, from: 0 });
    }
    this.parts.push({ dir: walDir, from: cp ? cp.index + 1 : 0 });
  }

  /** Bytes of the segments to replay. */
  bytes(): number {
    let n = 0;
    for (const p of this.parts) for (const s of listSegments(p.dir)) if (s >= p.from) n += statSync(segmentPath(p.dir, s)).size;
    return n;
  }

  /** Applies one message; yields every STEP entries so the caller can give the event loop a turn. */
  *apply(m: FeedMessage | WorkerMessage): Generator<void> {
    const head = this.head;
    const stats = this.stats;
    switch (m.kind) {
      case 'series': {
        const refs = this.refs;
        const labels = this.labels;
        refs.length = 0;
        labels.length = 0;
        this.seriesDecoder.decode(m.rec, this.parts[m.part]!.dir, (ref, l) => { refs.push(ref); labels.push(l); });
        for (let i = 0; i < refs.length; i++) {
          const ref = refs[i]!;
          if (!head.get(ref)) {
            const had = head.adoptOrFind(labels[i]!, ref);
            if (had) this.aliases.set(ref, had);
          }
          if (i % STEP === STEP - 1) yield;
        }
        labels.length = 0;
        break;
      }
      case 'samples': {
        const { refs, ts, vs, n } = m;
        const minValid = head.minValidTime;
        for (let from = 0; from < n; from += STEP) {
          const to = Math.min(n, from + STEP);
          let mint = Infinity, maxt = -Infinity;
          let last: MemSeries | undefined;
          for (let i = from; i < to; i++) {
            const ref = refs[i]!;
            const s = last && last.ref === ref ? last : head.get(ref) ?? this.aliases.get(ref);
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
          if (to < n) yield;
        }
        break;
      }
      case 'chunks':
        yield* installChunks(head, m, STEP);
        stats.samples += m.samples;
        stats.droppedTooOld += m.droppedTooOld;
        stats.droppedOutOfOrder += m.droppedOutOfOrder;
        stats.droppedUnknownSeries += m.droppedUnknownSeries;
        break;
      case 'damage': {
        const err = damageError(m);
        if (m.part === 0 && stats.checkpoint !== undefined) {
          // Prometheus refuses to start here; we keep what was read and say so.
          this.logger.error('checkpoint is damaged; replaying what was read before the damage', { file: err.file, offset: err.offset, err: err.message });
          stats.corruption = err;
        } else if (this.opts.repair ?? true) {
          stats.corruption = err;
          const rep = repairWal(this.walDir, err);
          stats.repaired = rep;
          this.logger.warn('WAL damaged: kept every record before the damage, dropped the rest', {
            file: rep.file, offset: rep.offset, dropped_bytes: rep.droppedBytes,
            deleted_segments: rep.deletedSegments.join(','), err: err.message,
          });
        } else {
          stats.corruption = err;
          this.logger.warn('WAL damaged: read every record before the damage', { file: err.file, offset: err.offset, err: err.message });
        }
        break;
      }
      case 'malformed':
        throw malformedError(m);
      case 'end':
        stats.records = m.records;
        break;
    }
  }

  finish(): ReplayStats {
    this.stats.series = this.head.numSeries;
    return this.stats;
  }
}
