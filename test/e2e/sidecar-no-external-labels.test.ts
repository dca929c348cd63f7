// End to end: a Prometheus without external labels. The sidecar logs why it cannot serve, keeps /-/ready at 503,
// keeps running (and retrying), and refuses Series with a clear error; it becomes ready once labels appear.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { seriesRequest } from '../../src/store/store-api.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { isAlive } from '../support/peers/process.js';
import type { PrometheusPeer } from '../store/prometheus/prometheus-peer.js';
import { startPrometheus } from '../store/prometheus/prometheus-peer.js';
import type { SidecarProcess } from '../store/prometheus/sidecar-process.js';
import { eventually, startSidecar } from '../store/prometheus/sidecar-process.js';

let work: string;
let prom: PrometheusPeer;
let sidecar: SidecarProcess | undefined;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-sidecar-nolabels-'));
  prom = await startPrometheus(work, { config: 'global:\n  scrape_interval: 1h\n' });
  sidecar = await startSidecar(work, [`--prometheus.url=${prom.url}`, `--tsdb.path=${prom.tsdbDir}`, '--prometheus.get_config_interval=1s']);
});

afterAll(async () => {
  await sidecar?.stop();
  await prom?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('sidecar without external labels (e2e)', { timeout: 240_000 }, () => {
  it('logs the reason, stays not ready without crashing, and refuses Series', async () => {
    await eventually(() => /no external labels configured on Prometheus server/.test(sidecar!.log()), 'the reason in the log');
    const res = await fetch(`${sidecar!.httpUrl}/-/ready`);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/no external labels configured/);
    await new Promise((r) => setTimeout(r, 2500));
    expect(isAlive(sidecar!.proc)).toBe(true);
    expect((await fetch(`${sidecar!.httpUrl}/-/ready`)).status).toBe(503);
    expect((await fetch(`${sidecar!.httpUrl}/-/healthy`)).status).toBe(200);
    const client = new GrpcStoreClient(sidecar!.grpcAddress);
    try {
      const consume = async (): Promise<void> => {
        for await (const r of client.series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'up')] }))) void r;
      };
      await expect(consume()).rejects.toThrow(/external labels are not known/);
    } finally {
      client.close();
    }
  });

  it('becomes ready once Prometheus is reloaded with external labels', async () => {
    await writeFile(prom.configFile, 'global:\n  scrape_interval: 1h\n  external_labels:\n    replica: late\n');
    expect((await fetch(`${prom.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    await eventually(async () => (await fetch(`${sidecar!.httpUrl}/-/ready`)).status === 200, 'sidecar ready');
    expect(isAlive(sidecar!.proc)).toBe(true);
  });
});
