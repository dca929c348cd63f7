// End to end: a real `thanos-ts store` over a FILESYSTEM bucket holding two replicas' blocks, queried through a real
// `thanos-ts query`. Corrupting one block's chunk file (a flipped byte, then a truncation) loses only the series whose
// chunks it touches: the other block's series come back whole, the warning and the store's log name the block, the
// file and the byte offset, and with partial response disabled the query fails naming them instead.
import { readFileSync } from 'node:fs';
import { mkdtemp, open, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { formatLabels, labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { T0, openMetrics, promtoolBlocks, promtoolDump, uploadBlock, type SampleMap } from '../store/bucket/support.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

interface Proc { readonly proc: PeerProcess; readonly http: string; readonly grpc: string }

interface MatrixAnswer {
  status: string;
  error?: string;
  warnings?: string[];
  data?: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

let work = '';
let bucketDir = '';
let corruptId = '';
let healthyId = '';
let store: Proc | undefined;
let query: Proc | undefined;
const expected: SampleMap = new Map();

async function start(name: string, args: readonly string[]): Promise<Proc> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(name, process.execPath, ['--import', 'tsx', MAIN, ...args,
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`], { logDir: work, cwd: REPO_ROOT });
  const http = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    await proc.stop(1000);
    throw new Error(`${name} did not become ready: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return { proc, http, grpc: `127.0.0.1:${grpcPort}` };
}

/** Every series with its raw samples over the blocks' whole range, through the querier. */
async function rawSeries(partialResponse: boolean): Promise<{ code: number; body: MatrixAnswer }> {
  const params = new URLSearchParams({
    query: '{__name__=~".+"}[3h]', time: String((T0 + 2 * 3600_000) / 1000), partial_response: String(partialResponse),
  });
  const res = await fetch(`${query!.http}/api/v1/query?${params.toString()}`, { signal: AbortSignal.timeout(30_000) });
  return { code: res.status, body: await res.json() as MatrixAnswer };
}

/** The answer's series as label-set key → samples, checked against promtool's dump of the uploaded blocks. */
function checkedSeries(body: MatrixAnswer): Map<string, number> {
  const byReplica = new Map<string, number>();
  for (const s of body.data!.result) {
    const key = formatLabels(labelsFromRecord(s.metric));
    const want = expected.get(key);
    expect(want, `unexpected series ${key}`).toBeDefined();
    expect({ key, ts: s.values.map((v) => Math.round(v[0] * 1000)), vs: s.values.map((v) => Number(v[1])) }).toEqual({ key, ts: want!.ts, vs: want!.vs });
    byReplica.set(s.metric['replica']!, (byReplica.get(s.metric['replica']!) ?? 0) + 1);
  }
  return byReplica;
}

const seriesPerReplica = (): number => [...expected.values()].filter((e) => e.labels.some((l) => l.name === 'replica' && l.value === '1')).length;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-store-corrupt-'));
  bucketDir = path.join(work, 'bucket');
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'e2e', nopLogger), { logger: nopLogger });
  const [r0] = await promtoolBlocks(work, 'r0', openMetrics(2, 1));
  const [r1] = await promtoolBlocks(work, 'r1', openMetrics(2, 2));
  corruptId = await uploadBlock(bucket, r0!, { cluster: 'c', replica: '0' });
  healthyId = await uploadBlock(bucket, r1!, { cluster: 'c', replica: '1' });
  await bucket.close();
  for (const [k, v] of promtoolDump(path.join(work, 'r0'), { cluster: 'c', replica: '0' })) expected.set(k, v);
  for (const [k, v] of promtoolDump(path.join(work, 'r1'), { cluster: 'c', replica: '1' })) expected.set(k, v);
  await writeFile(path.join(work, 'bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
  store = await start('store', ['store', `--objstore.config-file=${path.join(work, 'bucket.yml')}`,
    `--data-dir=${path.join(work, 'data')}`, '--ignore-deletion-marks-delay=1h']);
  // No replica label: both replicas' series are returned side by side, so each one's losses can be counted.
  // Each check queries the same instant again after damaging the block: shared selects (a 5s window by default) would
  // answer it from the read before the damage, so they are off here.
  query = await start('query', ['query', `--endpoint=${store.grpc}`, '--query.shared-selects-window=0s']);
  for (let i = 0; ; i++) {
    const body = await (await fetch(`${query.http}/api/v1/stores`)).json() as { data: Record<string, { lastError: string | null }[]> };
    if (Object.values(body.data).flat().some((s) => s.lastError === null)) break;
    if (i > 150) throw new Error(`store not healthy in the querier: ${JSON.stringify(body.data)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(async () => {
  await query?.proc.stop(5000);
  await store?.proc.stop(5000);
  await rm(work, { recursive: true, force: true });
});

describe('store gateway with a corrupt chunk file', () => {
  it('loses only the series the corruption touches, naming block, file and offset in the warning and the log', async () => {
    const n = seriesPerReplica();
    expect(n).toBeGreaterThan(10);
    const clean = await rawSeries(true);
    expect(clean.body.warnings ?? []).toEqual([]);
    expect(Object.fromEntries(checkedSeries(clean.body))).toEqual({ 0: n, 1: n });

    // One flipped byte in the middle of the segment: one chunk, so one series of that block, is unreadable.
    const file = path.join(bucketDir, corruptId, 'chunks', '000001');
    const size = (await stat(file)).size;
    const fh = await open(file, 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, size >> 1);
    b[0] = b[0]! ^ 0xff;
    await fh.write(b, 0, 1, size >> 1);
    await fh.close();

    const flipped = await rawSeries(true);
    expect(flipped.code).toBe(200);
    expect(flipped.body.status).toBe('success');
    expect(Object.fromEntries(checkedSeries(flipped.body))).toEqual({ 0: n - 1, 1: n });
    const warnings = flipped.body.warnings ?? [];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`block ${corruptId}`);
    expect(warnings[0]).toMatch(new RegExp(`${corruptId}/chunks/000001 at byte \\d+`));
    expect(warnings.join('\n')).not.toContain(healthyId);
    const log = readFileSync(store!.proc.logFile, 'utf8').split('\n').filter((l) => l.includes('unreadable block data'));
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]).toContain(corruptId);
    expect(log[0]).toContain(`${corruptId}/chunks/000001`);
    expect(log[0]).toMatch(/offset[=":]+\d+/);

    // Partial response disabled: the query fails, and says where.
    const strict = await rawSeries(false);
    expect(strict.body.status).toBe('error');
    expect(strict.body.error).toContain(`${corruptId}/chunks/000001`);
    expect(readFileSync(store!.proc.logFile, 'utf8')).toContain('fails the request (partial response disabled)');

    // Truncated to 60%: the series whose chunks lay in the lost tail are gone, the rest of the block still answers.
    await truncate(file, Math.floor(size * 0.6));
    const cut = await rawSeries(true);
    expect(cut.body.status).toBe('success');
    const counts = checkedSeries(cut.body);
    expect(counts.get('1')).toBe(n);
    expect(counts.get('0')).toBeGreaterThan(0);
    expect(counts.get('0')).toBeLessThan(n - 1);
    expect(cut.body.warnings).toHaveLength(1);
    expect(cut.body.warnings![0]).toMatch(new RegExp(`${corruptId}/chunks/000001 at byte \\d+`));
  }, 120_000);
});
