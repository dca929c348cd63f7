// The Bucket boundary (upstream thanos-io/objstore `objstore.go`): the only thing providers implement. Retries,
// metrics, prefixes and caching wrap a Bucket and are Buckets themselves.
import type { Readable } from 'node:stream';

/** Size and modification time of one object. */
export interface ObjectAttributes {
  /** Size in bytes. */
  readonly size: number;
  /** Last modification time; providers store it with (at best) second precision on some backends. */
  readonly lastModified: Date;
}

/** Options every operation accepts. Aborting rejects the pending operation with an AbortError (or the signal's reason). */
export interface OpOptions {
  readonly signal?: AbortSignal;
}

export interface IterOptions extends OpOptions {
  /**
   * false (default): yield the objects directly under `dir` and one entry per sub-"directory", the latter ending in
   * `/`. true: yield every object under `dir` at any depth, and never a directory entry.
   */
  readonly recursive?: boolean;
}

/** What upload() accepts: a byte stream (read once, to its end) or bytes already in memory. */
export type UploadBody = Readable | Uint8Array;

/**
 * Read access to a bucket. Object names are `/`-separated keys without a leading `/` (`01H.../chunks/000001`).
 * "Directories" exist only as common prefixes of names.
 *
 * Errors: an operation on a missing object rejects with an error for which `isNotFoundError(err)` is true
 * (every provider in this folder uses `NotFoundError` from src/runtime/errors.ts, but wrappers and callers must
 * ask `isNotFoundError`, not `instanceof`). Other failures reject with the provider's error, wrapped once with the
 * operation and object name in the message.
 */
export interface BucketReader {
  /**
   * Lists names under `dir` (`''` is the root; a trailing `/` on `dir` is optional). Names are full names from the
   * bucket root, e.g. iter('a') yields `a/b.json` and `a/c/`. Order is unspecified (most providers yield
   * lexicographic order); callers that need an order sort. A missing `dir` yields nothing (no error).
   */
  iter(dir: string, options?: IterOptions): AsyncIterable<string>;

  /**
   * Opens the whole object for reading. Rejects (before any byte is delivered) when the object does not exist.
   * The caller must consume or destroy the returned stream.
   */
  get(name: string, options?: OpOptions): Promise<Readable>;

  /**
   * Opens `length` bytes starting at `offset` (both >= 0; `length` -1 means "to the end"). A range that runs past
   * the end is cut at the end; an `offset` at or past the end yields an empty stream. Rejects when the object is missing.
   */
  getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable>;

  /** Whether the object exists. Never rejects for a missing object. */
  exists(name: string, options?: OpOptions): Promise<boolean>;

  /** Size and last-modified time of an object; rejects with a not-found error when it is missing. */
  attributes(name: string, options?: OpOptions): Promise<ObjectAttributes>;

  /** Whether `err` (as thrown by this bucket) means "the object does not exist". */
  isNotFoundError(err: unknown): boolean;
}

/** A bucket that can also be written. Created by `createBucket` (config.ts); `close()` once done with it. */
export interface Bucket extends BucketReader {
  /** Bucket/container name (or directory for FILESYSTEM), used as the `bucket` metric label. */
  readonly name: string;
  /** Provider type as written in config, upper case (`S3`, `GCS`, `AZURE`, `SWIFT`, `FILESYSTEM`, `MEMORY`). */
  readonly provider: string;

  /**
   * Writes an object, replacing any existing one. The object becomes visible only when the whole body was stored:
   * when the body stream errors or the signal aborts mid-way, upload rejects and no (partial) object is left.
   * Large bodies go as multipart/segmented uploads where the provider needs it.
   */
  upload(name: string, body: UploadBody, options?: OpOptions): Promise<void>;

  /** Removes an object. Idempotent: deleting a missing object succeeds. */
  delete(name: string, options?: OpOptions): Promise<void>;

  /** Releases connections and timers. The bucket must not be used afterwards. */
  close(): Promise<void>;
}

/** Joins name parts with `/`, dropping empty parts and duplicate separators at the joints. */
export function joinObjectName(...parts: string[]): string {
  return parts.filter((p) => p !== '').map((p, i) => (i === 0 ? p.replace(/\/+$/, '') : p.replace(/^\/+|\/+$/g, '')))
    .filter((p) => p !== '').join('/');
}

/** `dir` normalised for listing: '' for the root, else ending in exactly one `/`. */
export function dirPrefix(dir: string): string {
  const d = dir.replace(/^\/+/, '').replace(/\/+$/, '');
  return d === '' ? '' : d + '/';
}

/** `exists` for providers without a cheaper call: asks for the attributes and treats not-found as false. */
export async function existsByAttributes(bucket: BucketReader, name: string, options?: OpOptions): Promise<boolean> {
  try {
    await bucket.attributes(name, options);
    return true;
  } catch (err) {
    if (bucket.isNotFoundError(err)) return false;
    throw err;
  }
}
