// A streaming HTTP/1.1 POST straight over a socket, for remote read: Prometheus flushes one small chunk per frame
// (~10k per query), and node:http wakes JS once per chunk and once per socket read. Here the chunked framing is
// removed in place, each socket read reaches the consumer as one buffer, and a large answer is read in batches.
// Plain-TCP reads land in one shared buffer (no allocation per read); a consumer either borrows each piece while it
// is handed over (readBody) or takes a stream of copies (body). A peer that does not connect, or connects and never
// answers, is given up on after a deadline; a body past its cap fails with a LimitError.
import net from 'node:net';
import tls from 'node:tls';
import { Readable } from 'node:stream';
import { AbortError, LimitError, UnavailableError, errorMessage } from '../../runtime/errors.js';

/** Receives the body piece by piece; `data` is borrowed: valid only during the call (copy what must be kept). */
export interface BodySink {
  data(data: Buffer): void;
  end(): void;
  error(err: Error): void;
}

export interface HttpStreamResponse {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** The body with HTTP framing removed as a stream of owned Buffers (one per socket read). Use this or readBody. */
  readonly body: Readable;
  /** Hands the body to `sink` as it arrives, without copying. Use this or body. */
  readonly readBody: (sink: BodySink) => void;
  /** Stops reading until resume() (for readBody consumers that fall behind). */
  readonly pause: () => void;
  readonly resume: () => void;
  /** Drops the connection; a sink gets no more calls. */
  readonly destroy: () => void;
  /**
   * Caps this body at `maxBytes` (tighter than the pool's cap): a declared Content-Length above it fails at once,
   * otherwise the body fails with a LimitError as soon as it passes the cap. For consumers that buffer the body.
   */
  readonly limitBody: (maxBytes: number) => void;
}

export interface HttpStreamOptions {
  /**
   * Deadline for a new connection to be ready to send (TCP connect, and the TLS handshake for https), in ms; 0 = none.
   * Default 5s + 10s for TLS: upstream's HTTP client defaults (dialer_timeout 5s, tls_handshake_timeout 10s).
   */
  readonly connectTimeoutMs?: number;
  /** Extra time for the TLS handshake after the TCP connect, in ms; 0 = none. Default 10s. */
  readonly tlsHandshakeTimeoutMs?: number;
  /**
   * Deadline, from the request being sent on a connected socket, for the whole response head, in ms; 0 = none.
   * Default 2m (the querier's default --query.timeout: by then the caller has given up anyway). Upstream's
   * response_header_timeout defaults to none and leans on the caller's deadline, which a call without one lacks.
   */
  readonly headTimeoutMs?: number;
  /** Cap on any response body, in bytes; 0 = none (the default: streamed bodies are never held whole). */
  readonly maxBodyBytes?: number;
  /** TLS options (CA, client certificate, server name) for each new https connection, read when it is made. */
  readonly tls?: () => tls.ConnectionOptions;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
const DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_HEAD_TIMEOUT_MS = 120_000;

/** Largest response head accepted. */
const MAX_HEAD_BYTES = 64 << 10;
/**
 * Batching: once an answer has passed BATCH_AFTER bytes, a socket read smaller than BATCH_BELOW pauses reading for
 * BATCH_PAUSE_MS so the kernel gathers a bigger batch (about fifty times fewer wake-ups on a 10k-series answer,
 * at no cost in wall time since the producer keeps writing meanwhile). Small answers are read as they come.
 */
const BATCH_AFTER = 1 << 20;
const BATCH_BELOW = 32 << 10;
const BATCH_PAUSE_MS = 1;
/** Idle keep-alive connections kept per pool. */
const MAX_IDLE = 8;

/** Size of the buffer a pool's plain sockets read into. */
const READ_BUFFER_BYTES = 256 << 10;

/** Keep-alive connections to one origin. */
export class HttpStreamPool {
  private readonly idle: net.Socket[] = [];
  readonly connectTimeoutMs: number;
  readonly tlsHandshakeTimeoutMs: number;
  readonly headTimeoutMs: number;
  readonly maxBodyBytes: number;
  private readonly tlsOptions: (() => tls.ConnectionOptions) | undefined;
  /**
   * Every plain socket of the pool reads into this one buffer: each read is handled to the end before the next one
   * happens, and whatever is kept past that is copied (head bytes, body for `body` consumers, unfinished frames in
   * the splitter).
   */
  private readonly readBuffer = Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  /** What each socket's reads go to: the exchange in progress, or the idle handler. */
  private readonly readers = new WeakMap<net.Socket, (data: Buffer) => void>();

  constructor(private readonly url: URL, options: HttpStreamOptions = {}) {
    this.tlsOptions = options.tls;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.tlsHandshakeTimeoutMs = options.tlsHandshakeTimeoutMs ?? DEFAULT_TLS_HANDSHAKE_TIMEOUT_MS;
    this.headTimeoutMs = options.headTimeoutMs ?? DEFAULT_HEAD_TIMEOUT_MS;
    this.maxBodyBytes = options.maxBodyBytes ?? 0;
  }

  take(): net.Socket | undefined {
    for (;;) {
      const s = this.idle.pop();
      if (s === undefined) return undefined;
      const drop = this.readers.get(s);
      if (drop !== undefined) s.off('end', drop).off('close', drop).off('error', drop);
      this.readers.delete(s);
      if (!s.destroyed && s.readyState === 'open') {
        s.ref();
        return s;
      }
    }
  }

  give(s: net.Socket): void {
    if (this.idle.length >= MAX_IDLE || s.destroyed) {
      s.destroy();
      return;
    }
    // An idle connection does not keep the process alive; one the server closes (or writes to) is dropped.
    s.unref();
    const drop = (): void => {
      const i = this.idle.indexOf(s);
      if (i >= 0) this.idle.splice(i, 1);
      s.destroy();
    };
    this.readers.set(s, drop);
    s.on('end', drop).on('close', drop).on('error', drop);
    s.resume();
    this.idle.push(s);
  }

  connect(): net.Socket {
    const port = Number(this.url.port) || (this.url.protocol === 'https:' ? 443 : 80);
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    let s: net.Socket;
    if (this.url.protocol === 'https:') {
      s = tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...this.tlsOptions?.() });
      s.on('data', (data: Buffer) => this.readers.get(s)?.(data));
    } else {
      s = net.connect({ host, port, onread: { buffer: this.readBuffer, callback: (n, buf) => {
        this.readers.get(s)?.((buf as Buffer).subarray(0, n));
        return true;
      } } });
    }
    s.setNoDelay(true);
    return s;
  }

  /** Sends the reads of `s` to `reader` (an exchange's), or nowhere when undefined. */
  route(s: net.Socket, reader: ((data: Buffer) => void) | undefined): void {
    if (reader === undefined) this.readers.delete(s);
    else this.readers.set(s, reader);
  }

  close(): void {
    for (const s of this.idle.splice(0)) s.destroy();
  }
}

/**
 * POSTs `body` to `url` and resolves once the response head is in; the body then streams. A reused connection the
 * server had closed is retried once on a new one. Errors: UnavailableError naming the URL, AbortError on `signal`.
 */
export async function postStream(pool: HttpStreamPool, url: URL, headers: Readonly<Record<string, string>>, body: Uint8Array, signal?: AbortSignal): Promise<HttpStreamResponse> {
  const reused = pool.take();
  if (reused !== undefined) {
    try {
      return await exchange(pool, reused, url, headers, body, signal, true);
    } catch (err) {
      if (!(err instanceof StaleConnectionError)) throw err;
    }
  }
  return exchange(pool, pool.connect(), url, headers, body, signal, false);
}

/** A reused connection failed before any byte of the answer: the request can safely go again. */
class StaleConnectionError extends Error {}

function requestHead(url: URL, headers: Readonly<Record<string, string>>, length: number): string {
  let head = `POST ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  if (url.username !== '') {
    const cred = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    head += `Authorization: Basic ${Buffer.from(cred).toString('base64')}\r\n`;
  }
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  return head + `Content-Length: ${length}\r\n\r\n`;
}

function exchange(pool: HttpStreamPool, socket: net.Socket, url: URL, headers: Readonly<Record<string, string>>, payload: Uint8Array, signal: AbortSignal | undefined, reused: boolean): Promise<HttpStreamResponse> {
  const where = `POST ${url.origin}${url.pathname}`;
  return new Promise((resolve, reject) => {
    let head: Buffer | undefined;
    let decoder: BodyDecoder | undefined;
    let keepAlive = true;
    let received = 0;
    let batchTimer: NodeJS.Timeout | undefined;
    /** The connect deadline, then the response-head deadline; cleared once the head is in. */
    let deadline: NodeJS.Timeout | undefined;
    let bodyBytes = 0;
    let bodyLimit = pool.maxBodyBytes;
    /** Reading is held by the consumer (pause(), a full stream, or no consumer attached yet). */
    let held = false;
    let settled = false;
    let over = false;
    // Until a consumer attaches, body bytes and the outcome wait here (copied: reads are borrowed).
    let sink: BodySink | undefined;
    const early: Buffer[] = [];
    let earlyEnd = false;
    let earlyError: Error | undefined;

    const deliver = (data: Buffer): void => {
      if (sink !== undefined) sink.data(data);
      else early.push(Buffer.from(data));
    };
    const fail = (err: Error): void => {
      if (over) return;
      over = true;
      cleanup();
      socket.destroy();
      if (!settled) {
        settled = true;
        reject(err);
      } else if (sink !== undefined) sink.error(err);
      else earlyError = err;
    };
    const onAbort = (): void => fail(new AbortError('remote read aborted'));
    const arm = (ms: number, what: string): void => {
      clearTimeout(deadline);
      deadline = ms > 0 ? setTimeout(() => fail(new UnavailableError(`remote read: ${where}: ${what} within ${ms}ms`)), ms) : undefined;
    };
    const isTls = socket instanceof tls.TLSSocket;
    const onConnected = (): void => arm(pool.headTimeoutMs, 'no response head');
    const onTcpConnected = (): void => {
      if (isTls) arm(pool.tlsHandshakeTimeoutMs, 'no TLS handshake');
      else onConnected();
    };
    const overLimit = (n: number): LimitError =>
      new LimitError(`remote read: ${where}: response body of ${n} bytes or more exceeds the limit of ${bodyLimit} bytes`, 'remote_read_body_bytes', n);
    const cleanup = (): void => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(deadline);
      socket.removeListener('connect', onTcpConnected);
      socket.removeListener('secureConnect', onConnected);
      if (batchTimer !== undefined) clearTimeout(batchTimer);
      batchTimer = undefined;
      pool.route(socket, undefined);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const finish = (): void => {
      over = true;
      cleanup();
      if (keepAlive && decoder?.leftover === 0) pool.give(socket);
      else socket.destroy();
      if (sink !== undefined) sink.end();
      else earlyEnd = true;
    };
    const setHeld = (h: boolean): void => {
      held = h;
      if (over || socket.destroyed) return;
      if (h) socket.pause();
      else if (batchTimer === undefined) socket.resume();
    };

    const onBytes = (chunk: Buffer): void => {
      try {
        if (decoder === undefined) {
          head = head === undefined ? Buffer.from(chunk) : Buffer.concat([head, chunk]);
          const end = head.indexOf('\r\n\r\n');
          if (end < 0) {
            if (head.length > MAX_HEAD_BYTES) throw new UnavailableError(`remote read: ${where}: response head longer than ${MAX_HEAD_BYTES} bytes`);
            return;
          }
          const parsed = parseHead(head.subarray(0, end).toString('latin1'), where);
          const rest = head.subarray(end + 4);
          if (parsed.status >= 100 && parsed.status < 200) {
            // An interim answer (100 Continue): the real one follows.
            head = undefined;
            if (rest.length > 0) onBytes(rest);
            return;
          }
          keepAlive = !/(^|,)\s*close\s*(,|$)/i.test(parsed.headers.get('connection') ?? '');
          decoder = bodyDecoder(parsed.headers, where);
          clearTimeout(deadline);
          if (bodyLimit > 0 && decoder.declared > bodyLimit) throw overLimit(decoder.declared);
          settled = true;
          setHeld(true); // until a consumer attaches
          resolve(response(parsed));
          chunk = rest;
        }
        received += chunk.length;
        const data = decoder.decode(chunk);
        bodyBytes += data.length;
        if (bodyLimit > 0 && bodyBytes > bodyLimit) throw overLimit(bodyBytes);
        if (data.length > 0) deliver(data);
        if (decoder.done) finish();
        else if (received > BATCH_AFTER && chunk.length < BATCH_BELOW && batchTimer === undefined && !held) {
          socket.pause();
          batchTimer = setTimeout(() => {
            batchTimer = undefined;
            if (!held && !over) socket.resume();
          }, BATCH_PAUSE_MS);
        }
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    };

    const response = (parsed: ParsedHead): HttpStreamResponse => {
      let stream: Readable | undefined;
      const attach = (s: BodySink): void => {
        if (sink !== undefined) throw new Error('http-stream: the body is already being read');
        sink = s;
        for (const d of early.splice(0)) s.data(d);
        if (earlyError !== undefined) s.error(earlyError);
        else if (earlyEnd) s.end();
        else setHeld(false);
      };
      return {
        status: parsed.status,
        headers: parsed.headers,
        readBody: attach,
        pause: () => setHeld(true),
        resume: () => setHeld(false),
        destroy: () => {
          sink = { data: () => {}, end: () => {}, error: () => {} };
          if (!over) fail(new AbortError('remote read: body dropped by the reader'));
        },
        limitBody: (maxBytes: number) => {
          if (bodyLimit === 0 || maxBytes < bodyLimit) bodyLimit = maxBytes;
          if (over) return;
          const declared = decoder?.declared ?? 0;
          if (declared > bodyLimit) fail(overLimit(declared));
          else if (bodyBytes > bodyLimit) fail(overLimit(bodyBytes));
        },
        get body(): Readable {
          if (stream !== undefined) return stream;
          const st = new Readable({
            highWaterMark: 64 << 10,
            read: () => setHeld(false),
            destroy: (err, cb) => {
              if (!over) {
                over = true;
                cleanup();
                socket.destroy();
              }
              cb(err);
            },
          });
          // Errors reach the consumer through iteration or finished(); this keeps one that happens before the
          // consumer attaches from being thrown as an unhandled 'error' event.
          st.on('error', () => {});
          attach({
            data: (d) => {
              if (!st.push(Buffer.from(d))) setHeld(true);
            },
            end: () => st.push(null),
            error: (err) => st.destroy(err),
          });
          stream = st;
          return st;
        },
      };
    };

    const onEnd = (): void => {
      if (decoder !== undefined && decoder.untilClose) {
        keepAlive = false;
        decoder.done = true;
        finish();
      } else onClose();
    };
    const onClose = (): void => {
      if (reused && decoder === undefined && head === undefined) fail(new StaleConnectionError('connection closed'));
      else fail(new UnavailableError(`remote read: ${where}: connection closed before the answer was complete`));
    };
    const onError = (err: Error): void => {
      if (reused && decoder === undefined && head === undefined) fail(new StaleConnectionError(err.message));
      else fail(new UnavailableError(`remote read: ${where}: ${errorMessage(err)}`, { cause: err }));
    };

    if (signal?.aborted) {
      socket.destroy();
      reject(new AbortError('remote read aborted'));
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    pool.route(socket, onBytes);
    socket.on('end', onEnd).on('error', onError).on('close', onClose);
    if (reused) onConnected();
    else {
      arm(pool.connectTimeoutMs, 'no connection');
      socket.once('connect', onTcpConnected);
      if (isTls) socket.once('secureConnect', onConnected);
    }
    socket.resume();
    // One write for head and body: with Nagle off, two writes are two packets and two wake-ups of the server.
    const requestText = requestHead(url, headers, payload.length);
    const request = Buffer.allocUnsafe(Buffer.byteLength(requestText, 'latin1') + payload.length);
    const n = request.write(requestText, 'latin1');
    request.set(payload, n);
    socket.write(request);
  });
}

interface ParsedHead {
  readonly status: number;
  readonly headers: Map<string, string>;
}

function parseHead(text: string, where: string): ParsedHead {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (m === null) throw new UnavailableError(`remote read: ${where}: not an HTTP/1.1 answer: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new UnavailableError(`remote read: ${where}: malformed header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { status: Number(m[1]), headers };
}

/** Removes the body's framing from socket reads. */
interface BodyDecoder {
  /** The body bytes in `chunk` (may reuse its memory). */
  decode(chunk: Buffer): Buffer;
  done: boolean;
  /** Bytes that arrived after the body ended (the connection is then not reused). */
  readonly leftover: number;
  /** The body runs until the server closes (no length, not chunked). */
  readonly untilClose: boolean;
  /** The Content-Length, when one was sent (else 0). */
  readonly declared: number;
}

function bodyDecoder(headers: ReadonlyMap<string, string>, where: string): BodyDecoder {
  const te = headers.get('transfer-encoding');
  if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(te)) throw new UnavailableError(`remote read: ${where}: unsupported transfer-encoding ${JSON.stringify(te)}`);
    return new ChunkedDecoder(where);
  }
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw new UnavailableError(`remote read: ${where}: bad content-length ${JSON.stringify(cl)}`);
    return new LengthDecoder(Number(cl));
  }
  return new LengthDecoder(Infinity);
}

class LengthDecoder implements BodyDecoder {
  done: boolean;
  leftover = 0;
  readonly untilClose: boolean;
  readonly declared: number;

  constructor(private left: number) {
    this.done = left === 0;
    this.untilClose = left === Infinity;
    this.declared = left === Infinity ? 0 : left;
  }

  decode(chunk: Buffer): Buffer {
    if (chunk.length <= this.left) {
      this.left -= chunk.length;
      this.done = this.left === 0;
      return chunk;
    }
    this.leftover += chunk.length - this.left;
    const out = chunk.subarray(0, this.left);
    this.left = 0;
    this.done = true;
    return out;
  }
}

const enum Chunked { Size, Ext, SizeLf, Data, DataCr, DataLf, Trailer, TrailerLf }

/** Chunked transfer coding (RFC 9112 §7.1): chunk data is moved down over the framing in place. */
class ChunkedDecoder implements BodyDecoder {
  done = false;
  leftover = 0;
  readonly untilClose = false;
  readonly declared = 0;
  private state = Chunked.Size;
  private size = 0;
  private sizeDigits = 0;
  /** Data bytes left in the current chunk. */
  private left = 0;
  /** Characters on the current trailer line (an empty line ends the body). */
  private lineLen = 0;

  constructor(private readonly where: string) {}

  decode(chunk: Buffer): Buffer {
    let w = 0;
    let i = 0;
    const n = chunk.length;
    while (i < n && !this.done) {
      switch (this.state) {
        case Chunked.Data: {
          const take = Math.min(this.left, n - i);
          if (w !== i) chunk.copyWithin(w, i, i + take);
          w += take;
          i += take;
          this.left -= take;
          if (this.left === 0) this.state = Chunked.DataCr;
          break;
        }
        case Chunked.Size: {
          const c = chunk[i++]!;
          const d = hexDigit(c);
          if (d >= 0) {
            if (++this.sizeDigits > 12) this.fail('chunk size too long');
            this.size = this.size * 16 + d;
          } else if (c === 0x0d && this.sizeDigits > 0) this.state = Chunked.SizeLf;
          else if ((c === 0x3b || c === 0x20 || c === 0x09) && this.sizeDigits > 0) this.state = Chunked.Ext;
          else this.fail(`bad chunk size byte 0x${c.toString(16)}`);
          break;
        }
        case Chunked.Ext:
          if (chunk[i++] === 0x0d) this.state = Chunked.SizeLf;
          break;
        case Chunked.SizeLf:
          if (chunk[i++] !== 0x0a) this.fail('chunk size line not ended by CRLF');
          if (this.size === 0) {
            this.state = Chunked.Trailer;
            this.lineLen = 0;
          } else {
            this.left = this.size;
            this.state = Chunked.Data;
          }
          this.size = 0;
          this.sizeDigits = 0;
          break;
        case Chunked.DataCr:
          if (chunk[i++] !== 0x0d) this.fail('chunk data not followed by CRLF');
          this.state = Chunked.DataLf;
          break;
        case Chunked.DataLf:
          if (chunk[i++] !== 0x0a) this.fail('chunk data not followed by CRLF');
          this.state = Chunked.Size;
          break;
        case Chunked.Trailer:
          if (chunk[i++] === 0x0d) this.state = Chunked.TrailerLf;
          else this.lineLen++;
          break;
        case Chunked.TrailerLf:
          if (chunk[i++] !== 0x0a) this.fail('trailer line not ended by CRLF');
          if (this.lineLen === 0) this.done = true;
          this.lineLen = 0;
          this.state = Chunked.Trailer;
          break;
      }
    }
    this.leftover += n - i;
    return w === n ? chunk : chunk.subarray(0, w);
  }

  private fail(reason: string): never {
    throw new UnavailableError(`remote read: ${this.where}: malformed chunked body: ${reason}`);
  }
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}
