// A minimal HTTP client over node:http(s) for the REST providers (Swift, cloud token endpoints): keep-alive agents
// with the http_config TLS options, a timeout until response headers, abort signals, streamed response bodies.
import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import { AbortError, UnavailableError, errorMessage } from '../../runtime/errors.js';
import type { Agents } from './http-config.js';
import { readAll } from '../streams.js';

export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  readonly agents?: Agents;
  readonly signal?: AbortSignal | undefined;
  /** Abort when no response headers arrived within this time. 0 = none. */
  readonly timeoutMs?: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body stream; consume it or call `discard()`. */
  readonly body: IncomingMessage;
}

export function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const url = new URL(req.url);
  const isHttps = url.protocol === 'https:';
  const mod = isHttps ? https : http;
  return new Promise<HttpResponse>((resolve, reject) => {
    if (req.signal?.aborted) {
      reject(new AbortError(`${req.method} ${url.pathname}: aborted`, { cause: req.signal.reason }));
      return;
    }
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = mod.request(url, { method: req.method, headers, ...(req.agents ? { agent: isHttps ? req.agents.https : req.agents.http } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => { r.destroy(new AbortError(`${req.method} ${url.pathname}: aborted`, { cause: req.signal?.reason })); };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
    };
    if (req.timeoutMs && req.timeoutMs > 0) {
      timer = setTimeout(() => r.destroy(new UnavailableError(`${req.method} ${url.host}${url.pathname}: no response within ${req.timeoutMs} ms`)), req.timeoutMs);
    }
    r.on('response', (res) => {
      if (timer) clearTimeout(timer);
      // Keep aborting the body while it streams; stop listening once it is done.
      res.once('close', cleanup);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    r.on('error', (err) => {
      cleanup();
      if (err instanceof AbortError || err instanceof UnavailableError) reject(err);
      else reject(new UnavailableError(`${req.method} ${url.host}${url.pathname}: ${errorMessage(err)}`, { cause: err }));
    });
    r.end(req.body);
  });
}

/** Reads a (small) response body as text. */
export async function bodyText(res: HttpResponse): Promise<string> {
  return (await readAll(res.body)).toString('utf8');
}

/** Drops a response body so the connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}

/** A single header value. */
export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
