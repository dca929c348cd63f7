// Uploading one local block to a bucket (upstream block.Upload): chunks, then index, then meta.json last, so a
// block without meta.json is recognisably partial. Tombstones stay local. The meta gets the `thanos` section.
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Bucket } from '../objstore/bucket.js';
import { joinObjectName } from '../objstore/bucket.js';
import type { ThanosFile, ThanosMeta } from '../block/meta.js';
import { META_FILENAME, formatThanosMeta } from '../block/meta.js';
import { errorMessage } from '../runtime/errors.js';

export const CHUNKS_DIRNAME = 'chunks';
export const INDEX_FILENAME = 'index';

/** The block's data files with sizes, sorted by path as upstream lists them in `thanos.files` (meta.json last). */
export async function blockFiles(blockDir: string): Promise<ThanosFile[]> {
  const chunkNames = (await readdir(path.join(blockDir, CHUNKS_DIRNAME))).sort();
  const files: ThanosFile[] = [];
  for (const name of chunkNames) {
    const rel = `${CHUNKS_DIRNAME}/${name}`;
    files.push({ rel_path: rel, size_bytes: (await stat(path.join(blockDir, rel))).size });
  }
  files.push({ rel_path: INDEX_FILENAME, size_bytes: (await stat(path.join(blockDir, INDEX_FILENAME))).size });
  files.push({ rel_path: META_FILENAME });
  return files;
}

/**
 * Uploads `blockDir` as `<ulid>/...` with `meta` (which must carry the thanos section) written last. On failure
 * the objects already written are deleted on a best-effort basis, as upstream does; a leftover without meta.json
 * is a partial upload that readers ignore.
 */
export async function uploadBlock(bucket: Bucket, blockDir: string, meta: ThanosMeta, signal?: AbortSignal): Promise<void> {
  const id = meta.ulid;
  const files = meta.thanos.files ?? (await blockFiles(blockDir));
  const opts = signal ? { signal } : {};
  const written: string[] = [];
  try {
    for (const f of files) {
      if (f.rel_path === META_FILENAME) continue;
      const name = joinObjectName(id, f.rel_path);
      await bucket.upload(name, createReadStream(path.join(blockDir, f.rel_path)), opts);
      written.push(name);
    }
    await bucket.upload(joinObjectName(id, META_FILENAME), Buffer.from(formatThanosMeta(meta)), opts);
  } catch (err) {
    for (const name of written) {
      try {
        await bucket.delete(name);
      } catch {
        // Best effort: a partial block is ignored by readers and cleaned by the compactor.
      }
    }
    throw new Error(`upload block ${id}: ${errorMessage(err)}`, { cause: err });
  }
}
