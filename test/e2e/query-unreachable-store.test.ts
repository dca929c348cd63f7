// End to end: real `thanos-ts query` processes whose endpoints cannot be reached — a refused port, a peer that accepts
// and never speaks, and a plaintext store asked over TLS. No answer is an empty success: with partial response each
// answer carries a warning naming the endpoint (and the querier logs it); with partial response disabled (per request
// or by --no-query.partial-response) the query fails naming it. The healthy store's data still comes back.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { MemoryStore } from '../store/support/memory-store.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

interface Answer { status: string; error?: string; warnings?: string[]; data?: unknown }

let work = '';
let healthy: RunningGrpcServer;
let silent: net.Server;
const held: net.Socket[] = [];
let silentAddr = '';
let refusedAddr = '';
const procs: PeerProcess[] = [];

async function startQuery(name: string, args: readonly string[], endpoints: number): Promise<string> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(name, process.execPath, ['--import', 'tsx', MAIN, 'query', ...args,
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`], { logDir: work, cwd: REPO_ROOT });
  procs.push(proc);
  const http = `http://127.0.0.1:${httpPort}`;
  await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  // Until every endpoint has had its first Info round (the silent one takes the 5s Info deadline).
  for (let i = 0; ; i++) {
    const body = await (await fetch(`${http}/api/v1/stores`)).json() as { data: Record<string, unknown[]> };
    if (Object.values(body.data).flat().length === endpoints) return http;
    if (i > 200) throw new Error(`${name}: endpoints not all checked: ${JSON.stringify(body.data)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function get(base: string, api: string, params: Record<string, string>): Promise<{ code: number; body: Answer }> {
  const res = await fetch(`${base}/api/v1/${api}?${new URLSearchParams(params).toString()}`, { signal: AbortSignal.timeout(30_000) });
  return { code: res.status, body: await res.json() as Answer };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-query-unreachable-'));
  const ts = [0, 15_000, 30_000, 45_000, 60_000];
  const up = { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'a' }], chunks: [{ minTime: 0, maxTime: 60_000, raw: { encoding: 'XOR' as const, data: encodeXor(ts, [1, 1, 1, 1, 1]) } }] };
  healthy = await startGrpcServer(storeGrpcServices(new MemoryStore([up], [{ name: 'replica', value: '0' }])), { address: '127.0.0.1:0' });
  silent = net.createServer((c) => { held.push(c); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentAddr = `127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
  refusedAddr = `127.0.0.1:${await freePort()}`;
}, 60_000);

afterAll(async () => {
  for (const p of procs) await p.stop(5000);
  await healthy?.stop(100);
  for (const c of held) c.destroy();
  await new Promise((r) => silent?.close(r));
  await rm(work, { recursive: true, force: true });
});

describe('querier with unreachable endpoints', () => {
  it('warns about a refused and a silent endpoint under partial response, and fails without it', async () => {
    const q = await startQuery('query', [`--endpoint=${healthy.address}`, `--endpoint=${refusedAddr}`, `--endpoint=${silentAddr}`], 3);
    const ok = await get(q, 'query', { query: 'up', time: '60' });
    expect(ok.code).toBe(200);
    expect(ok.body.status).toBe('success');
    expect(ok.body.data).toMatchObject({ result: [{ metric: { __name__: 'up', job: 'a', replica: '0' }, value: [60, '1'] }] });
    const warnings = (ok.body.warnings ?? []).join('\n');
    expect(warnings).toContain(`store ${refusedAddr}: endpoint unreachable: getting metadata`);
    expect(warnings).toContain(`store ${silentAddr}: endpoint unreachable: getting metadata`);
    expect(warnings).not.toContain(healthy.address);

    const labels = await get(q, 'labels', {});
    expect(labels.body.status).toBe('success');
    expect(labels.body.warnings?.join('\n')).toContain(refusedAddr);

    const strict = await get(q, 'query', { query: 'up', time: '60', partial_response: 'false' });
    expect(strict.body.status).toBe('error');
    expect(strict.body.error).toMatch(new RegExp(`(${refusedAddr}|${silentAddr})`));

    const log = readFileSync(procs[0]!.logFile, 'utf8');
    expect(log).toMatch(new RegExp(`store failed, returning partial response.*${refusedAddr}`));
    expect(log).toContain('store failed, failing the request (partial response disabled)');
  }, 90_000);

  it('reports a TLS failure to a plaintext store, as an error when --no-query.partial-response', async () => {
    const q = await startQuery('query-tls', ['--grpc-client-tls-secure', '--no-query.partial-response', `--endpoint=${healthy.address}`], 1);
    const strict = await get(q, 'query', { query: 'up', time: '60' });
    expect(strict.body.status).toBe('error');
    expect(strict.body.error).toContain(healthy.address);
    const partial = await get(q, 'query', { query: 'up', time: '60', partial_response: 'true' });
    expect(partial.body.status).toBe('success');
    expect(partial.body.data).toMatchObject({ result: [] });
    expect(partial.body.warnings?.join('\n')).toContain(`store ${healthy.address}: endpoint unreachable: getting metadata`);
  }, 90_000);
});
