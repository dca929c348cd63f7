// Writing one tenant's decoded request into its TSDB (upstream pkg/receive/writer.go): one appender per request,
// every valid sample appended, then one commit, so good samples are kept when others are refused. Refusals are
// counted by upstream's classes; the HTTP handler turns them into status codes. A Router (router.ts: hashring,
// replication) sits in front of it in the RouterIngestor mode.

import { DuplicateSampleError, OutOfBoundsError, OutOfOrderSampleError } from '../tsdb/head/errors.js';
import type { HeadAppender } from '../tsdb/head/appender.js';
import { formatLabels, type Label } from '../tsdb/labels/labels.js';
import type { WriteRequest } from './write-request.js';

/** What a write stored and what it refused. */
export interface WriteResult {
  readonly samplesWritten: number;
  /** Samples (or whole series, for bad labels) refused as conflicts: upstream answers 409 for these. */
  readonly conflicts: number;
  /** The first conflict's reason, for the 409 body. */
  readonly conflictReason: string | undefined;
  /** Samples this build cannot store (native histograms): 400 naming them, after the floats are stored. */
  readonly unsupported: number;
  readonly unsupportedReason: string | undefined;
  /** Per kind, for thanos_receive_* and prometheus_tsdb_* counters. */
  readonly outOfOrder: number;
  readonly duplicate: number;
  readonly outOfBounds: number;
  readonly badLabels: number;
}

/** Where requests go: the local TSDBs (LocalWriter), or the hashring (router.ts) in front of them and of peers. */
export interface TenantWriter {
  /**
   * Throws UnavailableError when the writes cannot be taken now (a TSDB replaying its WAL, peers down): a 503.
   * `replica` is the 1-based replica number of an already replicated request (THANOS-REPLICA header or the gRPC
   * field), 0 for a request from a client; only a router reads it.
   */
  write(tenant: string, req: WriteRequest, replica?: number): Promise<WriteResult>;
}

/** The local side a LocalWriter appends to (MultiTsdb). */
export interface TenantAppendables {
  /** An appender on the tenant's head, creating the tenant when new; UnavailableError while it replays. */
  appender(tenant: string): Promise<HeadAppender>;
  /** Series in the tenant's head now. */
  headSeries(tenant: string): number;
}

export interface LocalWriterOptions {
  /** --tsdb.too-far-in-future.time-window in ms; 0 = no check. */
  readonly tooFarInFutureMs: number;
  readonly now: () => number;
}

/** Upstream labelpb.ValidateLabels: non-empty, names non-empty and strictly increasing, values non-empty. */
export function labelsProblem(labels: readonly Label[]): string | undefined {
  if (labels.length === 0) return 'empty labels';
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l.name === '' || l.value === '') return 'empty label name or value';
    if (i > 0) {
      const p = labels[i - 1]!.name;
      if (p === l.name) return `duplicate label name ${JSON.stringify(l.name)}`;
      if (p > l.name) return 'labels out of order';
    }
  }
  return undefined;
}

export class LocalWriter implements TenantWriter {
  /**
   * Per tenant: the raw label bytes of a 1.0 request's series → its head series ref, so a known series is appended
   * by ref without building its label strings. A ref the head no longer has is looked up again by labels.
   */
  private readonly refs = new Map<string, Map<string, number>>();

  constructor(private readonly dbs: TenantAppendables, private readonly o: LocalWriterOptions) {}

  async write(tenant: string, req: WriteRequest): Promise<WriteResult> {
    const app = await this.dbs.appender(tenant);
    let refs = this.refs.get(tenant);
    if (!refs) this.refs.set(tenant, refs = new Map<string, number>());
    // Entries of series the head dropped are never hit again: start over once the map outgrows the head.
    if (refs.size > 2 * this.dbs.headSeries(tenant) + 10_000) refs.clear();
    const maxT = this.o.tooFarInFutureMs > 0 ? this.o.now() + this.o.tooFarInFutureMs : Infinity;
    let written = 0, conflicts = 0, outOfOrder = 0, duplicate = 0, outOfBounds = 0, badLabels = 0, unsupported = 0;
    let conflictReason: string | undefined;
    let unsupportedReason: string | undefined;
    const conflict = (reason: string): void => {
      conflicts++;
      conflictReason ??= reason;
    };
    const { ts, vs } = req;
    // No await between the first append and the commit: no other request's commit can interleave, so the
    // appender's checks stand and commit never has to re-check.
    try {
      for (const s of req.series) {
        if (s.histograms > 0) {
          unsupported += s.histograms;
          unsupportedReason ??= `native histogram samples are not supported yet (${formatLabels(req.labelsOf(s))})`;
        }
        if (s.from === s.to) continue;
        // A decode worker's hint when there is one (no label string built here at all), else this writer's map.
        const hinted = s.refHint !== undefined;
        let ref = hinted ? s.refHint! : s.key === undefined ? -1 : refs.get(s.key) ?? -1;
        for (let i = s.from; i < s.to; i++) {
          const t = ts[i]!;
          const v = vs[i]!;
          try {
            if (t > maxT) throw new OutOfBoundsError(t, -Infinity, `${formatLabels(req.labelsOf(s))} (more than --tsdb.too-far-in-future.time-window ahead)`);
            if (ref < 0 || !app.appendRef(ref, t, v)) {
              const labels = req.labelsOf(s);
              const problem = labelsProblem(labels);
              if (problem !== undefined) {
                badLabels++;
                conflict(`${problem}: ${formatLabels(labels)}`);
                break;
              }
              ref = app.append(labels, t, v);
              if (hinted) req.learned?.(s, ref);
              else if (s.key !== undefined) refs.set(s.key, ref);
            }
            written++;
          } catch (err) {
            if (err instanceof OutOfOrderSampleError) outOfOrder++;
            else if (err instanceof DuplicateSampleError) duplicate++;
            else if (err instanceof OutOfBoundsError) outOfBounds++;
            else throw err;
            conflict(err.message);
          }
        }
      }
      app.commit();
    } catch (err) {
      app.rollback();
      throw err;
    }
    return { samplesWritten: written, conflicts, conflictReason, unsupported, unsupportedReason, outOfOrder, duplicate, outOfBounds, badLabels };
  }
}
