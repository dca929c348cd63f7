// Downloading a block's files from the bucket into a local directory for merging (upstream block.Download): the
// data files first and meta.json last, so a local directory with meta.json is complete and one without (a download
// cut short by a crash) is fetched again.

import { createWriteStream } from 'node:fs';
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BucketReader } from '../objstore/bucket.js';
import { mapConcurrent } from '../block/fetcher.js';
import { META_FILENAME, formatThanosMeta, type ThanosMeta } from '../block/meta.js';
import { DELETION_MARK_FILENAME, NO_COMPACT_MARK_FILENAME, NO_DOWNSAMPLE_MARK_FILENAME } from '../block/markers.js';

const NOT_BLOCK_DATA = new Set([META_FILENAME, DELETION_MARK_FILENAME, NO_COMPACT_MARK_FILENAME, NO_DOWNSAMPLE_MARK_FILENAME]);

/** The block's data files relative to its directory: from meta.json's `thanos.files` when listed, else by listing. */
async function dataFiles(bucket: BucketReader, meta: ThanosMeta, signal?: AbortSignal): Promise<string[]> {
  const listed = meta.thanos.files?.map((f) => f.rel_path).filter((p) => !NOT_BLOCK_DATA.has(p));
  if (listed && listed.length > 0) return listed;
  const out: string[] = [];
  for await (const name of bucket.iter(`${meta.ulid}/`, { recursive: true, ...(signal ? { signal } : {}) })) {
    const rel = name.slice(meta.ulid.length + 1);
    if (!NOT_BLOCK_DATA.has(rel)) out.push(rel);
  }
  return out.sort();
}

/**
 * Makes `<dir>/<ulid>` a complete local copy of the block and returns its path. A copy that is already complete
 * (has meta.json) is reused, as upstream keeps downloads of a failed compaction; anything else there is replaced.
 */
export async function downloadBlock(bucket: BucketReader, meta: ThanosMeta, dir: string, options: { concurrency?: number; signal?: AbortSignal } = {}): Promise<string> {
  const { signal } = options;
  const blockDir = path.join(dir, meta.ulid);
  try {
    await access(path.join(blockDir, META_FILENAME));
    return blockDir;
  } catch { /* not there or incomplete: fetch it */ }
  await rm(blockDir, { recursive: true, force: true });
  await mkdir(path.join(blockDir, 'chunks'), { recursive: true });
  const files = await dataFiles(bucket, meta, signal);
  await mapConcurrent(files, options.concurrency ?? 1, async (rel) => {
    const target = path.join(blockDir, rel);
    await mkdir(path.dirname(target), { recursive: true });
    const body = await bucket.get(`${meta.ulid}/${rel}`, signal ? { signal } : {});
    if (signal) await pipeline(body, createWriteStream(target), { signal });
    else await pipeline(body, createWriteStream(target));
  });
  await writeFile(path.join(blockDir, META_FILENAME), formatThanosMeta(meta));
  return blockDir;
}
