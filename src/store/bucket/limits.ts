// Bounds of one Series/label call (upstream --store.limits.request-series, --store.limits.request-samples,
// --store.grpc.downloaded-bytes-limit) and the process-wide chunk pool (--chunk-pool-size), all checked while
// data is being read, not after.

import { LimitError } from '../../runtime/errors.js';

/** Samples assumed per chunk when turning the samples limit into a chunks limit, as upstream. */
export const MAX_SAMPLES_PER_CHUNK = 120;

export interface RequestLimits {
  /** 0 = unlimited. */
  readonly series: number;
  readonly samples: number;
  readonly downloadedBytes: number;
}

export const NO_LIMITS: RequestLimits = { series: 0, samples: 0, downloadedBytes: 0 };

export class RequestLimiter {
  private series = 0;
  private chunks = 0;
  private bytes = 0;

  constructor(private readonly limits: RequestLimits) {}

  addSeries(n: number): void {
    this.series += n;
    const l = this.limits.series;
    if (l > 0 && this.series > l) throw new LimitError(`exceeded series limit: limit ${l} violated (got ${this.series})`, 'store.limits.request-series', this.series);
  }

  addChunks(n: number): void {
    this.chunks += n;
    const l = this.limits.samples;
    if (l > 0 && this.chunks * MAX_SAMPLES_PER_CHUNK > l) {
      throw new LimitError(`exceeded samples limit: limit ${l} violated (got ${this.chunks * MAX_SAMPLES_PER_CHUNK})`, 'store.limits.request-samples', this.chunks * MAX_SAMPLES_PER_CHUNK);
    }
  }

  /** Bytes downloaded so far are set absolutely (the per-request stats keep the running total). */
  setBytes(total: number): void {
    this.bytes = total;
    const l = this.limits.downloadedBytes;
    if (l > 0 && this.bytes > l) throw new LimitError(`exceeded bytes limit: limit ${l} violated (got ${this.bytes})`, 'store.grpc.downloaded-bytes-limit', this.bytes);
  }
}

/** Chunk bytes held by all requests at once; a request that would push it past the size fails. */
export class ChunkPool {
  private used = 0;

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Accounts `n` bytes; returns their release. */
  take(n: number): () => void {
    if (this.size > 0 && this.used + n > this.size) {
      throw new LimitError(`chunk pool exhausted: ${this.used} of ${this.size} bytes in use, ${n} more requested (--chunk-pool-size)`, 'chunk-pool-size', this.used + n);
    }
    this.used += n;
    let done = false;
    return () => { if (!done) { done = true; this.used -= n; } };
  }
}
