// A block written series by series by a merge (compaction, downsampling): chunk segments and a streamed index under
// `<ulid>.tmp-for-creation`, then meta.json and a durable rename, so a crash leaves either no block or a whole one.
//
//   const out = await StreamedBlock.create(destDir, id, {});
//   try { ...out.segments.add(...); await out.index.addSeries(...); return await out.publish(meta); }
//   catch (err) { await out.discard(); throw err; }

import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fsyncDir } from '../fsync.js';
import { SegmentWriter } from '../chunks/segment-writer.js';
import { IndexFileWriter } from '../index/file-writer.js';
import { writeMeta, type BlockMeta } from './meta.js';
import { EMPTY_TOMBSTONES, writeTombstones } from './tombstones.js';

/** Suffix of a block directory still being written (Prometheus's tmpForCreationBlockDirSuffix). */
export const TMP_FOR_CREATION = '.tmp-for-creation';

export class StreamedBlock {
  private constructor(
    readonly dir: string,
    readonly tmp: string,
    readonly segments: SegmentWriter,
    readonly index: IndexFileWriter,
  ) {}

  /** Starts `<destDir>/<id>.tmp-for-creation` afresh (a leftover of that name is removed). */
  static async create(destDir: string, id: string, opts: { segmentSize?: number }): Promise<StreamedBlock> {
    const tmp = join(destDir, `${id}${TMP_FOR_CREATION}`);
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp, { recursive: true });
    const segments = await SegmentWriter.create(join(tmp, 'chunks'), opts.segmentSize !== undefined ? { segmentSize: opts.segmentSize } : {});
    try {
      return new StreamedBlock(join(destDir, id), tmp, segments, await IndexFileWriter.create(join(tmp, 'index')));
    } catch (err) {
      await segments.abort();
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  /** Closes the chunk segments and the index (their data fsynced); then `publish` or `discard`. */
  async close(): Promise<void> {
    await this.segments.close();
    await this.index.finish();
  }

  /** After `close`: writes empty tombstones and meta.json, renames the directory into place durably; returns it. */
  async publish(meta: BlockMeta): Promise<string> {
    await writeTombstones(this.tmp, EMPTY_TOMBSTONES);
    await writeMeta(this.tmp, meta);
    await fsyncDir(this.tmp);
    await fsyncDir(join(this.tmp, 'chunks'));
    await rename(this.tmp, this.dir);
    await fsyncDir(dirname(this.dir));
    return this.dir;
  }

  /** Removes the unfinished directory (after a failure, or when the result would be empty). */
  async discard(): Promise<void> {
    await this.segments.abort();
    await this.index.abort();
    await rm(this.tmp, { recursive: true, force: true });
  }
}
