// A head appender: collects one batch of samples, checked as they come (typed errors for out-of-order, duplicate
// and out-of-bounds samples), and Commit makes the whole batch durable in the WAL and then visible, or nothing.

import { BugError } from '../../runtime/errors.js';
import { Encoder } from '../encoding/encoder.js';
import type { Labels } from '../labels/labels.js';
import { formatLabels } from '../labels/labels.js';
import type { SampleColumns, SeriesEntry } from '../wal/records.js';
import { encodeSamples, encodeSeries, growSampleColumns, newSampleColumns } from '../wal/records.js';
import { DuplicateSampleError, OutOfBoundsError, OutOfOrderSampleError } from './errors.js';
import type { Head } from './head.js';
import type { MemSeries } from './series.js';

const f64 = new Float64Array(2);
const u32 = new Uint32Array(f64.buffer);

function sameBits(a: number, b: number): boolean {
  f64[0] = a;
  f64[1] = b;
  return u32[0] === u32[2] && u32[1] === u32[3];
}

interface Newest { t: number; v: number }

export class HeadAppender {
  private readonly cols: SampleColumns = newSampleColumns(64);
  private series: MemSeries[] = [];
  private readonly created: MemSeries[] = [];
  private readonly newest = new Map<MemSeries, Newest>();
  private readonly startCommits: number;
  private done = false;

  constructor(private readonly head: Head, private readonly minValidTime: number) {
    this.startCommits = head.commits;
  }

  /** Number of samples in the batch. */
  get length(): number {
    return this.cols.n;
  }

  /**
   * Adds a sample to the batch and returns its series ref. Throws OutOfBoundsError, OutOfOrderSampleError or
   * DuplicateSampleError (the sample is then not in the batch; the rest of the batch is unaffected). A sample
   * identical to the newest one (same time, same value bits) is accepted and dropped, as Prometheus does.
   */
  append(labels: Labels, t: number, v: number): number {
    const { series, created } = this.head.getOrCreate(labels);
    if (created) this.created.push(series);
    this.add(series, t, v);
    return series.ref;
  }

  /** As append, for a series ref returned earlier; false when the head no longer has that series. */
  appendRef(ref: number, t: number, v: number): boolean {
    const s = this.head.get(ref);
    if (!s) return false;
    this.add(s, t, v);
    return true;
  }

  private add(s: MemSeries, t: number, v: number): void {
    if (this.done) throw new BugError('appender used after commit or rollback');
    if (!Number.isSafeInteger(t)) throw new OutOfBoundsError(t, this.minValidTime, formatLabels(s.labels));
    if (t < this.minValidTime) throw new OutOfBoundsError(t, this.minValidTime, formatLabels(s.labels));
    const p = this.newest.get(s);
    const newestT = p ? p.t : s.maxTime;
    if (t < newestT) throw new OutOfOrderSampleError(t, newestT, formatLabels(s.labels));
    if (t === newestT) {
      if (sameBits(v, p ? p.v : s.lastValue)) return;
      throw new DuplicateSampleError(t, formatLabels(s.labels));
    }
    if (p) { p.t = t; p.v = v; } else this.newest.set(s, { t, v });
    const c = this.cols;
    growSampleColumns(c, c.n + 1);
    c.refs[c.n] = s.ref;
    c.ts[c.n] = t;
    c.vs[c.n] = v;
    this.series[c.n] = s;
    c.n++;
  }

  /**
   * Writes the batch's new series and samples to the WAL (returns once written; see the durability notes in
   * docs/architecture.md), then adds the samples to the head. If another commit since made a sample of this batch
   * out of order, nothing is written or added and the error is thrown.
   */
  commit(): void {
    if (this.done) throw new BugError('appender committed twice');
    this.done = true;
    const c = this.cols;
    if (this.head.commits !== this.startCommits) this.recheck();
    const wal = this.head.wal;
    if (wal) {
      const enc = new Encoder(Math.max(1024, c.n * 12 + 32));
      const recs: Uint8Array[] = [];
      if (this.created.length > 0) recs.push(encodeSeries(this.created.map(toEntry)).slice());
      if (c.n > 0) recs.push(encodeSamples(c, enc));
      if (recs.length > 0) wal.log(...recs);
    }
    const range = this.head.chunkRange;
    const arena = this.head.arena;
    let mint = Infinity, maxt = -Infinity;
    for (let i = 0; i < c.n; i++) {
      const t = c.ts[i]!;
      this.series[i]!.append(t, c.vs[i]!, range, arena);
      if (t < mint) mint = t;
      if (t > maxt) maxt = t;
    }
    if (c.n > 0) this.head.noteRange(mint, maxt);
    this.head.commits++;
    this.series = [];
  }

  /** Another appender committed since this batch was checked: check again against the head as it is now. */
  private recheck(): void {
    const c = this.cols;
    const seen = new Map<MemSeries, number>();
    for (let i = 0; i < c.n; i++) {
      const s = this.series[i]!;
      const t = c.ts[i]!;
      const newestT = seen.get(s) ?? s.maxTime;
      if (t <= newestT) {
        this.rollbackSeries();
        throw t === newestT ? new DuplicateSampleError(t, formatLabels(s.labels)) : new OutOfOrderSampleError(t, newestT, formatLabels(s.labels));
      }
      seen.set(s, t);
    }
  }

  /** Discards the batch. Series it created stay in the head (and are logged), as Prometheus does. */
  rollback(): void {
    if (this.done) return;
    this.done = true;
    this.rollbackSeries();
  }

  private rollbackSeries(): void {
    if (this.head.wal && this.created.length > 0) this.head.wal.log(encodeSeries(this.created.map(toEntry)));
    this.series = [];
    this.cols.n = 0;
  }
}

function toEntry(s: MemSeries): SeriesEntry {
  return { ref: s.ref, labels: s.labels };
}
