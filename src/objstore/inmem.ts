// In-memory Bucket for unit tests and the MEMORY type; honours the whole Bucket contract (atomic uploads, ranges).
import { Readable } from 'node:stream';
import { NotFoundError } from '../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from './bucket.js';
import { listNames } from './listing.js';
import { checkObjectName, checkRange, readAll, throwIfAborted, toBuffer } from './streams.js';

interface Entry {
  readonly data: Buffer;
  readonly lastModified: Date;
}

export interface InMemoryBucketOptions {
  readonly name?: string;
  /** Injected clock for lastModified. */
  readonly now?: () => Date;
}

export class InMemoryBucket implements Bucket {
  readonly name: string;
  readonly provider = 'MEMORY';
  private readonly objects = new Map<string, Entry>();
  private readonly now: () => Date;

  constructor(options: InMemoryBucketOptions = {}) {
    this.name = options.name ?? 'inmem';
    this.now = options.now ?? (() => new Date());
  }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    throwIfAborted(options?.signal);
    const names = [...this.objects.keys()].sort();
    yield* listNames(names, dir, options?.recursive ?? false);
  }

  async get(name: string, options?: OpOptions): Promise<Readable> {
    return this.getRange(name, 0, -1, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    throwIfAborted(options?.signal);
    const e = this.entry(name);
    const end = length < 0 ? e.data.length : Math.min(e.data.length, offset + length);
    const part = offset >= e.data.length ? Buffer.alloc(0) : e.data.subarray(offset, end);
    return Readable.from(part.length === 0 ? [] : [part]);
  }

  async exists(name: string, options?: OpOptions): Promise<boolean> {
    throwIfAborted(options?.signal);
    return this.objects.has(name);
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    throwIfAborted(options?.signal);
    const e = this.entry(name);
    return { size: e.data.length, lastModified: e.lastModified };
  }

  isNotFoundError(err: unknown): boolean {
    return err instanceof NotFoundError;
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    // Copy in-memory bodies so later mutation by the caller cannot change the stored object.
    const data = body instanceof Uint8Array ? Buffer.from(toBuffer(body)) : await readAll(body, options?.signal);
    throwIfAborted(options?.signal);
    this.objects.set(name, { data, lastModified: this.now() });
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    throwIfAborted(options?.signal);
    this.objects.delete(name);
  }

  async close(): Promise<void> {}

  private entry(name: string): Entry {
    const e = this.objects.get(name);
    if (!e) throw new NotFoundError(`object ${name} in bucket ${this.name}`);
    return e;
  }
}
