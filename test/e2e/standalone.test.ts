// `thanos-ts standalone --demo` as a new user runs it: one process, demo data in an embedded bucket, the query API
// answering at once (deduplicated), promtool able to query it, the UI served, and a clean stop on SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { freePort } from '../support/peers/process.js';

let child: ChildProcess;
let dataDir = '';
let base = '';
let log = '';

interface VectorResult { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }

async function query(q: string, extra = ''): Promise<VectorResult> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}${extra}`);
  expect(res.status).toBe(200);
  return (await res.json()) as VectorResult;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'standalone-e2e-'));
  const [http, grpc] = [await freePort(), await freePort()];
  base = `http://127.0.0.1:${http}`;
  child = spawn(process.execPath, [BIN, 'standalone', '--demo', `--data-dir=${dataDir}`,
    `--http-address=127.0.0.1:${http}`, `--grpc-address=127.0.0.1:${grpc}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`standalone exited ${child.exitCode}:\n${log}`);
    const status = await fetch(`${base}/-/ready`).then((r) => r.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) throw new Error(`standalone not ready in 60s:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 90_000);

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

describe('thanos-ts standalone --demo', () => {
  it('answers `up` as soon as it is ready, replicas deduplicated', async () => {
    const r = await query('up');
    expect(r.status).toBe('success');
    expect(r.data.result).toHaveLength(7);
    for (const s of r.data.result) {
      expect(s.metric).toMatchObject({ __name__: 'up', cluster: 'demo' });
      expect(s.metric['replica']).toBeUndefined();
      expect(s.value[1]).toBe('1');
    }
  });

  it('shows both replicas with dedup=false', async () => {
    const r = await query('up', '&dedup=false');
    expect(r.data.result).toHaveLength(14);
    expect(new Set(r.data.result.map((s) => s.metric['replica']))).toEqual(new Set(['0', '1']));
  });

  it('serves promtool queries over the demo data', () => {
    const out = spawnSync('promtool', ['query', 'instant', base, 'sum by (job) (rate(http_requests_total[5m]))'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines.map((l) => /^\{job="(\w+)"\} => /.exec(l)?.[1]).sort()).toEqual(['api', 'frontend', 'payments']);
    for (const l of lines) expect(Number(/=> ([\d.]+) @/.exec(l)?.[1])).toBeGreaterThan(0);
  });

  it('answers a range query over the last 2 days without gaps', async () => {
    const end = Math.floor(Date.now() / 1000);
    const res = await fetch(`${base}/api/v1/query_range?query=${encodeURIComponent('count(up)')}&start=${end - 47 * 3600}&end=${end}&step=3600`);
    const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
    expect(body.data.result).toHaveLength(1);
    expect(body.data.result[0]!.values).toHaveLength(48);
    for (const [, v] of body.data.result[0]!.values) expect(v).toBe('7');
  });

  it('serves the web UI on the same port', async () => {
    const res = await fetch(`${base}/graph`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<html');
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
