// End to end: `thanos-ts sidecar` beside a real Prometheus 2.42 (5m blocks, promtool-backfilled 2h blocks): gRPC
// Series equals PromQL with external labels added; blocks ship to a FILESYSTEM bucket exactly once, also across a
// restart; template and rule edits make Prometheus reload with the substituted config.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { parseThanosMeta } from '../../src/block/meta.js';
import { readLocalBlocks } from '../../src/shipper/shipper.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import type { PrometheusPeer } from '../store/prometheus/prometheus-peer.js';
import { backfill, regularSeries, startPrometheus } from '../store/prometheus/prometheus-peer.js';
import type { SidecarProcess } from '../store/prometheus/sidecar-process.js';
import { eventually, startSidecar } from '../store/prometheus/sidecar-process.js';
import { collectSamples, promqlSamples } from '../store/prometheus/samples.js';

const HOUR = 3600_000;
const from = Math.floor((Date.now() - 7 * HOUR) / (2 * HOUR)) * 2 * HOUR;
const to = from + 6 * HOUR;
const EXT = labelsFromRecord({ cluster: 'e2e', replica: 'pod-0' });

let work: string;
let prom: PrometheusPeer;
let sidecar: SidecarProcess | undefined;
let sidecarArgs: string[];
const env = { POD_NAME: 'pod-0', REGION: 'eu' };

const template = (rulesDir: string, extra = ''): string => `global:
  scrape_interval: 1h
  evaluation_interval: 1s
  external_labels:
    cluster: e2e
    replica: $(POD_NAME)${extra}
rule_files:
  - ${rulesDir}/*.yaml
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-sidecar-'));
  const series = [];
  for (let i = 0; i < 20; i++) {
    series.push(regularSeries({ __name__: 'e2e_gauge', job: `job${i % 3}`, instance: `i${i}` }, from, to, 30_000, (k) => Math.cos(k / 7) * i));
  }
  await backfill(work, path.join(work, 'tsdb'), series);
  const rulesDir = path.join(work, 'rules');
  await mkdir(rulesDir);
  await writeFile(path.join(rulesDir, 'a.yaml'), 'groups:\n  - name: first\n    rules:\n      - record: e2e:sum\n        expr: sum(e2e_gauge)\n');
  await writeFile(path.join(work, 'prometheus.yaml.tmpl'), template(rulesDir));
  // Prometheus needs a config to start; in Kubernetes an init step renders it, here the test does.
  await writeFile(path.join(work, 'prometheus.yaml'), template(rulesDir).replace('$(POD_NAME)', 'pod-0'));
  prom = await startPrometheus(work, { configFile: path.join(work, 'prometheus.yaml') });
  await writeFile(path.join(work, 'bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${path.join(work, 'bucket')}\n`);
  sidecarArgs = [
    `--prometheus.url=${prom.url}`,
    `--tsdb.path=${prom.tsdbDir}`,
    `--objstore.config-file=${path.join(work, 'bucket.yml')}`,
    `--reloader.config-file=${path.join(work, 'prometheus.yaml.tmpl')}`,
    `--reloader.config-envsubst-file=${path.join(work, 'prometheus.yaml')}`,
    `--reloader.rule-dir=${rulesDir}`,
    '--reloader.retry-interval=200ms',
    '--prometheus.get_config_interval=1s',
  ];
  sidecar = await startSidecar(work, sidecarArgs, env);
  await eventually(async () => (await fetch(`${sidecar!.httpUrl}/-/ready`)).status === 200, 'sidecar ready');
});

afterAll(async () => {
  await sidecar?.stop();
  await prom?.stop();
  await rm(work, { recursive: true, force: true });
});

async function bucketMetas(): Promise<string[]> {
  const dir = path.join(work, 'bucket');
  const out: string[] = [];
  for (const id of await readdir(dir).catch(() => [])) {
    if ((await stat(path.join(dir, id, 'meta.json')).catch(() => undefined)) !== undefined) out.push(id);
  }
  return out.sort();
}

describe('sidecar (e2e)', { timeout: 240_000 }, () => {
  it('answers a gRPC Series call with the same series and samples as Prometheus, external labels added', async () => {
    const client = new GrpcStoreClient(sidecar!.grpcAddress);
    try {
      const info = await client.info();
      expect(info.componentType).toBe('sidecar');
      expect(info.labelSets).toEqual([EXT]);
      // No head data (nothing is scraped): the oldest data is the first backfilled block.
      expect(info.minTime).toBe(from);
      const got = await collectSamples(client, [new Matcher('=', '__name__', 'e2e_gauge')], from, to);
      const want = await promqlSamples(prom.url, 'e2e_gauge', from, to, EXT);
      expect(got.length).toBe(20);
      expect(got).toEqual(want);
      expect(got[0]!.ts.length).toBe(720);
      expect(got[0]!.labels).toMatch(/cluster="e2e".*replica="pod-0"/);
      const filtered = await collectSamples(client, [new Matcher('=', '__name__', 'e2e_gauge'), new Matcher('=', 'replica', 'other')], from, to);
      expect(filtered).toEqual([]);
    } finally {
      client.close();
    }
  });

  it('ships every block to the bucket with a valid thanos meta section and records it in thanos.shipper.json', async () => {
    const local = (await readLocalBlocks(prom.tsdbDir)).map((b) => b.meta.ulid).sort();
    expect(local.length).toBe(3);
    await eventually(async () => (await bucketMetas()).length === 3, 'three blocks in the bucket');
    expect(await bucketMetas()).toEqual(local);
    for (const id of local) {
      const meta = parseThanosMeta(await readFile(path.join(work, 'bucket', id, 'meta.json'), 'utf8'));
      expect(meta.thanos.labels).toEqual({ cluster: 'e2e', replica: 'pod-0' });
      expect(meta.thanos.source).toBe('sidecar');
      expect(meta.thanos.downsample.resolution).toBe(0);
      expect(meta.thanos.files?.map((f) => f.rel_path)).toEqual(['chunks/000001', 'index', 'meta.json']);
      expect(meta.thanos.files?.[1]?.size_bytes).toBe((await stat(path.join(prom.tsdbDir, id, 'index'))).size);
    }
    await eventually(async () => {
      const text = await readFile(path.join(prom.tsdbDir, 'thanos.shipper.json'), 'utf8').catch(() => '');
      return text !== '' && (JSON.parse(text) as { uploaded: string[] }).uploaded.length === 3;
    }, 'thanos.shipper.json listing three blocks');
    const recorded = JSON.parse(await readFile(path.join(prom.tsdbDir, 'thanos.shipper.json'), 'utf8')) as { version: number; uploaded: string[] };
    expect(recorded.version).toBe(1);
    expect([...recorded.uploaded].sort()).toEqual(local);
  });

  it('uploads nothing twice after a restart', async () => {
    const before = await Promise.all((await bucketMetas()).map(async (id) => (await stat(path.join(work, 'bucket', id, 'index'))).mtimeMs));
    await sidecar!.stop();
    sidecar = await startSidecar(work, sidecarArgs, env);
    await eventually(async () => ((await sidecar!.metric('thanos_shipper_dir_syncs_total')) ?? 0) >= 1, 'a shipper sync after restart');
    expect(await sidecar.metric('thanos_shipper_uploads_total')).toBe(0);
    const after = await Promise.all((await bucketMetas()).map(async (id) => (await stat(path.join(work, 'bucket', id, 'index'))).mtimeMs));
    expect(after).toEqual(before);
  });

  it('makes Prometheus reload after a template edit and a rule edit, with $(NAME) substituted', async () => {
    const rulesDir = path.join(work, 'rules');
    await writeFile(path.join(work, 'prometheus.yaml.tmpl'), template(rulesDir, '\n    region: $(REGION)'));
    await eventually(async () => {
      const body = await (await fetch(`${prom.url}/api/v1/status/config`)).json() as { data: { yaml: string } };
      return /region: eu/.test(body.data.yaml) && /replica: pod-0/.test(body.data.yaml);
    }, 'Prometheus config with region: eu');
    expect(await readFile(path.join(work, 'prometheus.yaml'), 'utf8')).toContain('region: eu');

    await writeFile(path.join(rulesDir, 'b.yaml'), 'groups:\n  - name: added\n    rules:\n      - record: e2e:count\n        expr: count(e2e_gauge)\n');
    await eventually(async () => {
      const body = await (await fetch(`${prom.url}/api/v1/rules`)).json() as { data: { groups: { name: string }[] } };
      return body.data.groups.some((g) => g.name === 'added');
    }, 'Prometheus rules with the new group');
    expect(await sidecar!.metric('thanos_sidecar_reloader_reloads_total')).toBeGreaterThanOrEqual(2);
    expect(await sidecar!.metric('thanos_sidecar_reloader_reloads_failed_total')).toBe(0);
  });
});
