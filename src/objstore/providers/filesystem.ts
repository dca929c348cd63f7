// FILESYSTEM provider: objects are files under `directory` (upstream providers/filesystem; "testing/demo only" there,
// the embedded bucket of `standalone` here). Uploads go to a temp file renamed into place, so they are atomic.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../runtime/errors.js';
import type { Bucket, IterOptions, ObjectAttributes, OpOptions, UploadBody } from '../bucket.js';
import { dirPrefix, existsByAttributes } from '../bucket.js';
import type { Provider } from '../registry.js';
import { checkObjectName, checkRange, streamOfBuffer, throwIfAborted } from '../streams.js';

export interface FilesystemConfig {
  readonly directory: string;
}

/** Ranges up to this size are read with one positioned read; larger ones stream in STREAM_CHUNK pieces. */
const DIRECT_READ_MAX = 8 * 1024 * 1024;
const STREAM_CHUNK = 1024 * 1024;

/** Temp files of uploads in progress; never listed. */
const TMP_MARK = '.thanos-upload-';

export const filesystemProvider: Provider<FilesystemConfig> = {
  type: 'FILESYSTEM',
  parse(f) {
    const directory = f.string('directory');
    f.done();
    if (directory === '') throw f.error('directory', 'is required');
    return { directory: path.resolve(directory) };
  },
  async create(config) {
    await mkdir(config.directory, { recursive: true });
    return new FilesystemBucket(config.directory);
  },
};

/** Reads up to `n` bytes at `offset` and closes the handle (which must then not be used). */
async function readAt(fh: FileHandle, offset: number, n: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(n);
  let got = 0;
  while (got < n) {
    const r = await fh.read(buf, got, n - got, offset + got);
    if (r.bytesRead === 0) break;
    got += r.bytesRead;
  }
  await fh.close();
  return buf.subarray(0, got);
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes(String((err as { code?: unknown }).code));
}

export class FilesystemBucket implements Bucket {
  readonly provider = 'FILESYSTEM';
  readonly name: string;

  constructor(private readonly root: string) {
    this.name = root;
  }

  async *iter(dir: string, options?: IterOptions): AsyncGenerator<string> {
    throwIfAborted(options?.signal);
    const prefix = dirPrefix(dir);
    yield* this.walk(prefix, options?.recursive ?? false, options?.signal);
  }

  private async *walk(prefix: string, recursive: boolean, signal: AbortSignal | undefined): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(path.join(this.root, prefix), { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
      throw err;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      throwIfAborted(signal);
      if (e.name.startsWith(TMP_MARK)) continue;
      const name = prefix + e.name;
      if (e.isDirectory()) {
        if (recursive) yield* this.walk(name + '/', true, signal);
        // An empty directory (left by deletes elsewhere) is not a "directory" of any object.
        else if (await this.hasObjects(name)) yield name + '/';
      } else if (e.isFile()) {
        yield name;
      }
    }
  }

  private async hasObjects(dir: string): Promise<boolean> {
    for await (const _ of this.walk(dir + '/', true, undefined)) return true;
    return false;
  }

  get(name: string, options?: OpOptions): Promise<Readable> {
    return this.getRange(name, 0, -1, options);
  }

  async getRange(name: string, offset: number, length: number, options?: OpOptions): Promise<Readable> {
    checkRange(name, offset, length);
    checkObjectName(name);
    throwIfAborted(options?.signal);
    let fh: FileHandle;
    try {
      fh = await open(this.file(name), 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new NotFoundError(`object ${name} in ${this.root}`, { cause: err });
      throw err;
    }
    try {
      // Small bounded ranges (the common case: index and chunk reads) are one positioned read, without even a stat:
      // a short read means the object ended.
      if (length >= 0 && length <= DIRECT_READ_MAX) return streamOfBuffer(await readAt(fh, offset, length));
      const st = await fh.stat();
      if (!st.isFile()) throw new NotFoundError(`object ${name} in ${this.root}`);
      const end = length < 0 ? st.size : Math.min(st.size, offset + length);
      const n = Math.max(0, end - offset);
      if (n <= DIRECT_READ_MAX) return streamOfBuffer(await readAt(fh, offset, n));
      return fh.createReadStream({ start: offset, end: end - 1, highWaterMark: STREAM_CHUNK, ...(options?.signal ? { signal: options.signal } : {}) });
    } catch (err) {
      await fh.close();
      if (isErrno(err, 'EISDIR')) throw new NotFoundError(`object ${name} in ${this.root}`, { cause: err });
      throw err;
    }
  }

  exists(name: string, options?: OpOptions): Promise<boolean> {
    return existsByAttributes(this, name, options);
  }

  async attributes(name: string, options?: OpOptions): Promise<ObjectAttributes> {
    checkObjectName(name);
    throwIfAborted(options?.signal);
    try {
      const st = await stat(this.file(name));
      if (!st.isFile()) throw new NotFoundError(`object ${name} in ${this.root}`);
      return { size: st.size, lastModified: st.mtime };
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) throw new NotFoundError(`object ${name} in ${this.root}`, { cause: err });
      throw err;
    }
  }

  isNotFoundError(err: unknown): boolean {
    return err instanceof NotFoundError;
  }

  async upload(name: string, body: UploadBody, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    throwIfAborted(options?.signal);
    const target = this.file(name);
    const dir = path.dirname(target);
    const tmp = path.join(dir, `${TMP_MARK}${randomBytes(6).toString('hex')}`);
    const sig = options?.signal ? { signal: options.signal } : {};
    try {
      if (body instanceof Uint8Array) {
        // Bytes can be written twice, so the directory is created only when the first write finds it missing.
        try {
          await writeFile(tmp, body, sig);
        } catch (err) {
          if (!isErrno(err, 'ENOENT')) throw err;
          await mkdir(dir, { recursive: true });
          await writeFile(tmp, body, sig);
        }
      } else {
        await mkdir(dir, { recursive: true });
        await pipeline(body, createWriteStream(tmp), sig);
      }
      await rename(tmp, target);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async delete(name: string, options?: OpOptions): Promise<void> {
    checkObjectName(name);
    throwIfAborted(options?.signal);
    await rm(this.file(name), { force: true });
    // Remove directories left empty, up to (not including) the root, as upstream does.
    let dir = path.dirname(this.file(name));
    while (dir.startsWith(this.root + path.sep)) {
      try {
        await rmdir(dir);
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }

  async close(): Promise<void> {}

  private file(name: string): string {
    return path.join(this.root, ...name.split('/'));
  }
}
