// An HTTP client for the Prometheus the sidecar runs beside: readiness, external labels from the loaded config,
// label names/values and series through the HTTP API, and the raw remote-read call. Errors carry Prometheus's own
// message: 4xx answers become InvalidArgumentError, everything else UnavailableError. Remote read has connect and
// response-head deadlines, and a body that must be held whole (SAMPLES, an error text) has a size cap.
import { parseYaml } from '../../runtime/yaml-fields.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import { labelsFromRecord, sortLabels } from '../../tsdb/labels/labels.js';
import type { Label } from '../../tsdb/labels/labels.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { AbortError, InvalidArgumentError, UnavailableError, errorMessage } from '../../runtime/errors.js';
import { sleep } from '../../runtime/async.js';
import { HttpClient } from '../../runtime/http-client.js';
import { HttpStreamPool, postStream, type HttpStreamOptions } from './http-stream.js';
import type { PushedBody } from './stream-pump.js';

/** Bounds at or beyond these are "unbounded" and left out of API calls (Prometheus then uses its own extremes). */
export const UNBOUNDED_MS = 2 ** 52;

export interface TimeBounds {
  /** Inclusive, ms. */
  readonly start: number;
  readonly end: number;
}

/** Error texts of failed remote reads are read up to this many bytes (the rest is dropped with the connection). */
const MAX_ERROR_BODY_BYTES = 64 << 10;
/** The streamed remote-read answer's content type; anything else is one SAMPLES message read whole. */
const STREAMED_CONTENT_TYPE = 'application/x-streamed-protobuf';

export interface PrometheusClientOptions extends HttpStreamOptions {
  /**
   * --prometheus.http-client: auth, TLS and timeouts for every call (remote read included). Default: plain
   * defaults. The URL must carry no credentials (takeUrlCredentials moves them here).
   */
  readonly http?: HttpClient;
  /**
   * Cap on a SAMPLES remote-read body (snappy-compressed, held whole to be decoded), in bytes. Default 256 MiB, a
   * quarter of the decompressed cap (snappy seldom shrinks sample data more than that).
   */
  readonly maxSampledBodyBytes?: number;
  /**
   * Cap on that body once decompressed, checked before decompressing. Default 1 GiB: about what Prometheus's default
   * --storage.remote.read-sample-limit (5e7 samples of ~20 encoded bytes) lets through.
   */
  readonly maxSampledDecodedBytes?: number;
}

/** A remote-read answer: its content type, and the body to read either way http-stream offers. */
export interface RemoteReadResponse extends PushedBody {
  readonly contentType: string;
  /** The body as owned Buffers (one per socket read). Use this or readBody. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** PromQL selector text for matchers: `{a="b",c=~"d"}`. */
export function selectorString(matchers: readonly Matcher[]): string {
  return `{${matchers.map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`).join(',')}}`;
}

export class PrometheusClient {
  readonly baseUrl: string;

  /** Keep-alive connections for remote read, which is called per query. */
  private readonly readPool: HttpStreamPool;
  private readonly maxSampledBodyBytes: number;
  private readonly http: HttpClient;
  private readonly ownsHttp: boolean;
  /** Cap on a decompressed SAMPLES answer (the reader of the body applies it when decoding). */
  readonly maxSampledDecodedBytes: number;

  constructor(url: string, options: PrometheusClientOptions = {}) {
    this.baseUrl = url.endsWith('/') ? url : url + '/';
    this.http = options.http ?? new HttpClient();
    this.ownsHttp = options.http === undefined;
    const c = this.http.config;
    this.readPool = new HttpStreamPool(new URL(this.baseUrl), {
      connectTimeoutMs: c.dialTimeoutMs,
      tlsHandshakeTimeoutMs: c.tlsHandshakeTimeoutMs,
      ...(c.responseHeaderTimeoutMs > 0 ? { headTimeoutMs: c.responseHeaderTimeoutMs } : {}),
      ...options,
      tls: () => this.http.tlsOptions(),
    });
    this.maxSampledBodyBytes = options.maxSampledBodyBytes ?? 256 << 20;
    this.maxSampledDecodedBytes = options.maxSampledDecodedBytes ?? 1 << 30;
  }

  private url(path: string, params?: URLSearchParams): string {
    const u = new URL(path, this.baseUrl);
    if (params) u.search = params.toString();
    return u.toString();
  }

  private async request(method: string, path: string, what: string, signal: AbortSignal | undefined, params?: URLSearchParams): Promise<Response> {
    const url = this.url(path, params);
    try {
      return await this.http.fetch(url, { method, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (signal?.aborted) throw new AbortError(`${what} aborted`, { cause: err });
      // Say what to check: the operator needs to know it was --prometheus.url that failed.
      throw new UnavailableError(`${what}: ${errorMessage(err)} (is Prometheus running, and does --prometheus.url=${this.baseUrl} reach it?)`, { cause: err });
    }
  }

  /** Reads an API JSON envelope and returns `data`, or throws with Prometheus's `error` text. */
  private async apiData(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const env = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
    if (res.status >= 200 && res.status < 300 && env?.['status'] === 'success') return env['data'];
    const msg = typeof env?.['error'] === 'string' ? env['error'] : text.trim() || res.statusText;
    throw statusError(res.status, `${what}: prometheus answered ${res.status}: ${msg}`);
  }

  /** Whether GET /-/ready answers 200. Never throws for a down Prometheus. */
  async isReady(signal?: AbortSignal): Promise<boolean> {
    return (await this.notReadyReason(signal)) === undefined;
  }

  /**
   * Why GET /-/ready does not answer 200 (a status such as 401 from a wrong password, or the connection error), or
   * undefined when Prometheus is ready. Never throws for a down Prometheus.
   */
  async notReadyReason(signal?: AbortSignal): Promise<string | undefined> {
    try {
      const res = await this.request('GET', '-/ready', 'check readiness', signal);
      const text = await res.text();
      return res.status === 200 ? undefined : `GET ${this.baseUrl}-/ready answered ${res.status}: ${text.trim().slice(0, 200)}`;
    } catch (err) {
      if (err instanceof AbortError) throw err;
      return errorMessage(err);
    }
  }

  /** Polls readiness until ready; `onWait` hears each new reason it is not (to log it once, not every second). */
  async waitReady(timeoutMs: number, signal?: AbortSignal, intervalMs = 1000, onWait?: (reason: string) => void): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: string | undefined;
    for (;;) {
      const reason = await this.notReadyReason(signal);
      if (reason === undefined) return;
      if (reason !== last) onWait?.(reason);
      last = reason;
      if (Date.now() + intervalMs > deadline) throw new UnavailableError(`prometheus at ${this.baseUrl} not ready after ${timeoutMs}ms: ${reason}`);
      await sleep(intervalMs, signal);
    }
  }

  /** The external labels of the currently loaded config (GET /api/v1/status/config), sorted. */
  async externalLabels(signal?: AbortSignal): Promise<Labels> {
    const res = await this.request('GET', 'api/v1/status/config', 'get prometheus config', signal);
    const data = await this.apiData(res, 'get prometheus config');
    const yamlText = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['yaml'] : undefined;
    if (typeof yamlText !== 'string') throw new UnavailableError('get prometheus config: answer has no data.yaml');
    let cfg: unknown;
    try {
      cfg = parseYaml(yamlText);
    } catch (err) {
      throw new UnavailableError(`get prometheus config: parse yaml: ${errorMessage(err)}`, { cause: err });
    }
    const global = isRecord(cfg) ? cfg['global'] : undefined;
    const ext = isRecord(global) ? global['external_labels'] : undefined;
    if (ext === undefined || ext === null) return [];
    if (!isRecord(ext)) throw new UnavailableError('get prometheus config: global.external_labels is not a map');
    const rec: Record<string, string> = {};
    for (const [k, v] of Object.entries(ext)) rec[k] = typeof v === 'string' ? v : String(v);
    return labelsFromRecord(rec);
  }

  /** GET /api/v1/<path> and its `data` (the rules, targets, metadata and exemplars APIs the sidecar relays). */
  async apiGet(path: string, params: URLSearchParams, what: string, signal?: AbortSignal): Promise<unknown> {
    const res = await this.request('GET', `api/v1/${path}`, what, signal, params);
    return this.apiData(res, what);
  }

  /** GET /api/v1/labels. */
  async labelNames(matchers: readonly Matcher[], t: TimeBounds, signal?: AbortSignal): Promise<string[]> {
    const res = await this.request('GET', 'api/v1/labels', 'label names', signal, timeParams(matchers, t));
    return stringList(await this.apiData(res, 'label names'), 'label names');
  }

  /** GET /api/v1/label/<name>/values. */
  async labelValues(name: string, matchers: readonly Matcher[], t: TimeBounds, signal?: AbortSignal): Promise<string[]> {
    const res = await this.request('GET', `api/v1/label/${encodeURIComponent(name)}/values`, 'label values', signal, timeParams(matchers, t));
    return stringList(await this.apiData(res, 'label values'), 'label values');
  }

  /** GET /api/v1/series: label sets only (the answer to skip_chunks requests). Sorted labels, unsorted series. */
  async series(matchers: readonly Matcher[], t: TimeBounds, signal?: AbortSignal): Promise<Labels[]> {
    const res = await this.request('GET', 'api/v1/series', 'series', signal, timeParams(matchers, t));
    const data = await this.apiData(res, 'series');
    if (!Array.isArray(data)) throw new UnavailableError('series: answer data is not a list');
    return data.map((s: unknown, i) => {
      if (!isRecord(s)) throw new UnavailableError(`series: data[${i}] is not an object`);
      const labels: Label[] = [];
      for (const [name, value] of Object.entries(s)) labels.push({ name, value: String(value) });
      return sortLabels(labels);
    });
  }

  /** The lowest timestamp in the head (GET /api/v1/status/tsdb), or undefined when the head is empty. */
  async headMinTime(signal?: AbortSignal): Promise<number | undefined> {
    const res = await this.request('GET', 'api/v1/status/tsdb', 'tsdb status', signal);
    const data = await this.apiData(res, 'tsdb status');
    const head = isRecord(data) ? data['headStats'] : undefined;
    const min = isRecord(head) ? head['minTime'] : undefined;
    const numSeries = isRecord(head) ? head['numSeries'] : undefined;
    if (typeof min !== 'number' || numSeries === 0) return undefined;
    return min;
  }

  /** Prometheus's command-line flags (GET /api/v1/status/flags), names without dashes. */
  async flags(signal?: AbortSignal): Promise<Record<string, string>> {
    const res = await this.request('GET', 'api/v1/status/flags', 'prometheus flags', signal);
    const data = await this.apiData(res, 'prometheus flags');
    if (!isRecord(data)) throw new UnavailableError('prometheus flags: answer data is not an object');
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(data)) out[k] = String(v);
    return out;
  }

  /**
   * POST /api/v1/read with a snappy-compressed ReadRequest; the body streams (the caller must consume it). Goes
   * through http-stream rather than fetch or node:http: the streamed answer is the sidecar's hot path.
   */
  async remoteRead(compressedRequest: Uint8Array, signal?: AbortSignal): Promise<RemoteReadResponse> {
    const url = new URL('api/v1/read', this.baseUrl);
    const headers = { ...REMOTE_READ_HEADERS, ...(await this.http.authHeaders()) };
    const res = await postStream(this.readPool, url, headers, compressedRequest, signal);
    if (res.status !== 200) {
      const parts: Buffer[] = [];
      let n = 0;
      try {
        for await (const p of res.body) {
          parts.push(p as Buffer);
          n += (p as Buffer).length;
          if (n >= MAX_ERROR_BODY_BYTES) break; // leaving the loop drops the connection
        }
      } catch {
        // The status says enough when the error text cannot be read.
      }
      const msg = Buffer.concat(parts).subarray(0, MAX_ERROR_BODY_BYTES).toString('utf8').trim();
      throw statusError(res.status, `remote read: prometheus answered ${res.status}: ${msg}`);
    }
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.startsWith(STREAMED_CONTENT_TYPE)) res.limitBody(this.maxSampledBodyBytes);
    return {
      contentType,
      get body() {
        return res.body;
      },
      readBody: res.readBody,
      pause: res.pause,
      resume: res.resume,
      destroy: res.destroy,
    };
  }

  /** Drops idle remote-read connections. */
  close(): void {
    this.readPool.close();
    if (this.ownsHttp) this.http.close();
  }
}

const REMOTE_READ_HEADERS = {
  'Content-Encoding': 'snappy',
  'Content-Type': 'application/x-protobuf',
  'X-Prometheus-Remote-Read-Version': '0.1.0',
  'User-Agent': 'thanos-ts-sidecar',
};

function statusError(status: number, message: string): Error {
  return status >= 400 && status < 500 && status !== 429 ? new InvalidArgumentError(message) : new UnavailableError(message);
}

function timeParams(matchers: readonly Matcher[], t: TimeBounds): URLSearchParams {
  const p = new URLSearchParams();
  if (matchers.length > 0) p.append('match[]', selectorString(matchers));
  if (Math.abs(t.start) < UNBOUNDED_MS) p.set('start', (t.start / 1000).toString());
  if (Math.abs(t.end) < UNBOUNDED_MS) p.set('end', (t.end / 1000).toString());
  return p;
}

function stringList(data: unknown, what: string): string[] {
  if (data === null) return [];
  if (!Array.isArray(data) || !data.every((x) => typeof x === 'string')) throw new UnavailableError(`${what}: answer data is not a list of strings`);
  return data as string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

