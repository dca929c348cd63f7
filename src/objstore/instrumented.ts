// A Bucket that records upstream's metrics (objstore.go WrapWithMetrics): operations, failures and durations per
// operation and bucket. Reads are timed until their stream ends; expected not-found failures are not counted.
import type { Readable } from 'node:stream';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { isThanosError } from '../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from './bucket.js';

export const OPERATIONS = ['iter', 'get', 'get_range', 'exists', 'attributes', 'upload', 'delete'] as const;
export type Operation = (typeof OPERATIONS)[number];

const DURATION_BUCKETS = [0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120, 240, 360, 720];

interface Metrics {
  readonly ops: Counter<'operation' | 'bucket'>;
  readonly failures: Counter<'operation' | 'bucket'>;
  readonly duration: Histogram<'operation' | 'bucket'>;
  readonly lastUpload: Gauge<'bucket'>;
}

/** One set of metric objects per registry, so several buckets can share a registry. */
const perRegistry = new WeakMap<Registry, Metrics>();

function metricsFor(registry: Registry): Metrics {
  let m = perRegistry.get(registry);
  if (m) return m;
  const labelNames = ['operation', 'bucket'] as const;
  m = {
    ops: new Counter({ name: 'thanos_objstore_bucket_operations_total', help: 'Total number of all attempted operations against a bucket.', labelNames, registers: [registry] }),
    failures: new Counter({ name: 'thanos_objstore_bucket_operation_failures_total', help: 'Total number of operations against a bucket that failed, but were not expected to fail in certain way from caller perspective. Those errors have to be investigated.', labelNames, registers: [registry] }),
    duration: new Histogram({ name: 'thanos_objstore_bucket_operation_duration_seconds', help: 'Duration of successful operations against the remote bucket', labelNames, buckets: DURATION_BUCKETS, registers: [registry] }),
    lastUpload: new Gauge({ name: 'thanos_objstore_bucket_last_successful_upload_time', help: 'Second timestamp of the last successful upload to the bucket.', labelNames: ['bucket'], registers: [registry] }),
  };
  perRegistry.set(registry, m);
  return m;
}

export class InstrumentedBucket implements Bucket {
  private readonly m: Metrics;

  constructor(private readonly inner: Bucket, registry: Registry, private readonly now: () => number = () => performance.now()) {
    this.m = metricsFor(registry);
    // Zero-initialise every series so rate() works from the first scrape, as upstream does.
    for (const op of OPERATIONS) {
      this.m.ops.inc({ operation: op, bucket: inner.name }, 0);
      this.m.failures.inc({ operation: op, bucket: inner.name }, 0);
    }
    this.m.lastUpload.set({ bucket: inner.name }, 0);
  }

  get name(): string { return this.inner.name; }
  get provider(): string { return this.inner.provider; }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    const start = this.begin('iter');
    try {
      yield* this.inner.iter(dir, options);
    } catch (err) {
      this.fail('iter', err);
      throw err;
    }
    this.done('iter', start);
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.read('get', () => this.inner.get(name, options));
  }

  getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    return this.read('get_range', () => this.inner.getRange(name, offset, length, options));
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return this.timed('exists', () => this.inner.exists(name, options));
  }

  attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    return this.timed('attributes', () => this.inner.attributes(name, options));
  }

  isNotFoundError(err: unknown): boolean { return this.inner.isNotFoundError(err); }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    await this.timed('upload', () => this.inner.upload(name, body, options));
    this.m.lastUpload.set({ bucket: this.inner.name }, Math.floor(Date.now() / 1000));
  }

  delete(name: string, options?: OpOptions): Promise<void> {
    return this.timed('delete', () => this.inner.delete(name, options));
  }

  close(): Promise<void> { return this.inner.close(); }

  private begin(op: Operation): number {
    this.m.ops.inc({ operation: op, bucket: this.inner.name });
    return this.now();
  }

  private done(op: Operation, start: number): void {
    this.m.duration.observe({ operation: op, bucket: this.inner.name }, (this.now() - start) / 1000);
  }

  private fail(op: Operation, err: unknown): void {
    // Not-found on reads and aborts are outcomes the caller expects and handles; upstream does not count them.
    if (this.inner.isNotFoundError(err) || (isThanosError(err) && err.code === 'THANOS_ABORTED')) return;
    this.m.failures.inc({ operation: op, bucket: this.inner.name });
  }

  private async timed<T>(op: Operation, f: () => Promise<T>): Promise<T> {
    const start = this.begin(op);
    try {
      const v = await f();
      this.done(op, start);
      return v;
    } catch (err) {
      this.fail(op, err);
      throw err;
    }
  }

  private async read(op: Operation, open: () => Promise<Readable>): Promise<Readable> {
    const start = this.begin(op);
    let stream: Readable;
    try {
      stream = await open();
    } catch (err) {
      this.fail(op, err);
      throw err;
    }
    // The read lasts until its stream ends: time it then (upstream's timingReadCloser).
    let settled = false;
    stream.once('end', () => { if (!settled) { settled = true; this.done(op, start); } });
    stream.once('error', (err) => { if (!settled) { settled = true; this.fail(op, err); } });
    return stream;
  }
}
