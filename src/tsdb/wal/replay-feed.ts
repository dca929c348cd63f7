// The WAL as a stream of replay messages, in WAL order: series records as bytes (the head decodes them), samples
// already decoded into columns and batched, and damage. Produced the same way on the replaying thread (small
// WALs) or on a worker thread (replay-worker.ts), which then takes reading, checksums, Snappy and sample decoding
// off the thread that serves requests.

import { readFileSync } from 'node:fs';
import { CorruptionError } from '../../runtime/errors.js';
import { RecordType, decodeSamplesInto, newSampleColumns } from './records.js';
import { WalCorruptionError, readSegmentRecords } from './reader.js';
import { listSegments, segmentPath } from './segment.js';

/** Samples handed over at once: small enough to apply well within one event-loop turn. */
export const SAMPLES_PER_BATCH = 8192;

/** Worker feed flow control, slots of a shared Int32Array: messages posted and not yet applied; 1 to stop. */
export const IN_FLIGHT = 0;
export const STOP = 1;
/** Messages a worker feed may run ahead of the replaying thread (a large WAL is never all in memory). */
export const MAX_IN_FLIGHT = 8;

/** A directory of segments to replay from segment `from` on (a checkpoint, then the WAL itself). */
export interface FeedPart {
  readonly dir: string;
  readonly from: number;
}

export type FeedMessage =
  | { readonly kind: 'series'; readonly part: number; readonly rec: Uint8Array }
  | { readonly kind: 'samples'; readonly part: number; readonly n: number; readonly refs: Float64Array; readonly ts: Float64Array; readonly vs: Float64Array }
  /** A part ended at damage: the fields of its WalCorruptionError. The feed goes on with the next part. */
  | { readonly kind: 'damage'; readonly part: number; readonly file: string; readonly segment: number; readonly offset: number; readonly detectedAt: number; readonly reason: string }
  /** A record that is whole but malformed (a CorruptionError): the feed stops. */
  | { readonly kind: 'malformed'; readonly file: string; readonly section: string; readonly offset: number; readonly message: string }
  | { readonly kind: 'end'; readonly records: number };

/** The fresh ArrayBuffers a message owns (to transfer them to another thread). */
export function ownedBuffers(m: FeedMessage): ArrayBuffer[] {
  if (m.kind === 'series') return [m.rec.buffer as ArrayBuffer];
  if (m.kind === 'samples') return [m.refs.buffer as ArrayBuffer, m.ts.buffer as ArrayBuffer, m.vs.buffer as ArrayBuffer];
  return [];
}

export function damageError(m: Extract<FeedMessage, { kind: 'damage' }>): WalCorruptionError {
  return new WalCorruptionError(m.file, m.segment, m.offset, m.detectedAt, m.reason);
}

export function malformedError(m: Extract<FeedMessage, { kind: 'malformed' }>): CorruptionError {
  const e = new CorruptionError(m.file, m.section, m.offset, '');
  e.message = m.message;
  return e;
}

/** Messages for `parts` in order; every buffer in a message is its own (nothing is reused afterwards). */
export function* walFeed(parts: readonly FeedPart[]): Generator<FeedMessage> {
  let records = 0;
  for (let part = 0; part < parts.length; part++) {
    const { dir, from } = parts[part]!;
    let cols = newSampleColumns(SAMPLES_PER_BATCH);
    const flush = (): FeedMessage => {
      const m: FeedMessage = { kind: 'samples', part, n: cols.n, refs: cols.refs, ts: cols.ts, vs: cols.vs };
      cols = newSampleColumns(SAMPLES_PER_BATCH);
      return m;
    };
    try {
      for (const s of listSegments(dir)) {
        if (s < from) continue;
        const file = segmentPath(dir, s);
        for (const r of readSegmentRecords(readFileSync(file), file, s)) {
          records++;
          const rec = r.data;
          if (rec[0] === RecordType.Samples) {
            decodeSamplesInto(rec, cols, dir);
            if (cols.n >= SAMPLES_PER_BATCH) yield flush();
          } else if (rec[0] === RecordType.Series) {
            if (cols.n > 0) yield flush();
            // A copy of its own (a Buffer's slice() would be a view of the segment or of a native Snappy output,
            // and transferring its ArrayBuffer to another thread would take the whole segment with it).
            yield { kind: 'series', part, rec: new Uint8Array(rec) };
          }
          // Tombstones, exemplars and metadata stay in the WAL (and checkpoints) but are not used by the head yet.
        }
      }
      if (cols.n > 0) yield flush();
    } catch (err) {
      if (cols.n > 0) yield flush();
      if (err instanceof WalCorruptionError) {
        yield { kind: 'damage', part, file: err.file, segment: err.segment, offset: err.offset, detectedAt: err.detectedAt, reason: err.reason };
        continue;
      }
      if (err instanceof CorruptionError) {
        yield { kind: 'malformed', file: err.file, section: err.section, offset: err.offset, message: err.message };
        return;
      }
      throw err;
    }
  }
  yield { kind: 'end', records };
}
