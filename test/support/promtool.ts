// Runs Debian's promtool (Prometheus 2.42) from tests: block creation, dump, analyze, list. A missing promtool
// fails loudly. `dump` needs DIR/wal on a promtool-created dir, so the helper creates it (and promtool itself
// leaves DIR/chunks_head behind).
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { requireCommand } from './peers/process.js';

export interface PromtoolResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function promtoolPath(): string {
  return requireCommand('promtool', 'promtool (Debian package prometheus)');
}

/** Runs `promtool ...args` to completion; never throws for a non-zero exit (check `code`). */
export function runPromtool(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<PromtoolResult> {
  const bin = promtoolPath();
  return new Promise((resolve, reject) => {
    execFile(bin, [...args], { cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 1 << 30, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') { reject(new Error(`running ${args.join(' ')}: ${err.message}`)); return; }
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      });
  });
}

/** Like runPromtool but throws with stderr when promtool fails. */
export async function promtool(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await runPromtool(args, options);
  if (r.code !== 0) throw new Error(`promtool ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `promtool tsdb create-blocks-from openmetrics input outDir` (quiet). */
export async function promtoolCreateBlocks(input: string, outDir: string): Promise<void> {
  await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '-q', input, outDir]);
}

export interface DumpFlags {
  readonly minTime?: number;
  readonly maxTime?: number;
  readonly match?: string;
}

/** `promtool tsdb dump` of a data dir (creating DIR/wal first, which 2.42 insists on). */
export async function promtoolDump(dir: string, flags: DumpFlags = {}): Promise<string> {
  await mkdir(path.join(dir, 'wal'), { recursive: true });
  const args = ['tsdb', 'dump'];
  if (flags.minTime !== undefined) args.push(`--min-time=${flags.minTime}`);
  if (flags.maxTime !== undefined) args.push(`--max-time=${flags.maxTime}`);
  if (flags.match !== undefined) args.push(`--match=${flags.match}`);
  args.push(dir);
  return promtool(args);
}

/** `promtool tsdb analyze dir [blockId]`. */
export function promtoolAnalyze(dir: string, blockId?: string): Promise<PromtoolResult> {
  return runPromtool(['tsdb', 'analyze', dir, ...(blockId ? [blockId] : [])]);
}
