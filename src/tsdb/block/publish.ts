// Turning a block written under a temporary name into a visible one: its files' directory entries are synced
// before the rename, and the parent after it, so a crash leaves either no block or a whole one.

import { dirname, join } from 'node:path';
import { rename } from 'node:fs/promises';
import { fsyncDir } from '../fsync.js';

/** Renames the finished block directory `tmp` to `dest` durably. */
export async function publishBlockDir(tmp: string, dest: string): Promise<void> {
  await fsyncDir(tmp);
  await fsyncDir(join(tmp, 'chunks'));
  await rename(tmp, dest);
  await fsyncDir(dirname(dest));
}
