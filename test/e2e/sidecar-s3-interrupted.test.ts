// End to end on an S3-compatible server (s3rver, installed by scripts/install-test-deps.sh): the sidecar ships Prometheus's blocks with a valid thanos meta
// section; an upload interrupted by killing the sidecar (its meta.json PUT held back by a proxy) leaves no meta.json,
// and the block is completed after a restart.
import { createServer, request } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bucket } from '../../src/objstore/bucket.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { parseThanosMeta } from '../../src/block/meta.js';
import { readLocalBlocks } from '../../src/shipper/shipper.js';
import { nopLogger } from '../../src/runtime/logger.js';
import type { S3Server } from '../support/peers/s3.js';
import { startS3rver } from '../support/peers/s3.js';
import { freePort } from '../support/peers/process.js';
import type { PrometheusPeer } from '../store/prometheus/prometheus-peer.js';
import { backfill, regularSeries, startPrometheus } from '../store/prometheus/prometheus-peer.js';
import type { SidecarProcess } from '../store/prometheus/sidecar-process.js';
import { eventually, startSidecar } from '../store/prometheus/sidecar-process.js';

const HOUR = 3600_000;

/** Forwards to the S3 server, except PUTs of meta.json, which it holds forever (recording their paths). */
class HoldingProxy {
  readonly held: string[] = [];
  private readonly server: Server;
  private readonly pending: ServerResponse[] = [];
  port = 0;

  constructor(private readonly target: string) {
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<void> {
    this.port = await freePort();
    await new Promise<void>((r) => this.server.listen(this.port, '127.0.0.1', r));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (req.method === 'PUT' && url.split('?')[0]!.endsWith('/meta.json')) {
      this.held.push(url);
      this.pending.push(res);
      req.resume();
      return;
    }
    const [host, port] = this.target.split(':');
    const up = request({ host, port: Number(port), method: req.method, path: url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  async close(): Promise<void> {
    for (const r of this.pending) r.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

let work: string;
let s3: S3Server;
let prom: PrometheusPeer;
let proxy: HoldingProxy;
let bucket: Bucket;
let sidecar: SidecarProcess | undefined;

const s3Config = (endpoint: string): string => `type: S3
config:
  bucket: thanos
  endpoint: ${endpoint}
  access_key: ${s3.accessKey}
  secret_key: ${s3.secretKey}
  insecure: true
`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-sidecar-s3-'));
  s3 = await startS3rver(work);
  await s3.createBucket('thanos');
  const from = Math.floor((Date.now() - 7 * HOUR) / (2 * HOUR)) * 2 * HOUR;
  await backfill(work, path.join(work, 'tsdb'), [
    regularSeries({ __name__: 's3_gauge', job: 'a' }, from, from + 6 * HOUR, 15_000, (i) => i % 17),
  ]);
  prom = await startPrometheus(work, { config: 'global:\n  external_labels:\n    cluster: s3\n    replica: r1\n' });
  proxy = new HoldingProxy(s3.endpoint);
  await proxy.listen();
  bucket = await createBucket(parseBucketConfig(s3Config(s3.endpoint), 's3.yml', nopLogger), { logger: nopLogger });
});

afterAll(async () => {
  await sidecar?.stop();
  await proxy?.close();
  await bucket?.close();
  await prom?.stop();
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

async function objects(): Promise<string[]> {
  const out: string[] = [];
  for await (const n of bucket.iter('', { recursive: true })) out.push(n);
  return out.sort();
}

describe('sidecar on S3 (e2e)', { timeout: 240_000 }, () => {
  it('leaves no meta.json when killed mid-upload, and completes the blocks after restart', async () => {
    const local = (await readLocalBlocks(prom.tsdbDir)).map((b) => b.meta.ulid).sort();
    expect(local.length).toBe(3);
    await writeFile(path.join(work, 'via-proxy.yml'), s3Config(`127.0.0.1:${proxy.port}`));
    await writeFile(path.join(work, 'direct.yml'), s3Config(s3.endpoint));
    const args = [`--prometheus.url=${prom.url}`, `--tsdb.path=${prom.tsdbDir}`];

    sidecar = await startSidecar(work, [...args, `--objstore.config-file=${path.join(work, 'via-proxy.yml')}`]);
    await eventually(() => proxy.held.length > 0, 'the first meta.json upload to reach the proxy');
    await sidecar.kill();
    sidecar = undefined;

    const held = proxy.held[0]!;
    const id = local.find((u) => held.includes(u))!;
    expect(id).toBeDefined();
    const afterKill = await objects();
    expect(afterKill).toContain(`${id}/chunks/000001`);
    expect(afterKill).toContain(`${id}/index`);
    expect(afterKill.filter((o) => o.endsWith('meta.json'))).toEqual([]);
    const recorded = await readFile(path.join(prom.tsdbDir, 'thanos.shipper.json'), 'utf8').catch(() => '{"uploaded":[]}');
    expect((JSON.parse(recorded) as { uploaded: string[] }).uploaded).not.toContain(id);

    sidecar = await startSidecar(work, [...args, `--objstore.config-file=${path.join(work, 'direct.yml')}`]);
    await eventually(async () => (await objects()).filter((o) => o.endsWith('/meta.json')).length === 3, 'all three blocks complete in S3');
    for (const u of local) {
      const stream = await bucket.get(`${u}/meta.json`);
      const parts: Buffer[] = [];
      for await (const c of stream) parts.push(c as Buffer);
      const meta = parseThanosMeta(Buffer.concat(parts).toString('utf8'));
      expect(meta.ulid).toBe(u);
      expect(meta.thanos.labels).toEqual({ cluster: 's3', replica: 'r1' });
      expect(meta.thanos.source).toBe('sidecar');
      expect(meta.thanos.files?.map((f) => f.rel_path)).toEqual(['chunks/000001', 'index', 'meta.json']);
    }
    await eventually(async () => {
      const text = await readFile(path.join(prom.tsdbDir, 'thanos.shipper.json'), 'utf8').catch(() => '');
      return text !== '' && (JSON.parse(text) as { uploaded: string[] }).uploaded.length === 3;
    }, 'thanos.shipper.json listing three blocks');
    expect(await sidecar.metric('thanos_shipper_uploads_total')).toBe(3);
  });
});
