// Runs the built thanos-ts executable (bin/thanos-ts over dist/) the way a user does, capturing its output.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'thanos-ts');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `thanos-ts ...args` to completion. Fails loudly when the project has not been built. */
export function runCli(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): CliResult {
  if (!existsSync(path.join(REPO_ROOT, 'dist', 'cmd', 'main.js'))) {
    throw new Error('dist/cmd/main.js is missing: run `npm run build` (npm ci runs it) before the tests');
  }
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT, encoding: 'utf8', timeout: options.timeoutMs ?? 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
