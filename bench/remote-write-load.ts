// Remote-write load for the receive benchmarks: SERIES series pre-encoded as snappy prompb WriteRequests of BATCH
// series per request, split among SENDERS senders that each send their rounds in order over keep-alive HTTP (as
// Prometheus's shards do), plus an open-loop sender at a fixed rate for overload runs, and RSS readings from /proc.
// (The same shape as bench/receive.ts's load, parameterised so several benchmarks can share it.)

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { encodeWriteRequestV1 } from '../src/receive/write-request-encode.js';
import { snappyEncode } from '../src/tsdb/encoding/snappy.js';

export interface LoadShape {
  readonly series: number;
  readonly rounds: number;
  readonly batch: number;
  readonly senders: number;
  /** Milliseconds between rounds' timestamps. */
  readonly step: number;
}

/** requests[sender][round] = that sender's pre-encoded bodies for the round. */
export function encodeLoad(shape: LoadShape, start: number): Uint8Array[][][] {
  const { series: total, rounds, batch, senders, step } = shape;
  const per = Math.ceil(total / senders);
  const out: Uint8Array[][][] = [];
  for (let s = 0; s < senders; s++) {
    const rs: Uint8Array[][] = [];
    for (let r = 0; r < rounds; r++) {
      const bodies: Uint8Array[] = [];
      for (let i = s * per; i < Math.min(total, (s + 1) * per); i += batch) {
        const series = [];
        for (let j = i; j < Math.min(total, (s + 1) * per, i + batch); j++) {
          series.push({
            labels: [{ name: '__name__', value: `bench_metric_${j % 100}` }, { name: 'instance', value: `host-${j}` }, { name: 'job', value: 'bench' }],
            ts: [start + r * step], vs: [(j * 7 + r) % 1000],
          });
        }
        bodies.push(snappyEncode(encodeWriteRequestV1(series)));
      }
      rs.push(bodies);
    }
    out.push(rs);
  }
  return out;
}

export function post(agent: http.Agent, url: URL, body: Uint8Array): Promise<number> {
  return postWithAnswer(agent, url, body).then((a) => a.status);
}

/** POSTs one body; the answer's text is kept only when it is not a 2xx (it says why). */
export function postWithAnswer(agent: http.Agent, url: URL, body: Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'Content-Encoding': 'snappy', 'Content-Type': 'application/x-protobuf', 'X-Prometheus-Remote-Write-Version': '0.1.0', 'Content-Length': body.length },
    }, (res) => {
      const status = res.statusCode ?? 0;
      const parts: Buffer[] = [];
      if (status >= 200 && status < 300) res.resume();
      else res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status, text: Buffer.concat(parts).toString('utf8').trim() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Sends rounds [from, to) with every sender at once, each waiting for its answers; returns seconds taken. With
 * `retried`, a 429 or 5xx is back-pressure as Prometheus reads it: the body is sent again after a backoff (30 ms,
 * doubling, at most 5 s: Prometheus's min/max_backoff) and the answer counted in `retried` by status; without it,
 * any answer but a 2xx fails the run.
 */
export async function sendRounds(target: string, load: Uint8Array[][][], from: number, to: number, retried?: Map<number, number>): Promise<number> {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: load.length });
  const t0 = performance.now();
  await Promise.all(load.map(async (rounds) => {
    for (let r = from; r < to; r++) {
      for (const body of rounds[r]!) {
        for (let backoff = 30; ; backoff = Math.min(backoff * 2, 5000)) {
          const { status, text } = await postWithAnswer(agent, url, body);
          if (status >= 200 && status < 300) break;
          if (!retried || (status !== 429 && status < 500)) throw new Error(`${target}: HTTP ${status}: ${text}`);
          retried.set(status, (retried.get(status) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, backoff));
        }
      }
    }
  }));
  agent.destroy();
  return (performance.now() - t0) / 1000;
}

/**
 * Open loop: starts `bodies` (cycled) at `perSecond` requests a second for `seconds`, not waiting for answers (at
 * most `maxOutstanding` at once, beyond which the sender itself stalls). Returns answers by status.
 */
export async function sendOpenLoop(target: string, bodies: readonly Uint8Array[], perSecond: number, seconds: number, maxOutstanding = 4096): Promise<Map<number | string, number>> {
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxOutstanding });
  const statuses = new Map<number | string, number>();
  const count = (k: number | string): void => { statuses.set(k, (statuses.get(k) ?? 0) + 1); };
  const outstanding = new Set<Promise<void>>();
  const t0 = performance.now();
  const total = Math.round(perSecond * seconds);
  for (let i = 0; i < total; i++) {
    const due = t0 + (i / perSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    while (outstanding.size >= maxOutstanding) await Promise.race(outstanding);
    const p: Promise<void> = post(agent, url, bodies[i % bodies.length]!).then(count, (err: unknown) => count(String((err as { code?: string }).code ?? err))).finally(() => { outstanding.delete(p); });
    outstanding.add(p);
  }
  await Promise.all(outstanding);
  agent.destroy();
  return statuses;
}

function statusField(pid: number, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

export const rssBytes = (pid: number): number => statusField(pid, 'VmRSS');
/** The process's peak RSS since it started (VmHWM). */
export const peakRssBytes = (pid: number): number => statusField(pid, 'VmHWM');
