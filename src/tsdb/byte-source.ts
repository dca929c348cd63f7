// The ByteSource boundary: random-access reads that a local file and an object-storage range GET both provide,
// so one index/chunk decoder serves both (Prometheus's ByteSlice, made async).

import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { CorruptionError } from '../runtime/errors.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly length: number;
  /** A human name for errors (file path or object key). */
  readonly name: string;
  /**
   * Reads exactly `length` bytes at `offset`. Rejects with CorruptionError when the range is outside the
   * source. The returned bytes belong to the caller (they are never reused by the source).
   */
  read(offset: number, length: number): Promise<Uint8Array>;
}

function checkRange(src: ByteSource, offset: number, length: number): void {
  if (offset < 0 || length < 0 || offset + length > src.length || !Number.isSafeInteger(offset + length)) {
    throw new CorruptionError(src.name, 'range', offset, `read of ${length} bytes past end of ${src.length}-byte source`);
  }
}

export class MemoryByteSource implements ByteSource {
  readonly length: number;
  constructor(private readonly data: Uint8Array, readonly name = 'memory') {
    this.length = data.length;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.data.subarray(offset, offset + length);
  }

  /** Synchronous access for callers that know they hold an in-memory source. */
  bytes(): Uint8Array {
    return this.data;
  }
}

/** A local file read by range. Call close() when done. */
export class FileByteSource implements ByteSource {
  private constructor(private readonly fh: FileHandle, readonly length: number, readonly name: string) {}

  static async open(path: string): Promise<FileByteSource> {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      return new FileByteSource(fh, st.size, path);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw new CorruptionError(this.name, 'range', offset + done, 'file shrank while reading');
      done += bytesRead;
    }
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }

  /**
   * Reads exactly `length` bytes at `offset` into `target` (from its start) and returns that view of it: for
   * readers that recycle their buffers instead of allocating one per read.
   */
  async readInto(target: Uint8Array, offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    if (length > target.length) throw new RangeError(`read of ${length} bytes into a ${target.length}-byte buffer`);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(target, done, length - done, offset + done);
      if (bytesRead === 0) throw new CorruptionError(this.name, 'range', offset + done, 'file shrank while reading');
      done += bytesRead;
    }
    return target.subarray(0, length);
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}
