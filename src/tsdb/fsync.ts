// Flushing files and directories to stable storage: a block or checkpoint is only durable once its files and the
// directory entries naming them are synced (a rename is a change to the directory).

import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';

/** Syncs a written file's data and metadata. */
export async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Syncs a directory's entries; a filesystem that refuses fsync on directories is let be. */
export async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try { await fh.sync(); } catch { /* some filesystems refuse fsync on directories */ } finally { await fh.close(); }
}

/** fsyncDir for the synchronous WAL code paths. */
export function fsyncDirSync(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } catch { /* some filesystems refuse fsync on directories */ } finally { closeSync(fd); }
}
