// `thanos-ts standalone --demo` runs the compactor over its bucket by default: with the delays shortened it compacts
// the demo blocks (thanos_compact_* on standalone's /metrics) and the query API answers the same before and after;
// `--compact.disable` leaves the bucket alone.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../support/cli.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';

let work = '';
beforeAll(async () => { work = await mkdtemp(path.join(tmpdir(), 'e2e-compact-standalone-')); });
afterAll(async () => { if (work) await rm(work, { recursive: true, force: true }); });

async function start(name: string, dir: string, extra: readonly string[]): Promise<{ proc: PeerProcess; base: string; metric(n: string): Promise<number> }> {
  const [http, grpc] = [await freePort(), await freePort()];
  const proc = spawnPeer(name, process.execPath, [BIN, 'standalone', `--data-dir=${path.join(work, dir)}`,
    `--http-address=127.0.0.1:${http}`, `--grpc-address=127.0.0.1:${grpc}`, ...extra], { logDir: work, cwd: REPO_ROOT });
  const base = `http://127.0.0.1:${http}`;
  await waitForHttp(`${base}/-/ready`, proc, 90_000, (s) => s === 200).catch((err: unknown) => {
    throw new Error(`standalone did not start: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  });
  return {
    proc, base,
    async metric(n) {
      const text = await (await fetch(`${base}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith(n + ' ') || l.startsWith(n + '{')).reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    },
  };
}

/** Every raw sample of the last 3 days, as series → (count, first, last). */
async function count(base: string): Promise<string> {
  const res = await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}[3d]')}`)).json() as { data?: { result: { metric: unknown; values: [number, string][] }[] } };
  if (!res.data) throw new Error(`query failed: ${JSON.stringify(res)}`);
  return JSON.stringify(res.data.result.map((r) => [r.metric, r.values.length, r.values[0], r.values[r.values.length - 1]]).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)));
}

describe('standalone runs the compactor', () => {
  it('compacts the demo bucket, answers unchanged; --compact.disable does not', async () => {
    const off = await start('off', 'data', ['--demo', '--compact.disable']);
    let before: string;
    try {
      before = await count(off.base);
      expect(await off.metric('thanos_compact_iterations_total')).toBe(0);
    } finally {
      await off.proc.stop(5000);
    }
    // The same bucket (no new demo data): compacted now.
    const on = await start('on', 'data', ['--compact.consistency-delay=0s', '--compact.delete-delay=0s', '--sync-block-duration=1s']);
    try {
      await expect.poll(() => on.metric('thanos_compact_iterations_total'), { timeout: 120_000, interval: 500 }).toBeGreaterThanOrEqual(1);
      expect(await on.metric('thanos_compact_group_compactions_total')).toBeGreaterThanOrEqual(1);
      await new Promise((r) => setTimeout(r, 3000));
      expect(await count(on.base)).toEqual(before);
    } finally {
      await on.proc.stop(5000);
    }
  }, 300_000);
});
