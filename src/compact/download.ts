// Downloading a block's files from the bucket into a local directory for merging (upstream block.Download): the
// data files first and meta.json last, renamed into place, so a local directory with a meta.json that parses and
// matches the bucket's is complete, and anything else (a download cut short by a crash) is fetched again.

import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
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
 * Whether `blockDir` already holds a finished download of `meta`: its meta.json is the one we would write (it is
 * written last, through a rename) and every data file has the size the meta lists. A meta without a file list
 * (blocks of old uploaders) cannot be checked, so its copy is never trusted.
 */
async function completeCopy(blockDir: string, meta: ThanosMeta): Promise<boolean> {
  const files = meta.thanos.files?.filter((f) => !NOT_BLOCK_DATA.has(f.rel_path)) ?? [];
  if (files.length === 0 || files.some((f) => f.size_bytes === undefined)) return false;
  try {
    if (await readFile(path.join(blockDir, META_FILENAME), 'utf8') !== formatThanosMeta(meta)) return false;
    for (const f of files) if ((await stat(path.join(blockDir, f.rel_path))).size !== f.size_bytes) return false;
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes `<dir>/<ulid>` a complete local copy of the block and returns its path. A complete copy is reused, as
 * upstream keeps downloads of a failed compaction; anything else there is replaced.
 */
export async function downloadBlock(bucket: BucketReader, meta: ThanosMeta, dir: string, options: { concurrency?: number; signal?: AbortSignal } = {}): Promise<string> {
  const { signal } = options;
  const blockDir = path.join(dir, meta.ulid);
  if (await completeCopy(blockDir, meta)) return blockDir;
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
  // A SIGKILL during a plain write would leave a truncated meta.json; the rename makes it all or nothing.
  const tmp = path.join(blockDir, `${META_FILENAME}.tmp`);
  await writeFile(tmp, formatThanosMeta(meta));
  await rename(tmp, path.join(blockDir, META_FILENAME));
  return blockDir;
}
