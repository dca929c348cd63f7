// Test helper: a real Prometheus 2.42 started on a free loopback port over a data dir, optionally with blocks
// backfilled by promtool first. (Small and local to the sidecar tests; the shared launcher lives in test/support.)
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PeerProcess } from '../../support/peers/process.js';
import { freePort, requireCommand, spawnPeer, waitForHttp } from '../../support/peers/process.js';

export interface PrometheusPeer {
  readonly url: string;
  readonly port: number;
  /** --storage.tsdb.path */
  readonly tsdbDir: string;
  readonly configFile: string;
  readonly proc: PeerProcess;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** The YAML config; `$PORT` is replaced by the chosen port. Default: external labels only, no scrapes. */
  readonly config?: string;
  /** Written into the config dir before start (rule files...). */
  readonly configFile?: string;
  readonly extraArgs?: readonly string[];
  readonly blockDuration?: string;
  readonly port?: number;
}

export const DEFAULT_CONFIG = `global:
  external_labels:
    cluster: test
    replica: "0"
`;

/** Starts Prometheus with `dir/tsdb` as its TSDB and `dir/prometheus.yml` as config; waits for /-/ready. */
export async function startPrometheus(dir: string, options: StartPrometheusOptions = {}): Promise<PrometheusPeer> {
  const bin = requireCommand('prometheus', 'Prometheus 2.42 (Debian package prometheus)');
  const port = options.port ?? (await freePort());
  const tsdbDir = path.join(dir, 'tsdb');
  await mkdir(tsdbDir, { recursive: true });
  const configFile = options.configFile ?? path.join(dir, 'prometheus.yml');
  if (options.configFile === undefined) await writeFile(configFile, (options.config ?? DEFAULT_CONFIG).replaceAll('$PORT', String(port)));
  const bd = options.blockDuration ?? '5m';
  const proc = spawnPeer('prometheus', bin, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${tsdbDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--storage.tsdb.min-block-duration=${bd}`,
    `--storage.tsdb.max-block-duration=${bd}`,
    '--storage.tsdb.retention.time=15d',
    '--web.enable-lifecycle',
    '--web.enable-admin-api',
    ...(options.extraArgs ?? []),
  ], { logDir: dir });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(`${url}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop(2000);
    throw err;
  }
  return { url, port, tsdbDir, configFile, proc, stop: () => proc.stop(5000) };
}

export interface SyntheticSeries {
  /** Metric name and labels, e.g. `{__name__: 'up', job: 'a'}`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Sample timestamps (ms) and values. */
  readonly timestamps: readonly number[];
  readonly values: readonly number[];
}

/** Writes OpenMetrics text for the series and runs `promtool tsdb create-blocks-from openmetrics` into tsdbDir. */
export async function backfill(dir: string, tsdbDir: string, series: readonly SyntheticSeries[]): Promise<void> {
  const promtool = requireCommand('promtool', 'promtool 2.42 (Debian package prometheus)');
  const byName = new Map<string, SyntheticSeries[]>();
  for (const s of series) {
    const name = s.labels['__name__'] ?? '';
    byName.set(name, [...(byName.get(name) ?? []), s]);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of list) {
      const ls = Object.entries(s.labels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`).join(',');
      for (let i = 0; i < s.timestamps.length; i++) {
        lines.push(`${name}{${ls}} ${s.values[i]!} ${(s.timestamps[i]! / 1000).toFixed(3)}`);
      }
    }
  }
  lines.push('# EOF');
  const file = path.join(dir, 'backfill.om');
  await writeFile(file, lines.join('\n') + '\n');
  await mkdir(tsdbDir, { recursive: true });
  execFileSync(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '-q', file, tsdbDir], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A regular series: one sample every `stepMs` in [fromMs, toMs), values from `value(i)`. */
export function regularSeries(labels: Readonly<Record<string, string>>, fromMs: number, toMs: number, stepMs: number, value: (i: number) => number): SyntheticSeries {
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let t = fromMs, i = 0; t < toMs; t += stepMs, i++) {
    timestamps.push(t);
    values.push(value(i));
  }
  return { labels, timestamps, values };
}
