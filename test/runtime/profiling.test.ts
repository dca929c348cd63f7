// --debug.enable-profiling on a real `thanos-ts query` process: the V8 CPU profile covers the requested seconds and
// parses as a .cpuprofile, the heap snapshot as a .heapsnapshot; bad input gets 400, overlap 409; without the flag
// /debug/pprof/* answers 404 naming the flag.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

let work = '';
const procs: PeerProcess[] = [];

async function startQuery(extra: readonly string[]): Promise<string> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(`query-${procs.length}`, process.execPath, ['--import', 'tsx', MAIN, 'query',
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, ...extra], { logDir: work, cwd: REPO_ROOT });
  procs.push(proc);
  try {
    await waitForHttp(`http://127.0.0.1:${httpPort}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    throw new Error(`query did not start: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return `http://127.0.0.1:${httpPort}`;
}

let on = '';
let off = '';

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'profiling-'));
  [on, off] = await Promise.all([startQuery(['--debug.enable-profiling']), startQuery([])]);
}, 120_000);

afterAll(async () => {
  for (const p of procs) await p.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('--debug.enable-profiling', { timeout: 60_000 }, () => {
  it('serves a CPU profile over the requested seconds, as a .cpuprofile attachment', async () => {
    const started = Date.now();
    const res = await fetch(`${on}/debug/pprof/profile?seconds=2`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="thanos-ts-.*\.cpuprofile"/);
    const profile = await res.json() as { nodes: { callFrame: { functionName: string } }[]; startTime: number; endTime: number; samples: number[] };
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    // V8 stamps the profile in microseconds.
    expect(profile.endTime - profile.startTime).toBeGreaterThanOrEqual(1_900_000);
    expect(profile.nodes[0]!.callFrame.functionName).toBe('(root)');
    expect(profile.samples.length).toBeGreaterThan(0);
  });

  it('refuses a second profile while one runs, and a bad seconds value', async () => {
    const first = fetch(`${on}/debug/pprof/profile?seconds=2`);
    await new Promise((r) => setTimeout(r, 300));
    const second = await fetch(`${on}/debug/pprof/profile?seconds=1`);
    expect(second.status).toBe(409);
    expect((await first).status).toBe(200);
    for (const bad of ['0', '301', '1.5', 'abc']) {
      const r = await fetch(`${on}/debug/pprof/profile?seconds=${bad}`);
      expect(r.status).toBe(400);
      expect(await r.text()).toContain(`seconds=${bad}: want a whole number of seconds from 1 to 300`);
    }
  });

  it('serves a heap snapshot, as a .heapsnapshot attachment', async () => {
    const res = await fetch(`${on}/debug/pprof/heap`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/\.heapsnapshot"$/);
    const snap = await res.json() as { snapshot: { meta: { node_fields: string[] }; node_count: number } };
    expect(snap.snapshot.meta.node_fields).toContain('name');
    expect(snap.snapshot.node_count).toBeGreaterThan(1000);
    // Done, the next one may be taken.
    expect((await fetch(`${on}/debug/pprof/heap`)).status).toBe(200);
  });

  it('lists the endpoints on /debug/pprof/', async () => {
    const text = await (await fetch(`${on}/debug/pprof/`)).text();
    expect(text).toContain('/debug/pprof/profile?seconds=30');
    expect(text).toContain('/debug/pprof/heap');
  });

  it('without the flag, /debug/pprof/* is 404 naming the flag', async () => {
    for (const p of ['profile?seconds=1', 'heap', 'goroutine']) {
      const r = await fetch(`${off}/debug/pprof/${p}`);
      expect(r.status).toBe(404);
      expect(await r.text()).toContain('start with --debug.enable-profiling');
    }
  });
});
