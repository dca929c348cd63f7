// Starts a real Prometheus 2.42 (Debian package) for tests: 127.0.0.1 on a free port, a given data dir and flags,
// waits until /-/ready answers 200, and stops it (SIGTERM, waiting for exit). A missing binary fails loudly.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { PeerProcess } from './peers/process.js';
import { freePort, requireCommand, spawnPeer, waitForHttp, waitForTcp } from './peers/process.js';

export interface PrometheusOptions {
  /** TSDB directory (--storage.tsdb.path); created if missing. */
  readonly dataDir: string;
  /** prometheus.yml contents; default: no scrape jobs. */
  readonly config?: string;
  /** Extra flags, e.g. --web.enable-remote-write-receiver. */
  readonly flags?: readonly string[];
  /** Where the config and log go; default a fresh temporary directory, removed by stop(). */
  readonly workDir?: string;
  readonly readyTimeoutMs?: number;
  /** Listen port (default a free one); give it when the config must name Prometheus's own address. */
  readonly port?: number;
  /**
   * How start-up is awaited: 'http' (default) polls /-/ready over plain HTTP; 'tcp' only waits for the port, for a
   * Prometheus behind --web.config.file (TLS, auth) whose test checks readiness itself.
   */
  readonly waitFor?: 'http' | 'tcp';
}

export interface RunningPrometheus {
  readonly url: string;
  readonly port: number;
  readonly process: PeerProcess;
  readonly logFile: string;
  /** GET /api/v1/<path> with query params; resolves the parsed JSON body (any status). */
  api(pathAndQuery: string, params?: Record<string, string>): Promise<unknown>;
  stop(): Promise<void>;
}

export function prometheusPath(): string {
  return requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)');
}

export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
  const bin = prometheusPath();
  const ownWorkDir = opts.workDir === undefined;
  const workDir = opts.workDir ?? await mkdtemp(path.join(os.tmpdir(), 'prometheus-'));
  await mkdir(workDir, { recursive: true });
  await mkdir(opts.dataDir, { recursive: true });
  const configFile = path.join(workDir, 'prometheus.yml');
  await writeFile(configFile, opts.config ?? 'global:\n  scrape_interval: 15s\n');
  const port = opts.port ?? await freePort();
  const proc = spawnPeer('prometheus', bin, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${opts.dataDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...(opts.flags ?? []),
  ], { logDir: workDir });
  const url = `http://127.0.0.1:${port}`;
  try {
    if (opts.waitFor === 'tcp') await waitForTcp(port, proc, opts.readyTimeoutMs ?? 60_000);
    else await waitForHttp(`${url}/-/ready`, proc, opts.readyTimeoutMs ?? 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url, port, process: proc, logFile: proc.logFile,
    async api(pathAndQuery, params = {}) {
      const qs = new URLSearchParams(params).toString();
      const res = await fetch(`${url}/api/v1/${pathAndQuery}${qs ? `?${qs}` : ''}`, { signal: AbortSignal.timeout(30_000) });
      return res.json() as Promise<unknown>;
    },
    async stop() {
      await proc.stop();
      if (ownWorkDir) await rm(workDir, { recursive: true, force: true });
    },
  };
}
