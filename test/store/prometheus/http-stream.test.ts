// The remote-read HTTP/1.1 transport against loopback servers that control every byte of the answer: chunked
// framing split anywhere, length and until-close bodies, keep-alive reuse, a stale pooled connection, bad framing,
// aborts and big answers read in batches.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpStreamPool, postStream } from '../../../src/store/prometheus/http-stream.js';
import { PrometheusClient } from '../../../src/store/prometheus/client.js';
import { AbortError, InvalidArgumentError, UnavailableError } from '../../../src/runtime/errors.js';

interface RawServer {
  readonly url: URL;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads seen, in order. */
  readonly heads: string[];
  close(): Promise<void>;
}

/** A server that reads one request head + body per exchange and answers with `answer(socket, n)` (n counts requests). */
async function rawServer(answer: (s: net.Socket, n: number) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const heads: string[] = [];
  const state = { connections: 0 };
  let requests = 0;
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + len) return;
        heads.push(head);
        buf = buf.subarray(end + 4 + len);
        answer(s, requests++);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const out: RawServer = {
    url: new URL(`http://127.0.0.1:${port}/api/v1/read`),
    get connections() { return state.connections; },
    set connections(n) { state.connections = n; },
    heads,
    close: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  return out;
}

const servers: RawServer[] = [];
const pools: HttpStreamPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(answer: (s: net.Socket, n: number) => void): Promise<{ server: RawServer; pool: HttpStreamPool }> {
  const server = await rawServer(answer);
  const pool = new HttpStreamPool(server.url);
  servers.push(server);
  pools.push(pool);
  return { server, pool };
}

async function readAll(pool: HttpStreamPool, url: URL, signal?: AbortSignal): Promise<{ status: number; body: Buffer; type: string | undefined }> {
  const res = await postStream(pool, url, { 'Content-Type': 'application/x-protobuf' }, Buffer.from('request'), signal);
  const parts: Buffer[] = [];
  for await (const p of res.body) parts.push(p as Buffer);
  return { status: res.status, body: Buffer.concat(parts), type: res.headers.get('content-type') };
}

/** `body` as chunked coding with the given chunk sizes (the last one repeats), extensions and a trailer. */
function chunked(body: Buffer, size: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < body.length; i += size) {
    const c = body.subarray(i, i + size);
    parts.push(Buffer.from(`${c.length.toString(16)}${i === 0 ? ';ext=1' : ''}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\nX-Trailer: yes\r\n\r\n'));
  return Buffer.concat(parts);
}

const HEAD = 'HTTP/1.1 200 OK\r\nContent-Type: application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse\r\n';

function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

describe('http-stream', () => {
  it('decodes a chunked body split at every byte', async () => {
    const body = pattern(3000);
    const wire = Buffer.concat([Buffer.from(HEAD + 'Transfer-Encoding: chunked\r\n\r\n'), chunked(body, 97)]);
    // One byte per write with the socket's batching off: every state of the decoder meets a read boundary.
    const { server, pool } = await serve((s) => {
      s.setNoDelay(true);
      let i = 0;
      const next = (): void => {
        if (i >= wire.length) return;
        s.write(wire.subarray(i, i + 1), () => setImmediate(next));
        i++;
      };
      next();
    });
    const got = await readAll(pool, server.url);
    expect(got.status).toBe(200);
    expect(got.type).toMatch(/^application\/x-streamed-protobuf/);
    expect(got.body.equals(body)).toBe(true);
    expect(server.heads[0]).toMatch(/^POST \/api\/v1\/read HTTP\/1.1\r\nHost: 127.0.0.1:\d+\r\n/);
    expect(server.heads[0]).toContain('Content-Length: 7');
  });

  it('reads Content-Length and until-close bodies', async () => {
    const body = pattern(5000);
    const { server, pool } = await serve((s, n) => {
      if (n === 0) s.write(Buffer.concat([Buffer.from(HEAD + `Content-Length: ${body.length}\r\n\r\n`), body]));
      else s.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n'), body]));
    });
    expect((await readAll(pool, server.url)).body.equals(body)).toBe(true);
    expect((await readAll(pool, server.url)).body.equals(body)).toBe(true);
  });

  it('reuses a keep-alive connection', async () => {
    const body = pattern(100);
    const answer = Buffer.concat([Buffer.from(HEAD + 'Transfer-Encoding: chunked\r\n\r\n'), chunked(body, 40)]);
    const { server, pool } = await serve((s) => s.write(answer));
    for (let i = 0; i < 3; i++) expect((await readAll(pool, server.url)).body.equals(body)).toBe(true);
    expect(server.connections).toBe(1);
    expect(server.heads).toHaveLength(3);
  });

  it('retries on a new connection when a pooled one turns out closed', async () => {
    const body = pattern(64);
    const answer = Buffer.concat([Buffer.from(HEAD + `Content-Length: ${body.length}\r\n\r\n`), body]);
    const accepted: net.Socket[] = [];
    const { server, pool } = await serve((s) => {
      accepted.push(s);
      s.write(answer);
    });
    await readAll(pool, server.url);
    // Destroy the server side of the idle connection, then ask at once: the pool may still hold it.
    const idle = pool.take()!;
    pool.give(idle);
    accepted[0]!.destroy();
    const got = await readAll(pool, server.url);
    expect(got.body.equals(body)).toBe(true);
    expect(server.connections).toBe(2);
  });

  it('fails with UnavailableError naming the URL on bad framing, an early close or a refused connection', async () => {
    const bad = await serve((s) => s.write(HEAD + 'Transfer-Encoding: chunked\r\n\r\nzz\r\n'));
    await expect(readAll(bad.pool, bad.server.url)).rejects.toThrow(/remote read: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/read: malformed chunked body: bad chunk size byte 0x7a/);
    const early = await serve((s) => s.end(HEAD + 'Content-Length: 100\r\n\r\nonly a little'));
    const err = await readAll(early.pool, early.server.url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(String(err)).toMatch(/connection closed before the answer was complete/);
    const notHttp = await serve((s) => s.write('SSH-2.0-OpenSSH\r\n\r\n'));
    await expect(readAll(notHttp.pool, notHttp.server.url)).rejects.toThrow(/not an HTTP\/1.1 answer: "SSH-2.0-OpenSSH"/);
    const gone = new URL(early.server.url);
    await early.server.close();
    const pool = new HttpStreamPool(gone);
    pools.push(pool);
    await expect(readAll(pool, gone)).rejects.toThrow(/remote read: POST http:\/\/127\.0\.0\.1:\d+\/api\/v1\/read: .*ECONNREFUSED/);
  });

  it('stops on abort, before and during the body, and drops the connection', async () => {
    let serverSide: net.Socket | undefined;
    const { server, pool } = await serve((s) => {
      serverSide = s;
      s.write(HEAD + 'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
    });
    const ac = new AbortController();
    const res = await postStream(pool, server.url, {}, Buffer.from('x'), ac.signal);
    const it = res.body[Symbol.asyncIterator]();
    expect(Buffer.from((await it.next()).value as Buffer).toString()).toBe('hello');
    const closed = new Promise<void>((r) => serverSide!.on('close', () => r()));
    ac.abort();
    await expect(it.next()).rejects.toBeInstanceOf(AbortError);
    await closed;
    await expect(postStream(pool, server.url, {}, Buffer.from('x'), ac.signal)).rejects.toBeInstanceOf(AbortError);
  });

  it('delivers a big answer from many small chunks intact (read in batches)', async () => {
    const body = pattern(3 << 20);
    const wire = chunked(body, 1200);
    const { server, pool } = await serve((s) => {
      s.write(HEAD + 'Transfer-Encoding: chunked\r\n\r\n');
      let i = 0;
      const next = (): void => {
        while (i < wire.length) {
          const more = s.write(wire.subarray(i, i + 1207));
          i += 1207;
          if (!more) {
            s.once('drain', next);
            return;
          }
        }
      };
      next();
    });
    const got = await readAll(pool, server.url);
    expect(got.body.equals(body)).toBe(true);
  });

  it('hands a borrowed body to readBody, pausing and resuming on demand', async () => {
    const body = pattern(2 << 20);
    const wire = Buffer.concat([Buffer.from(HEAD + 'Transfer-Encoding: chunked\r\n\r\n'), chunked(body, 4000)]);
    const { server, pool } = await serve((s) => s.write(wire));
    const res = await postStream(pool, server.url, {}, Buffer.from('x'));
    const parts: Buffer[] = [];
    let paused = false;
    await new Promise<void>((resolve, reject) => {
      res.readBody({
        data: (d) => {
          expect(paused).toBe(false);
          parts.push(Buffer.from(d));
          if (parts.length === 3) {
            paused = true;
            res.pause();
            setTimeout(() => {
              paused = false;
              res.resume();
            }, 20);
          }
        },
        end: resolve,
        error: reject,
      });
    });
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    expect(() => res.readBody({ data: () => {}, end: () => {}, error: () => {} })).toThrow(/already being read/);
  });

  it('speaks TLS to an https URL: a certificate it cannot verify fails naming the URL; a trusted one streams', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'http-stream-tls-'));
    const body = pattern(200_000);
    const wire = Buffer.concat([Buffer.from(HEAD + 'Transfer-Encoding: chunked\r\n\r\n'), chunked(body, 1500)]);
    let server: tls.Server | undefined;
    let pool: HttpStreamPool | undefined;
    const previous = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'),
        '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
      server = tls.createServer({ key: readFileSync(path.join(dir, 'k.pem')), cert: readFileSync(path.join(dir, 'c.pem')) }, (s) => {
        s.on('error', () => {});
        s.once('data', () => s.write(wire));
      });
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
      const url = new URL(`https://127.0.0.1:${(server.address() as net.AddressInfo).port}/api/v1/read`);
      pool = new HttpStreamPool(url);
      const err = await readAll(pool, url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(String(err)).toMatch(/remote read: POST https:\/\/127\.0\.0\.1:\d+\/api\/v1\/read: .*self[- ]signed/);
      // Trust switched off for this one call (no CA option exists on this path): the body arrives through TLS reads.
      process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
      const got = await readAll(pool, url);
      expect(got.body.equals(body)).toBe(true);
    } finally {
      if (previous === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
      else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = previous;
      pool?.close(); // the kept-alive connection would hold server.close() open
      await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('surfaces an error status with the body as the message through PrometheusClient.remoteRead', async () => {
    const { server } = await serve((s, n) => {
      const [code, text] = n === 0 ? ['400 Bad Request', 'bad matcher'] : ['503 Service Unavailable', 'too many readers'];
      s.write(`HTTP/1.1 ${code}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
    });
    const client = new PrometheusClient(server.url.origin);
    try {
      const first = await client.remoteRead(Buffer.from('x')).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(InvalidArgumentError);
      expect(String(first)).toContain('remote read: prometheus answered 400: bad matcher');
      const second = await client.remoteRead(Buffer.from('x')).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(UnavailableError);
      expect(String(second)).toContain('remote read: prometheus answered 503: too many readers');
    } finally {
      client.close();
    }
  });
});
