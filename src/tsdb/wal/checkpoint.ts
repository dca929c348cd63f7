// WAL checkpoints as Prometheus writes them (wlog.Checkpoint): the records of the previous checkpoint and of
// segments [from, to], filtered to what the head still needs, written as a WAL in `checkpoint.<to>.tmp` and
// renamed to `checkpoint.<to>` when complete; then older segments and checkpoints can go.

import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptionError } from '../../runtime/errors.js';
import { Encoder } from '../encoding/encoder.js';
import type { MetadataEntry, SampleColumns, SeriesEntry, TombstoneEntry, ExemplarEntry } from './records.js';
import {
  RecordType, decodeExemplars, decodeMetadata, decodeSamplesInto, decodeSeries, decodeTombstones, encodeExemplars,
  encodeMetadata, encodeSamples, encodeSeries, encodeTombstones, growSampleColumns, newSampleColumns, recordType,
} from './records.js';
import { readWal } from './reader.js';
import { checkpointName, listCheckpoints, listSegments } from './segment.js';
import { WalWriter } from './writer.js';
import { fsyncDirSync } from '../fsync.js';

export interface CheckpointStats {
  readonly dir: string;
  readonly droppedSeries: number;
  readonly droppedSamples: number;
  readonly keptSeries: number;
  readonly keptSamples: number;
}

/** Out records are written in batches of about this many bytes. */
const BATCH_BYTES = 1 << 20;

/**
 * Writes `checkpoint.<to>` in `walDir` from the last checkpoint (if any) and segments [from, to]: series for which
 * `keep(ref)` holds, samples and exemplars at or after `mint`, tombstones of kept series ending at or after `mint`,
 * the last metadata of each kept series.
 */
export function writeCheckpoint(
  walDir: string, from: number, to: number, keep: (ref: number) => boolean, mint: number, compress = true,
  /** Called after each batch of records is written to the unfinished checkpoint (crash tests stop there). */
  onWritten?: () => void,
): CheckpointStats {
  const final = join(walDir, checkpointName(to));
  const tmp = `${final}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const out = WalWriter.open(tmp, { compress });
  let droppedSeries = 0, droppedSamples = 0, keptSeries = 0, keptSamples = 0;
  const enc = new Encoder(64 * 1024);
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const emit = (rec: Uint8Array): void => {
    pending.push(rec.slice());
    pendingBytes += rec.length;
    if (pendingBytes >= BATCH_BYTES) { out.log(...pending); pending = []; pendingBytes = 0; onWritten?.(); }
  };
  const metadata = new Map<number, MetadataEntry>();
  const cols: SampleColumns = newSampleColumns();
  const kept: SampleColumns = newSampleColumns();
  try {
    const sources: { dir: string; from: number; to: number }[] = [];
    const last = listCheckpoints(walDir).filter((c) => c.index < to).pop();
    if (last) {
      sources.push({ dir: join(walDir, last.name), from: 0, to: Infinity });
      from = Math.max(from, last.index + 1);
    }
    sources.push({ dir: walDir, from, to });
    for (const src of sources) {
      for (const r of readWal(src.dir, src.from, src.to)) {
        const rec = r.data;
        switch (recordType(rec)) {
          case RecordType.Series: {
            const all = decodeSeries(rec, src.dir);
            const k: SeriesEntry[] = all.filter((s) => keep(s.ref));
            droppedSeries += all.length - k.length;
            keptSeries += k.length;
            if (k.length > 0) emit(encodeSeries(k, enc));
            break;
          }
          case RecordType.Samples: {
            cols.n = 0;
            decodeSamplesInto(rec, cols, src.dir);
            kept.n = 0;
            growSampleColumns(kept, cols.n);
            for (let i = 0; i < cols.n; i++) {
              if (cols.ts[i]! < mint) continue;
              kept.refs[kept.n] = cols.refs[i]!; kept.ts[kept.n] = cols.ts[i]!; kept.vs[kept.n] = cols.vs[i]!;
              kept.n++;
            }
            droppedSamples += cols.n - kept.n;
            keptSamples += kept.n;
            if (kept.n > 0) emit(encodeSamples(kept, enc));
            break;
          }
          case RecordType.Tombstones: {
            const k: TombstoneEntry[] = decodeTombstones(rec, src.dir).filter((t) => keep(t.ref) && t.maxt >= mint);
            if (k.length > 0) emit(encodeTombstones(k, enc));
            break;
          }
          case RecordType.Exemplars: {
            const k: ExemplarEntry[] = decodeExemplars(rec, src.dir).filter((e) => e.t >= mint);
            if (k.length > 0) emit(encodeExemplars(k, enc));
            break;
          }
          case RecordType.Metadata:
            for (const m of decodeMetadata(rec, src.dir)) if (keep(m.ref)) metadata.set(m.ref, m);
            break;
          default:
            throw new CorruptionError(join(src.dir, String(r.segment)), 'wal record', r.offset, `unknown record type ${recordType(rec)}`);
        }
      }
    }
    if (metadata.size > 0) emit(encodeMetadata([...metadata.values()], enc));
    if (pending.length > 0) { out.log(...pending); onWritten?.(); }
    out.close();
  } catch (err) {
    try { out.close(); } catch { /* already failing */ }
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDirSync(walDir);
  return { dir: final, droppedSeries, droppedSamples, keptSeries, keptSamples };
}

/** Deletes segments below `index` (Prometheus WL.Truncate). */
export function truncateSegments(walDir: string, index: number): number {
  let n = 0;
  for (const s of listSegments(walDir)) {
    if (s >= index) break;
    rmSync(join(walDir, String(s).padStart(8, '0')));
    n++;
  }
  return n;
}

/** Deletes checkpoints covering segments below `index`, and any unfinished `.tmp` checkpoint. */
export function deleteCheckpoints(walDir: string, below: number): void {
  for (const c of listCheckpoints(walDir)) if (c.index < below) rmSync(join(walDir, c.name), { recursive: true, force: true });
  deleteTempCheckpoints(walDir);
}

export function deleteTempCheckpoints(walDir: string): void {
  let names: string[];
  try { names = readdirSync(walDir); } catch { return; }
  for (const n of names) if (/^checkpoint\.\d+\.tmp$/.test(n)) rmSync(join(walDir, n), { recursive: true, force: true });
}
