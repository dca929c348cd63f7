// Checks at start that a data directory flag names a directory this process can create files in, so a mode with
// an unusable --data-dir exits at once naming the path instead of running without the cache it needs.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, errorMessage } from '../runtime/errors.js';

/** Creates `dir` if needed and writes and removes a probe file in it; a ConfigError naming flag and path otherwise. */
export function ensureUsableDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.thanos-ts-probe-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (err) {
    throw new ConfigError(`data directory ${JSON.stringify(dir)} is not usable: ${errorMessage(err)}`, { where: `--${flag}`, cause: err });
  }
}
