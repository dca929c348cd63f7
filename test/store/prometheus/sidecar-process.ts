// Test helper: runs `thanos-ts sidecar` as a real process (from source through tsx, so the tests do not depend on a
// fresh build), on free loopback ports, and reads its /metrics.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PeerProcess } from '../../support/peers/process.js';
import { freePort, spawnPeer, waitForHttp } from '../../support/peers/process.js';
import { BIN } from '../../support/cli.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

export interface SidecarProcess {
  readonly proc: PeerProcess;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  log(): string;
  /** A metric's value from /metrics (the first sample of that name), or undefined when absent. */
  metric(name: string): Promise<number | undefined>;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

let seq = 0;

/**
 * Starts the sidecar with `args` (plus --http-address/--grpc-address) and waits until its HTTP server answers.
 * `entry` 'build' runs the compiled executable (dist/, as shipped; benchmarks) instead of the sources.
 */
export async function startSidecar(logDir: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = [], entry: 'source' | 'build' = 'source'): Promise<SidecarProcess> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const name = `sidecar-${++seq}`;
  const main = entry === 'build' ? [BIN] : ['--import', 'tsx', MAIN];
  const proc = spawnPeer(name, process.execPath, [...nodeArgs, ...main, 'sidecar',
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, '--log.level=debug', ...args,
  ], { logDir, cwd: REPO_ROOT, env: { ...process.env, ...env } });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(`${httpUrl}/-/healthy`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop(1000);
    throw err;
  }
  return {
    proc, httpUrl, grpcAddress: `127.0.0.1:${grpcPort}`,
    log: () => readFileSync(proc.logFile, 'utf8'),
    async metric(metricName) {
      const text = await (await fetch(`${httpUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(metricName + ' ') || l.startsWith(metricName + '{'));
      return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
    },
    stop: () => proc.stop(10_000),
    async kill() {
      process.kill(proc.pid, 'SIGKILL');
      await proc.stop(1000);
    },
  };
}

/** Polls `cond` every 100 ms; fails after `timeoutMs` naming `what`. */
export async function eventually(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
