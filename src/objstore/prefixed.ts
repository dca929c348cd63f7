// A Bucket that keeps every object under a fixed key prefix (upstream prefixed_bucket.go; the config's `prefix:`).
import type { Readable } from 'node:stream';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from './bucket.js';
import { dirPrefix } from './bucket.js';

export class PrefixedBucket implements Bucket {
  private readonly prefix: string;

  constructor(private readonly inner: Bucket, prefix: string) {
    this.prefix = dirPrefix(prefix);
  }

  get name(): string { return this.inner.name; }
  get provider(): string { return this.inner.provider; }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    for await (const n of this.inner.iter(this.full(dirPrefix(dir)), options)) {
      if (n.startsWith(this.prefix)) yield n.slice(this.prefix.length);
    }
  }

  get(name: string, options?: OpOptions): Promise<Readable> { return this.inner.get(this.full(name), options); }
  getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    return this.inner.getRange(this.full(name), offset, length, options);
  }
  exists(name: string, options?: OpOptions): Promise<boolean> { return this.inner.exists(this.full(name), options); }
  attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> { return this.inner.attributes(this.full(name), options); }
  isNotFoundError(err: unknown): boolean { return this.inner.isNotFoundError(err); }
  upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> { return this.inner.upload(this.full(name), body, options); }
  delete(name: string, options?: OpOptions): Promise<void> { return this.inner.delete(this.full(name), options); }
  close(): Promise<void> { return this.inner.close(); }

  private full(name: string): string {
    return this.prefix + name.replace(/^\/+/, '');
  }
}
