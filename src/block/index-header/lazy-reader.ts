// Index-header lifecycle for one block: build the local index-header when missing (or unreadable), open it on first
// use, and, in lazy mode, drop the decoded tables after an idle period (upstream's lazy binary reader).

import { access, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BucketReader } from '../../objstore/bucket.js';
import { CorruptionError } from '../../runtime/errors.js';
import { nopLogger, type Logger } from '../../runtime/logger.js';
import type { ByteSource } from '../../tsdb/byte-source.js';
import type { IndexReader } from '../../tsdb/index/reader.js';
import { openIndexHeader, type OpenedIndexHeader } from './binary-reader.js';
import { INDEX_HEADER_FILENAME, buildIndexHeader } from './binary-writer.js';

export interface IndexHeaderReaderOptions {
  readonly logger?: Logger;
  /** Clock in ms for idle tracking. */
  readonly now?: () => number;
  /** Called after each build with the bytes read from the bucket (metrics, tests). */
  readonly onBuild?: (id: string, bytesRead: number) => void;
}

/** Owns one block's index-header: `<dir>/index-header`, built from `index` (the bucket's index as a ByteSource). */
export class IndexHeaderReader {
  private opened: OpenedIndexHeader | undefined;
  private loading: Promise<OpenedIndexHeader> | undefined;
  private users = 0;
  private lastUsed: number;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(
    private readonly bucket: BucketReader,
    readonly id: string,
    private readonly dir: string,
    private readonly index: ByteSource,
    private readonly options: IndexHeaderReaderOptions = {},
  ) {
    this.logger = options.logger ?? nopLogger;
    this.now = options.now ?? Date.now;
    this.lastUsed = this.now();
  }

  get file(): string {
    return path.join(this.dir, INDEX_HEADER_FILENAME);
  }

  get loaded(): boolean {
    return this.opened !== undefined;
  }

  /** Makes sure the index-header file exists (building it from the bucket when missing), without loading it. */
  async ensureFile(signal?: AbortSignal): Promise<void> {
    try {
      await access(this.file);
      return;
    } catch { /* build it */ }
    const st = await buildIndexHeader(this.bucket, this.id, this.dir, this.index.length, signal);
    this.logger.debug('built index-header', { block: this.id, bytes_read: st.bytesRead, index_size: st.indexSize });
    this.options.onBuild?.(this.id, st.bytesRead);
  }

  private async load(signal?: AbortSignal): Promise<OpenedIndexHeader> {
    await this.ensureFile(signal);
    try {
      return await openIndexHeader(this.file, this.index);
    } catch (err) {
      // A damaged local file is rebuilt once; damage in the bucket's index surfaces as the error it is.
      if (!(err instanceof CorruptionError) || err.file !== this.file) throw err;
      this.logger.warn('rebuilding unreadable index-header', { block: this.id, err: err.message });
      await rm(this.file, { force: true });
      await this.ensureFile(signal);
      return openIndexHeader(this.file, this.index);
    }
  }

  /** The index reader, loading it when needed. Pair every call with release(). */
  async acquire(signal?: AbortSignal): Promise<IndexReader> {
    this.users++;
    this.lastUsed = this.now();
    try {
      if (this.opened) return this.opened.reader;
      this.loading ??= this.load(signal).finally(() => { this.loading = undefined; });
      const o = await this.loading;
      this.opened = o;
      return o.reader;
    } catch (err) {
      this.users--;
      throw err;
    }
  }

  release(): void {
    this.users = Math.max(0, this.users - 1);
    this.lastUsed = this.now();
  }

  /** Drops the loaded tables when unused for `idleMs`; returns whether it did. */
  async unloadIfIdle(idleMs: number): Promise<boolean> {
    if (!this.opened || this.users > 0 || this.now() - this.lastUsed < idleMs) return false;
    const o = this.opened;
    this.opened = undefined;
    await o.close();
    return true;
  }

  async close(): Promise<void> {
    const o = this.opened;
    this.opened = undefined;
    await o?.close();
  }
}
