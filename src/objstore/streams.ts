// Small stream and abort helpers shared by providers: collecting bodies, chunking them into parts, empty streams.
import { Readable } from 'node:stream';
import { AbortError, InvalidArgumentError } from '../runtime/errors.js';
import type { ObjectAttributes, OpOptions, UploadBody } from './bucket.js';

/** Rejects with AbortError when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('operation aborted', { cause: signal.reason });
}

/** Reads a whole stream into one Buffer (concatenated once, with the known total). */
export async function readAll(stream: AsyncIterable<unknown>, signal?: AbortSignal): Promise<Buffer> {
  // Readables are drained through events: cheaper than the async iterator for the many small reads of index/chunks.
  if (stream instanceof Readable && !signal) return drain(stream);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of stream) {
    throwIfAborted(signal);
    const b = toBuffer(c);
    chunks.push(b);
    total += b.length;
  }
  throwIfAborted(signal);
  return Buffer.concat(chunks, total);
}

function drain(r: Readable): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    r.on('data', (c: unknown) => {
      try {
        const b = toBuffer(c);
        chunks.push(b);
        total += b.length;
      } catch (err) {
        r.destroy(err as Error);
      }
    });
    let ended = r.readableEnded;
    if (ended) resolve(Buffer.alloc(0));
    r.once('end', () => {
      ended = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
    });
    r.once('error', reject);
    r.once('close', () => { if (!ended) reject(new Error('stream closed before its end')); });
  });
}

/** A finished stream holding one buffer. */
export function streamOfBuffer(b: Buffer): Readable {
  const r = new Readable({ read() {} });
  if (b.length > 0) r.push(b);
  r.push(null);
  return r;
}

export function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (typeof c === 'string') return Buffer.from(c);
  throw new InvalidArgumentError(`upload body yielded a ${typeof c}, want bytes`);
}

/**
 * Cuts a body into parts of exactly `partSize` bytes (the last may be shorter, and an empty body yields one empty
 * part). Bytes in memory are cut without copying; a stream is buffered one part at a time, so memory stays ~partSize.
 */
export async function* partsOf(body: UploadBody, partSize: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (body instanceof Uint8Array) {
    const b = toBuffer(body);
    if (b.length === 0) yield b;
    for (let off = 0; off < b.length; off += partSize) yield b.subarray(off, Math.min(off + partSize, b.length));
    return;
  }
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let emitted = false;
  for await (const c of body) {
    throwIfAborted(signal);
    let b = toBuffer(c);
    while (pendingLen + b.length >= partSize) {
      const take = partSize - pendingLen;
      pending.push(b.subarray(0, take));
      yield Buffer.concat(pending, partSize);
      emitted = true;
      b = b.subarray(take);
      pending = [];
      pendingLen = 0;
    }
    if (b.length > 0) {
      pending.push(b);
      pendingLen += b.length;
    }
  }
  throwIfAborted(signal);
  if (pendingLen > 0 || !emitted) yield Buffer.concat(pending, pendingLen);
}

export function emptyStream(): Readable {
  return Readable.from([]);
}

/**
 * A getRange of length 0, for every provider: no bytes, but the object must exist (a missing one is not-found, as
 * for any read). SDKs read count 0 as "to the end", so this must not reach them.
 */
export async function emptyRange(bucket: { attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> }, name: string, options?: OpOptions): Promise<Readable> {
  await bucket.attributes(name, options);
  return emptyStream();
}

/** Validates getRange arguments once for every provider. */
export function checkRange(name: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidArgumentError(`get range of ${name}: offset ${offset} must be a non-negative integer`);
  if (!Number.isSafeInteger(length) || length < -1) throw new InvalidArgumentError(`get range of ${name}: length ${length} must be -1 or a non-negative integer`);
}

/** Rejects names that could escape a directory or are empty. */
export function checkObjectName(name: string): void {
  if (name === '' || name.startsWith('/') || name.split('/').some((p) => p === '..' || p === '.')) {
    throw new InvalidArgumentError(`invalid object name ${JSON.stringify(name)}`);
  }
}

/**
 * Bytes [skip, skip+take) of a stream (take -1: to the end), for servers that ignore a Range header and answer
 * 200 with the whole object. Stops reading (and destroys the source) once `take` bytes were passed on.
 */
export function sliceStream(src: AsyncIterable<unknown> & { destroy?: () => void }, skip: number, take: number): Readable {
  return Readable.from((async function* () {
    let toSkip = skip;
    let left = take < 0 ? Infinity : take;
    for await (const c of src) {
      let b = toBuffer(c);
      if (toSkip > 0) {
        const n = Math.min(toSkip, b.length);
        b = b.subarray(n);
        toSkip -= n;
      }
      if (b.length === 0) continue;
      if (b.length >= left) {
        yield b.subarray(0, left);
        return;
      }
      left -= b.length;
      yield b;
    }
  })());
}
