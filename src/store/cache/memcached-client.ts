// A minimal memcached text-protocol client (get multi, set with TTL) over a small pool of TCP connections per
// server, keys spread over servers by hash. Each connection carries one request at a time, so a response is
// always the reply to the request just written.

import { createHash } from 'node:crypto';
import net from 'node:net';
import { UnavailableError } from '../../runtime/errors.js';

export interface MemcachedClientOptions {
  /** host:port of each server. */
  readonly addresses: readonly string[];
  /** Per-operation timeout in ms (default 500). */
  readonly timeoutMs?: number;
  /** Idle connections kept per server (default 100). */
  readonly maxIdleConnections?: number;
  /** Keys per get command (0 = all at once). */
  readonly maxGetMultiBatchSize?: number;
}

const CRLF = Buffer.from('\r\n');

type Parse = (buf: Buffer) => { consumed: number; done: boolean } | undefined;

class Connection {
  private buf: Buffer = Buffer.alloc(0);
  private current: { parse: Parse; resolve: () => void; reject: (e: Error) => void } | undefined;
  broken = false;

  constructor(readonly socket: net.Socket, private readonly address: string) {
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => { this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]); this.pump(); });
    socket.on('error', (err) => this.fail(new UnavailableError(`memcached ${address}: ${err.message}`, { cause: err })));
    socket.on('close', () => this.fail(new UnavailableError(`memcached ${address}: connection closed`)));
  }

  static open(address: string, timeoutMs: number): Promise<Connection> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i).replace(/^dns\+/, '').replace(/^\[|\]$/g, '');
    const port = Number(address.slice(i + 1));
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => { s.destroy(); reject(new UnavailableError(`memcached ${address}: connect timeout`)); }, timeoutMs);
      s.once('connect', () => { clearTimeout(t); s.removeAllListeners('error'); resolve(new Connection(s, address)); });
      s.once('error', (err) => { clearTimeout(t); reject(new UnavailableError(`memcached ${address}: ${err.message}`, { cause: err })); });
    });
  }

  /** Writes `req` and feeds the reply to `parse` until it says done. */
  request(req: Buffer | Buffer[], parse: Parse, timeoutMs: number): Promise<void> {
    if (this.broken) return Promise.reject(new UnavailableError(`memcached ${this.address}: connection broken`));
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { this.broken = true; this.socket.destroy(); reject(new UnavailableError(`memcached ${this.address}: timeout after ${timeoutMs}ms`)); }, timeoutMs);
      this.current = {
        parse,
        resolve: () => { clearTimeout(t); resolve(); },
        reject: (e) => { clearTimeout(t); reject(e); },
      };
      for (const b of Array.isArray(req) ? req : [req]) this.socket.write(b);
      this.pump();
    });
  }

  private pump(): void {
    const cur = this.current;
    if (!cur) return;
    try {
      for (;;) {
        const r = cur.parse(this.buf);
        if (r === undefined) return;
        this.buf = this.buf.subarray(r.consumed);
        if (r.done) { this.current = undefined; cur.resolve(); return; }
      }
    } catch (err) {
      this.current = undefined;
      this.broken = true;
      this.socket.destroy();
      cur.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private fail(err: Error): void {
    this.broken = true;
    const cur = this.current;
    this.current = undefined;
    cur?.reject(err);
  }

  close(): void {
    this.broken = true;
    this.socket.destroy();
  }
}

function serverError(line: string): Error | undefined {
  if (line === 'ERROR' || line.startsWith('CLIENT_ERROR') || line.startsWith('SERVER_ERROR')) return new Error(`memcached replied ${line}`);
  return undefined;
}

export class MemcachedClient {
  private readonly idle = new Map<string, Connection[]>();
  private readonly timeoutMs: number;
  private closed = false;

  constructor(private readonly options: MemcachedClientOptions) {
    if (options.addresses.length === 0) throw new Error('no memcached addresses given');
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  /** The server a key lives on. */
  private serverFor(key: string): string {
    const a = this.options.addresses;
    if (a.length === 1) return a[0]!;
    return a[createHash('md5').update(key).digest().readUInt32BE(0) % a.length]!;
  }

  private async withConn<T>(address: string, fn: (c: Connection) => Promise<T>): Promise<T> {
    if (this.closed) throw new UnavailableError('memcached client closed');
    const pool = this.idle.get(address) ?? [];
    this.idle.set(address, pool);
    let c = pool.pop();
    while (c?.broken) c = pool.pop();
    c ??= await Connection.open(address, this.timeoutMs);
    try {
      const out = await fn(c);
      if (!c.broken && !this.closed && pool.length < (this.options.maxIdleConnections ?? 100)) pool.push(c); else c.close();
      return out;
    } catch (err) {
      c.close();
      throw err;
    }
  }

  /** Values of the keys found. Rejects on connection or protocol failures. */
  async getMulti(keys: readonly string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const byServer = new Map<string, string[]>();
    for (const k of keys) {
      const s = this.serverFor(k);
      const l = byServer.get(s);
      if (l) l.push(k); else byServer.set(s, [k]);
    }
    const batch = this.options.maxGetMultiBatchSize ?? 0;
    const jobs: Promise<void>[] = [];
    for (const [server, ks] of byServer) {
      const size = batch > 0 ? batch : ks.length;
      for (let i = 0; i < ks.length; i += size) {
        const part = ks.slice(i, i + size);
        jobs.push(this.withConn(server, (c) => c.request(Buffer.from(`get ${part.join(' ')}\r\n`), getParser(out), this.timeoutMs)));
      }
    }
    await Promise.all(jobs);
    return out;
  }

  /** Stores a value with a TTL in seconds (0 = no expiry). */
  async set(key: string, value: Uint8Array, ttlSeconds: number): Promise<void> {
    const head = Buffer.from(`set ${key} 0 ${Math.max(0, Math.floor(ttlSeconds))} ${value.byteLength}\r\n`);
    await this.withConn(this.serverFor(key), (c) => c.request([head, Buffer.from(value.buffer, value.byteOffset, value.byteLength), CRLF], lineParser((line) => {
      if (line === 'STORED' || line === 'NOT_STORED') return;
      throw serverError(line) ?? new Error(`memcached set: unexpected reply ${line}`);
    }), this.timeoutMs));
  }

  close(): void {
    this.closed = true;
    for (const pool of this.idle.values()) for (const c of pool) c.close();
    this.idle.clear();
  }
}

/** A parser for a one-line reply. */
function lineParser(onLine: (line: string) => void): Parse {
  return (buf) => {
    const i = buf.indexOf(CRLF);
    if (i < 0) return undefined;
    onLine(buf.subarray(0, i).toString('latin1'));
    return { consumed: i + 2, done: true };
  };
}

/** Parses `VALUE <key> <flags> <bytes>\r\n<data>\r\n` … `END\r\n`, filling `out`. */
function getParser(out: Map<string, Buffer>): Parse {
  return (buf) => {
    const i = buf.indexOf(CRLF);
    if (i < 0) return undefined;
    const line = buf.subarray(0, i).toString('latin1');
    if (line === 'END') return { consumed: i + 2, done: true };
    const err = serverError(line);
    if (err) throw err;
    const m = /^VALUE (\S+) \d+ (\d+)/.exec(line);
    if (!m) throw new Error(`memcached get: unexpected reply ${line.slice(0, 80)}`);
    const n = Number(m[2]);
    if (buf.length < i + 2 + n + 2) return undefined;
    out.set(m[1]!, Buffer.from(buf.subarray(i + 2, i + 2 + n)));
    return { consumed: i + 2 + n + 2, done: false };
  };
}
