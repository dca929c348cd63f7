// Spawns the `tools tsdb` CLI from source (node --import tsx) and collects its output.
import { execFile } from 'node:child_process';
import path from 'node:path';

const HARNESS = path.join(import.meta.dirname, 'tools-cli.ts');
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

export interface ToolsResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `thanos-ts tools tsdb <args>`. */
export function runToolsTsdb(args: readonly string[]): Promise<ToolsResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', HARNESS, 'tools', 'tsdb', ...args],
      { cwd: ROOT, maxBuffer: 1 << 30, encoding: 'utf8', timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') { reject(new Error(`running ${args.join(' ')}: ${err.message}`)); return; }
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      });
  });
}
