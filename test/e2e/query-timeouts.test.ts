// End to end: a real thanos-ts query process under CPU-bound PromQL. Several heavy queries with timeout=1s each end
// with Prometheus's timeout error in time, while /-/healthy, /-/ready and /metrics keep answering quickly and a cheap
// query still answers; a client that hangs up stops its query's work; a big subquery's memory is given back after.
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startQuery, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';

// Six subqueries of 17.28 M steps each, evaluated one after another: about 2.6 s of CPU on a quiet machine, well
// beyond the 1 s timeout, while at most one subquery's samples are held at a time. (A single one takes under 0.5 s.)
const HEAVY = [1, 2, 3, 4, 5, 6].map((i) => `count_over_time(vector(${i})[1d:5ms])`).join(' + ');

interface ApiResp { status: string; errorType?: string; error?: string; data?: { result: unknown } }

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}

async function query(base: string, params: Record<string, string>, signal?: AbortSignal): Promise<{ code: number; body: ApiResp }> {
  const res = await fetch(`${base}/api/v1/query?${new URLSearchParams(params).toString()}`, { signal: signal ?? AbortSignal.timeout(30_000) });
  return { code: res.status, body: await res.json() as ApiResp };
}

/** Threads of the process busy on CPU: user+system ticks of each /proc task, summed. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/**
 * RSS once the process has settled: two readings a second apart within 4 MiB (at most 20 s). An ended worker's
 * replacement loads in the background after a query is cut off or a worker retired, and on a busy machine that
 * takes seconds; a reading taken meanwhile would charge the replacement to whatever is measured next.
 */
async function settledRssBytes(pid: number): Promise<number> {
  let last = await rssBytes(pid);
  for (let i = 0; i < 20; i++) {
    await new Promise((res) => setTimeout(res, 1000));
    const now = await rssBytes(pid);
    if (Math.abs(now - last) < 4 * 1024 * 1024) return now;
    last = now;
  }
  return last;
}

/** Probes each of `paths` every 25 ms (each on its own) until `until` settles; returns the latencies per path. */
async function probeWhile(base: string, paths: readonly string[], until: Promise<unknown>): Promise<Map<string, number[]>> {
  let done = false;
  void until.finally(() => { done = true; });
  const probe = async (p: string): Promise<[string, number[]]> => {
    const ms: number[] = [];
    while (!done) {
      const r = await timed(async () => {
        const res = await fetch(base + p, { signal: AbortSignal.timeout(10_000) });
        await res.arrayBuffer();
        return res.status;
      });
      expect(r.value, p).toBe(200);
      ms.push(r.ms);
      await new Promise((res) => setTimeout(res, 25));
    }
    return [p, ms];
  };
  return new Map(await Promise.all(paths.map(probe)));
}

describe('thanos-ts query under CPU-bound queries', () => {
  let work: string;
  let q: ThanosProc;

  beforeAll(async () => {
    work = await tempWorkDir('query-timeouts-e2e-');
    q = await startQuery(work, 'query', []);
    // The first queries load the evaluation workers' code; warm them as a querier in service is.
    await Promise.all([0, 1, 2, 3].map(() => query(q.httpUrl, { query: 'count(up)' })));
  });
  afterAll(async () => {
    await q?.proc.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('heavy queries time out within 1.5 s while health, readiness, metrics and a cheap query answer', async () => {
    // Connections open and the machine's own latency noted first: probes of an idle querier.
    const idle = await probeWhile(q.httpUrl, ['/-/healthy', '/-/ready', '/metrics'], new Promise((r) => setTimeout(r, 1000)));
    const heavy = Promise.all([0, 1, 2].map(() => timed(() => query(q.httpUrl, { query: HEAVY, timeout: '1s' }))));
    const cheap = (async () => {
      await new Promise((r) => setTimeout(r, 200));
      return timed(() => query(q.httpUrl, { query: 'count(up) + 1' }));
    })();
    const probes = probeWhile(q.httpUrl, ['/-/healthy', '/-/ready', '/metrics'], Promise.all([heavy, cheap]));
    const [results, c, lat] = await Promise.all([heavy, cheap, probes]);
    const fmt = (ms: readonly number[]): string => ms.map((x) => x.toFixed(0)).join(' ');
    console.log(`idle: ${[...idle].map(([p, ms]) => `${p} ms: ${fmt(ms)}`).join('; ')}`);
    console.log(`heavy ms: ${fmt(results.map((r) => r.ms))}; cheap ms: ${c.ms.toFixed(0)}; ${[...lat].map(([p, ms]) => `${p} ms: ${fmt(ms)}`).join('; ')}`);
    for (const r of results) {
      expect(r.value.code).toBe(503);
      expect(r.value.body).toEqual({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
      expect(r.ms).toBeLessThan(1500);
    }
    expect(c.value.code).toBe(200);
    expect(c.ms).toBeLessThan(1000);
    // Typically under 100 ms beyond what this (shared, possibly overloaded) machine already costs an idle querier
    // (on a quiet machine, the plain 100 ms), and never stalled for the length of a query: before evaluation moved
    // to workers, /-/healthy waited out the whole heavy query (1.25 s and more). Single probes on a machine whose
    // idle probes already take 200 ms are noise, hence the median, and a bound well under a query's length.
    const idleMedian = median([...idle.values()].flat());
    for (const [path, ms] of lat) {
      expect(ms.length, path).toBeGreaterThan(3);
      expect(median(ms), `${path} median (idle median ${idleMedian.toFixed(0)}): ${fmt(ms)}`).toBeLessThan(100 + idleMedian);
      expect(Math.max(...ms), `${path}: ${fmt(ms)}`).toBeLessThan(500);
    }
  });

  it('the default timeout (--query.timeout) ends a heavy query too', async () => {
    const w2 = await tempWorkDir('query-timeouts-flag-');
    const q2 = await startQuery(w2, 'query', [], ['--query.timeout=1s']);
    try {
      const r = await timed(() => query(q2.httpUrl, { query: HEAVY }));
      expect(r.value.code).toBe(503);
      expect(r.value.body.errorType).toBe('timeout');
      expect(r.ms).toBeLessThan(1500);
    } finally {
      await q2.proc.stop();
      await rm(w2, { recursive: true, force: true });
    }
  });

  it('a client hanging up stops its query: the process stops using CPU', async () => {
    const pid = q.proc.pid;
    const ac = new AbortController();
    const pending = query(q.httpUrl, { query: HEAVY }, ac.signal).catch((err: unknown) => err);
    await new Promise((r) => setTimeout(r, 500));
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    // Give the querier a moment to notice, then measure: an idle querier burns (almost) no CPU.
    // The ended worker's replacement loads in the background first (a few hundred ms of CPU on a busy machine).
    await new Promise((r) => setTimeout(r, 1500));
    const before = await cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 1000));
    const used = await cpuTicks(pid) - before;
    // 100 ticks a second per busy core: the heavy query, had it gone on, would use ~100; what is left is the
    // replacement worker loading (slow on a busy machine) and the querier's own housekeeping.
    expect(used).toBeLessThan(50);
  });

  it('a big subquery leaves no memory pinned once answered', async () => {
    const pid = q.proc.pid;
    const before = await settledRssBytes(pid);
    // 4.32 M subquery steps: a few hundred MB of samples while it runs.
    const r = await query(q.httpUrl, { query: 'count_over_time(vector(1)[6h:5ms])', time: '100000' });
    expect(r.code).toBe(200);
    expect(r.body.data?.result).toEqual([{ metric: {}, value: [100000, '4320000'] }]);
    // The worker that held the samples is retired and its replacement loads: measure once that is over.
    let after = await settledRssBytes(pid);
    for (let i = 0; i < 10 && after - before >= 64 * 1024 * 1024; i++) after = await settledRssBytes(pid);
    console.log(`rss before ${(before / 2 ** 20).toFixed(0)} MiB, after ${(after / 2 ** 20).toFixed(0)} MiB`);
    expect(after - before).toBeLessThan(64 * 1024 * 1024);
  });
});
