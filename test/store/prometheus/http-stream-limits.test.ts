// The remote-read transport's deadlines and caps against real sockets: a listener whose accept queue is full (the
// connect never completes), a peer that accepts and never answers, one that stalls inside the head, bodies over the
// cap (declared and streamed), an endless error body, and a real Prometheus 2.42 whose SAMPLES answer meets the
// buffered-body and decompressed-size caps while the streamed answer, never held whole, is not capped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LimitError, UnavailableError } from '../../../src/runtime/errors.js';
import { PrometheusClient } from '../../../src/store/prometheus/client.js';
import { HttpStreamPool, postStream, type HttpStreamOptions } from '../../../src/store/prometheus/http-stream.js';
import { PrometheusStore } from '../../../src/store/prometheus/prometheus-store.js';
import { RESPONSE_SAMPLES } from '../../../src/store/prometheus/remote-read-codec.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { backfill, regularSeries, startPrometheus, type PrometheusPeer } from './prometheus-peer.js';
import { collectSamples } from './samples.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A loopback server running `onSocket` for each connection; closed (with its sockets) after the test. */
async function server(onSocket: (s: net.Socket) => void): Promise<URL> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s)).on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => {
    for (const s of sockets) s.destroy();
    srv.close(() => r());
  }));
  return new URL(`http://127.0.0.1:${(srv.address() as net.AddressInfo).port}/api/v1/read`);
}

/** Answers each request (once its head is in) by writing `reply` to the socket. */
function replying(reply: (s: net.Socket) => void): (s: net.Socket) => void {
  return (s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) { buf = ''; reply(s); }
    });
  };
}

function pool(url: URL, options: HttpStreamOptions): HttpStreamPool {
  const p = new HttpStreamPool(url, options);
  cleanups.push(() => p.close());
  return p;
}

async function readBody(p: HttpStreamPool, url: URL): Promise<Buffer> {
  const res = await postStream(p, url, {}, Buffer.from('request'));
  const parts: Buffer[] = [];
  for await (const x of res.body) parts.push(x as Buffer);
  return Buffer.concat(parts);
}

/** How long `p` takes to settle, and its error. */
async function timed(p: Promise<unknown>): Promise<{ ms: number; err: unknown }> {
  const t = Date.now();
  const err = await p.then(() => undefined, (e: unknown) => e);
  return { ms: Date.now() - t, err };
}

describe('http-stream deadlines', () => {
  it('gives up on a connection that never completes (the listener\'s accept queue is full)', async () => {
    // A real listener that never accepts, with a backlog of 0: once one connection waits in its queue, the kernel
    // drops further SYNs and connects hang.
    const py: ChildProcess = spawn('python3', ['-c',
      'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
    cleanups.push(() => { py.kill(); });
    const port = await new Promise<number>((resolve, reject) => {
      py.once('error', reject);
      py.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    const fillers: net.Socket[] = [];
    cleanups.push(() => { for (const f of fillers) f.destroy(); });
    for (let i = 0; i < 3; i++) fillers.push(net.connect(port, '127.0.0.1').on('error', () => {}));
    await new Promise((r) => setTimeout(r, 200));
    expect(fillers.some((f) => f.connecting)).toBe(true); // the queue is full: the precondition of this test

    const url = new URL(`http://127.0.0.1:${port}/api/v1/read`);
    const { ms, err } = await timed(readBody(pool(url, { connectTimeoutMs: 300 }), url));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(String(err)).toMatch(new RegExp(`remote read: POST http://127.0.0.1:${port}/api/v1/read: no connection within 300ms`));
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(3000);
  });

  it('gives up on a peer that accepts and never answers, and on one that stalls inside the head', async () => {
    let closed = 0;
    const silent = await server((s) => { s.resume().on('close', () => closed++); });
    const a = await timed(readBody(pool(silent, { headTimeoutMs: 300 }), silent));
    expect(a.err).toBeInstanceOf(UnavailableError);
    expect(String(a.err)).toContain('no response head within 300ms');
    expect(a.ms).toBeGreaterThanOrEqual(290);
    expect(a.ms).toBeLessThan(3000);
    await expect.poll(() => closed).toBe(1); // the connection is dropped, not left open

    const stalls = await server(replying((s) => s.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n')));
    const b = await timed(readBody(pool(stalls, { headTimeoutMs: 300 }), stalls));
    expect(String(b.err)).toContain('no response head within 300ms');

    // Once the head is in, the deadline no longer applies: a slow body is the caller's to bound.
    const slowBody = await server(replying((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab');
      setTimeout(() => s.write('cd'), 600);
    }));
    expect((await readBody(pool(slowBody, { headTimeoutMs: 300 }), slowBody)).toString()).toBe('abcd');
  });
});

describe('http-stream body caps', () => {
  const big = Buffer.alloc(2 << 20, 7);

  it('fails a body over the pool cap: a declared length at once, a chunked one as it passes the cap', async () => {
    const declared = await server(replying((s) => s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`)));
    const err = await postStream(pool(declared, { maxBodyBytes: 1 << 20 }), declared, {}, Buffer.from('x')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LimitError);
    expect(String(err)).toContain(`response body of ${big.length} bytes or more exceeds the limit of ${1 << 20} bytes`);

    const chunked = await server(replying((s) => {
      s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let i = 0; i < big.length; i += 64 << 10) s.write(`${(64 << 10).toString(16)}\r\n${big.subarray(i, i + (64 << 10)).toString('latin1')}\r\n`, 'latin1');
      s.write('0\r\n\r\n');
    }));
    await expect(readBody(pool(chunked, { maxBodyBytes: 1 << 20 }), chunked)).rejects.toThrow(LimitError);
    expect((await readBody(pool(chunked, {}), chunked)).equals(big)).toBe(true); // no cap by default
  });

  it('reads only the start of an endless error body', async () => {
    const endless = await server(replying((s) => {
      s.write('HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n');
      const line = `1000\r\n${'overloaded '.repeat(400).slice(0, 0x1000)}\r\n`;
      const pump = (): void => { while (!s.destroyed && s.write(line)); if (!s.destroyed) s.once('drain', pump); };
      pump();
    }));
    const client = new PrometheusClient(endless.origin);
    cleanups.push(() => client.close());
    const { ms, err } = await timed(client.remoteRead(Buffer.from('x')));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(String(err)).toContain('remote read: prometheus answered 503: overloaded overloaded');
    expect(String(err).length).toBeLessThanOrEqual((64 << 10) + 200);
    expect(ms).toBeLessThan(5000);
  });
});

describe('remote read caps against Prometheus 2.42', () => {
  const HOUR = 3600_000;
  const from = Math.floor((Date.now() - 5 * HOUR) / HOUR) * HOUR;
  const to = from + 3 * HOUR;
  let dir = '';
  let prom: PrometheusPeer;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'http-stream-limits-'));
    const series = [];
    for (let i = 0; i < 20; i++) series.push(regularSeries({ __name__: 'limit_gauge', i: String(i) }, from, to, 15_000, (k) => Math.sin(k / 7) * 1000 + i));
    await backfill(dir, path.join(dir, 'tsdb'), series);
    prom = await startPrometheus(dir);
  }, 120_000);

  afterAll(async () => {
    await prom?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const matchers = [new Matcher('=', '__name__', 'limit_gauge')];
  const store = (client: PrometheusClient, accepted?: number[]): PrometheusStore => new PrometheusStore(client, {
    externalLabels: () => labelsFromRecord({ cluster: 'test', replica: '0' }), minTime: () => from, ...(accepted ? { acceptedResponseTypes: accepted } : {}),
  });

  it('caps a SAMPLES answer (held whole) by its body and its decompressed size, but not a streamed one', async () => {
    const roomy = new PrometheusClient(prom.url, { headTimeoutMs: 10_000, connectTimeoutMs: 1000 });
    cleanups.push(() => roomy.close());
    const streamed = await collectSamples(store(roomy), matchers, from, to);
    expect(streamed).toHaveLength(20);
    expect(await collectSamples(store(roomy, [RESPONSE_SAMPLES]), matchers, from, to)).toEqual(streamed);

    const smallBody = new PrometheusClient(prom.url, { maxSampledBodyBytes: 4096 });
    cleanups.push(() => smallBody.close());
    const bodyErr = await collectSamples(store(smallBody, [RESPONSE_SAMPLES]), matchers, from, to).catch((e: unknown) => e);
    expect(bodyErr).toBeInstanceOf(LimitError);
    expect(String(bodyErr)).toMatch(/response body of \d+ bytes or more exceeds the limit of 4096 bytes/);
    // The same client streams the same data: the cap is for bodies held whole.
    expect(await collectSamples(store(smallBody), matchers, from, to)).toEqual(streamed);

    const smallDecoded = new PrometheusClient(prom.url, { maxSampledDecodedBytes: 64 << 10 });
    cleanups.push(() => smallDecoded.close());
    const decodedErr = await collectSamples(store(smallDecoded, [RESPONSE_SAMPLES]), matchers, from, to).catch((e: unknown) => e);
    expect(decodedErr).toBeInstanceOf(LimitError);
    expect(String(decodedErr)).toMatch(/remote read SAMPLES response: decompressed size \d+ bytes exceeds the limit of 65536 bytes/);
  });
});
