// A Bucket whose every operation is a span (upstream objstore's TracingBucket: bucket_get, bucket_get_range, …),
// installed only with --tracing.config. A read's span lasts until its stream ends, as its duration metric does.
import type { Readable } from 'node:stream';
import { startSpan, withSpan } from '../runtime/tracing/spans.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from './bucket.js';

export class TracedBucket implements Bucket {
  constructor(private readonly inner: Bucket) {}

  get name(): string { return this.inner.name; }
  get provider(): string { return this.inner.provider; }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    // A generator cannot run inside a callback: collect the names within the span (listings are bounded).
    const names = await withSpan('bucket_iter', { 'objstore.dir': dir, 'objstore.bucket': this.inner.name }, async () => {
      const out: string[] = [];
      for await (const n of this.inner.iter(dir, options)) out.push(n);
      return out;
    });
    yield* names;
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.read('bucket_get', name, {}, () => this.inner.get(name, options));
  }

  getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    return this.read('bucket_get_range', name, { 'objstore.offset': offset, 'objstore.length': length }, () => this.inner.getRange(name, offset, length, options));
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return withSpan('bucket_exists', this.attrs(name), () => this.inner.exists(name, options));
  }

  attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    return withSpan('bucket_attributes', this.attrs(name), () => this.inner.attributes(name, options));
  }

  isNotFoundError(err: unknown): boolean { return this.inner.isNotFoundError(err); }

  upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    return withSpan('bucket_upload', this.attrs(name), () => this.inner.upload(name, body, options));
  }

  delete(name: string, options?: OpOptions): Promise<void> {
    return withSpan('bucket_delete', this.attrs(name), () => this.inner.delete(name, options));
  }

  close(): Promise<void> { return this.inner.close(); }

  private attrs(name: string): Record<string, string> {
    return { 'objstore.name': name, 'objstore.bucket': this.inner.name };
  }

  private async read(op: string, name: string, extra: Record<string, number>, open: () => Promise<Readable>): Promise<Readable> {
    const span = startSpan(op, { ...this.attrs(name), ...extra });
    let stream: Readable;
    try {
      stream = await open();
    } catch (err) {
      span.end(err);
      throw err;
    }
    // The caller reads the stream after this returns: the span ends with it.
    stream.once('end', () => span.end()).once('error', (err) => span.end(err)).once('close', () => span.end());
    return stream;
  }
}
