// A Bucket that retries transient failures (unavailable servers, connection resets, 5xx/429) with exponential
// backoff and jitter. Uploads of streams are never retried: a consumed stream cannot be replayed.
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { isThanosError } from '../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from './bucket.js';

export interface RetryOptions {
  /** Attempts in total, including the first. Default 3. */
  readonly maxAttempts?: number;
  /** First backoff; doubles each attempt up to maxDelayMs. Default 100 ms. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Decides whether an error is worth another attempt. Default: isTransientError. */
  readonly isTransient?: (err: unknown) => boolean;
  /** Injected for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET', 'ECONNABORTED']);

/** Unavailable errors, network-level failures, and HTTP 429/5xx, searched along the `cause` chain. */
export function isTransientError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (isThanosError(e)) {
      if (e.code === 'THANOS_UNAVAILABLE') return true;
      if (e.code !== 'THANOS_BUG') { e = e.cause; continue; }
      return false;
    }
    if (typeof e !== 'object') return false;
    const o = e as { code?: unknown; statusCode?: unknown; $metadata?: { httpStatusCode?: unknown }; cause?: unknown };
    if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) return true;
    const status = typeof o.statusCode === 'number' ? o.statusCode : o.$metadata?.httpStatusCode;
    if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
    e = o.cause;
  }
  return false;
}

export class RetryingBucket implements Bucket {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly isTransient: (err: unknown) => boolean;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly inner: Bucket, options: RetryOptions = {}) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.isTransient = options.isTransient ?? isTransientError;
    this.sleep = options.sleep ?? ((ms, signal) => sleep(ms, undefined, signal ? { signal } : undefined));
  }

  get name(): string { return this.inner.name; }
  get provider(): string { return this.inner.provider; }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    // Retry only while nothing was yielded yet; a restart after that would repeat names.
    for (let attempt = 1; ; attempt++) {
      let yielded = false;
      try {
        for await (const n of this.inner.iter(dir, options)) {
          yielded = true;
          yield n;
        }
        return;
      } catch (err) {
        if (yielded || !this.shouldRetry(err, attempt)) throw err;
        await this.backoff(attempt, options?.signal);
      }
    }
  }

  get(name: string, options?: OpOptions): Promise<Readable> { return this.retry(() => this.inner.get(name, options), options); }
  getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    return this.retry(() => this.inner.getRange(name, offset, length, options), options);
  }
  exists(name: string, options?: OpOptions): Promise<boolean> { return this.retry(() => this.inner.exists(name, options), options); }
  attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> { return this.retry(() => this.inner.attributes(name, options), options); }
  isNotFoundError(err: unknown): boolean { return this.inner.isNotFoundError(err); }

  upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    if (!(body instanceof Uint8Array)) return this.inner.upload(name, body, options);
    return this.retry(() => this.inner.upload(name, body, options), options);
  }

  delete(name: string, options?: OpOptions): Promise<void> { return this.retry(() => this.inner.delete(name, options), options); }
  close(): Promise<void> { return this.inner.close(); }

  private shouldRetry(err: unknown, attempt: number): boolean {
    return attempt < this.maxAttempts && !this.inner.isNotFoundError(err) && this.isTransient(err);
  }

  private backoff(attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return this.sleep(cap / 2 + Math.random() * (cap / 2), signal);
  }

  private async retry<T>(f: () => Promise<T>, options: OpOptions | undefined): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await f();
      } catch (err) {
        if (!this.shouldRetry(err, attempt)) throw err;
        await this.backoff(attempt, options?.signal);
      }
    }
  }
}
