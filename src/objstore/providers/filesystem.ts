// FILESYSTEM provider: objects are files under `directory` (upstream providers/filesystem; "testing/demo only" there,
// the embedded bucket of `standalone` here). Uploads go to a temp file renamed into place, so they are atomic; temp
// files a crashed writer left behind are removed when the bucket is opened.
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, readlink, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, errorMessage } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
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

/** Temp files of uploads in progress, `.thanos-upload-<writer>-<pid>-<random>`; never listed. */
const TMP_MARK = '.thanos-upload-';
const TMP_NAME = /^\.thanos-upload-([0-9a-f]{12})-(\d+)-[0-9a-f]+$/;
/**
 * A temp file whose writer cannot be checked (another machine or PID namespace, or a name from before writers were
 * recorded) is taken as abandoned once untouched for this long: a live upload writes as its data arrives.
 */
export const STALE_UPLOAD_AGE_MS = 60 * 60_000;

/**
 * Names the PID numbering this process lives in (host, boot, PID namespace): a temp file carrying the same writer ID
 * and a PID that no longer runs was left by a crash. Off Linux the host name alone.
 */
async function writerId(): Promise<string> {
  const parts = [os.hostname()];
  try {
    parts.push((await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(), await readlink('/proc/self/ns/pid'));
  } catch {
    // No procfs: PIDs are still checked, and a reused one only delays the cleanup until the file is stale.
  }
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 12);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // it exists, owned by someone else
  }
}

export const filesystemProvider: Provider<FilesystemConfig> = {
  type: 'FILESYSTEM',
  parse(f) {
    const directory = f.string('directory');
    f.done();
    if (directory === '') throw f.error('directory', 'is required');
    return { directory: path.resolve(directory) };
  },
  async create(config, deps) {
    await mkdir(config.directory, { recursive: true });
    const bucket = new FilesystemBucket(config.directory, { logger: deps.logger });
    bucket.startSweep();
    return bucket;
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

export interface FilesystemBucketOptions {
  readonly logger?: Logger;
  /** This process's writer ID (tests); default from the host, boot and PID namespace. */
  readonly writer?: string;
}

export class FilesystemBucket implements Bucket {
  readonly provider = 'FILESYSTEM';
  readonly name: string;
  private readonly logger: Logger;
  private readonly writer: Promise<string>;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly root: string, options: FilesystemBucketOptions = {}) {
    this.name = root;
    this.logger = options.logger ?? nopLogger;
    this.writer = options.writer !== undefined ? Promise.resolve(options.writer) : writerId();
  }

  /** Runs sweepAbandonedUploads in the background (close() waits for it); failures are logged, not thrown. */
  startSweep(): void {
    this.sweeping ??= this.sweepAbandonedUploads().then((n) => {
      if (n > 0) this.logger.info('removed temp files of uploads abandoned by a crash', { bucket: this.root, files: n });
    }, (err: unknown) => {
      this.logger.warn('cleaning up abandoned upload temp files failed', { bucket: this.root, err: errorMessage(err) });
    });
  }

  /**
   * Removes upload temp files whose writer is gone: written under this PID numbering by a process no longer running
   * (or by an earlier holder of this process's PID, before it started), or untouched for STALE_UPLOAD_AGE_MS when
   * the writer cannot be checked (another machine sharing the directory). A writer seen running keeps its file.
   * Returns how many were removed.
   */
  async sweepAbandonedUploads(now = Date.now()): Promise<number> {
    const writer = await this.writer;
    const started = now - process.uptime() * 1000;
    let removed = 0;
    const visit = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
        throw err;
      }
      for (const e of entries) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) await visit(full);
        else if (e.name.startsWith(TMP_MARK) && await this.abandoned(full, e.name, writer, started, now)) {
          await rm(full, { force: true });
          removed++;
        }
      }
    };
    await visit(this.root);
    return removed;
  }

  private async abandoned(file: string, name: string, writer: string, started: number, now: number): Promise<boolean> {
    let mtime: number;
    try {
      mtime = (await stat(file)).mtimeMs;
    } catch {
      return false; // renamed into place or removed meanwhile
    }
    const m = TMP_NAME.exec(name);
    if (m !== null && m[1] === writer) {
      const pid = Number(m[2]);
      if (pid === process.pid) return mtime < started;
      return !pidAlive(pid); // a live writer keeps its file however slow it is
    }
    return now - mtime > STALE_UPLOAD_AGE_MS;
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
    const tmp = path.join(dir, `${TMP_MARK}${await this.writer}-${process.pid}-${randomBytes(6).toString('hex')}`);
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

  async close(): Promise<void> {
    await this.sweeping;
  }

  private file(name: string): string {
    return path.join(this.root, ...name.split('/'));
  }
}
