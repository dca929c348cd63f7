// Starts a real Alertmanager 0.25 (Debian's prometheus-alertmanager) on 127.0.0.1 with clustering off, and reads
// its alerts through the v2 API; optionally behind --web.config.file (TLS, auth), read through an HTTP client
// configured for it. A missing binary fails loudly.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { HttpClient } from '../../../src/runtime/http-client.js';
import { freePort, requireCommand, spawnPeer, waitForHttp, waitForTcp, type PeerProcess } from '../../support/peers/process.js';

export interface RunningAlertmanager {
  readonly url: string;
  readonly proc: PeerProcess;
  /** GET /api/v2/alerts. */
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; status: { state: string } }[]>;
  stop(): Promise<void>;
}

export interface AlertmanagerOptions {
  /** exporter-toolkit web config (tls_server_config, basic_auth_users); `client` is what reads the alerts then. */
  readonly web?: { readonly config: string; readonly client: HttpClient };
}

export async function startAlertmanager(dir: string, opts: AlertmanagerOptions = {}): Promise<RunningAlertmanager> {
  const bin = requireCommand('prometheus-alertmanager', 'Alertmanager 0.25 (Debian package prometheus-alertmanager)');
  await mkdir(path.join(dir, 'data'), { recursive: true });
  await writeFile(path.join(dir, 'alertmanager.yml'), [
    'route:', '  receiver: default', '  group_by: [alertname]', '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h',
    'receivers:', '  - name: default', '',
  ].join('\n'));
  if (opts.web) await writeFile(path.join(dir, 'web.yml'), opts.web.config);
  const port = await freePort();
  const proc = spawnPeer('alertmanager', bin, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
    ...(opts.web ? [`--web.config.file=${path.join(dir, 'web.yml')}`] : []),
  ], { logDir: dir });
  const url = `${opts.web ? 'https' : 'http'}://127.0.0.1:${port}`;
  const get = (u: string): Promise<Response> => (opts.web ? opts.web.client.fetch(u) : fetch(u));
  try {
    if (opts.web) await waitForTcp(port, proc, 60_000);
    else await waitForHttp(`${url}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    url, proc,
    alerts: async () => (await (await get(`${url}/api/v2/alerts`)).json()) as Awaited<ReturnType<RunningAlertmanager['alerts']>>,
    stop: () => proc.stop(),
  };
}
