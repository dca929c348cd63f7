// POST /api/v1/receive (upstream pkg/receive/handler.go, pipeline in ../shared/reference/compact-receive-rule.md
// §2.2): tenant, auth, limits, snappy, protobuf (remote write 1.0 or 2.0), then the writer; the status code tells
// Prometheus what to do (2xx done, 5xx and 429 retry, other 4xx drop). Error bodies are text/plain reasons.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';
import { InvalidArgumentError, UnavailableError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { TokenAuth } from './auth.js';
import { BodyError, MAX_BODY_BYTES, V2_PROTO, unmarshal, unsnappy } from './decode-body.js';
import type { DecodePool, Decoded } from './decode-pool.js';
import { limitsFor, type LimitsMetrics, type WriteLimits } from './limits.js';
import { tenantProblem } from './multitsdb.js';
import type { TenantWriter, WriteResult } from './writer.js';

export interface HandlerOptions {
  readonly writer: TenantWriter;
  /** --receive.tenant-header */
  readonly tenantHeader: string;
  /** --receive.default-tenant-id */
  readonly defaultTenant: string;
  /** --receive.replica-header */
  readonly replicaHeader: string;
  readonly limits: () => WriteLimits;
  /** Head series a tenant holds now, for head_series_limit. */
  readonly headSeries: (tenant: string) => number;
  readonly auth?: TokenAuth;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly limitsMetrics?: LimitsMetrics;
  /** Worker threads that decode bodies; without it they are decoded on this thread. */
  readonly decodePool?: DecodePool | undefined;
  /** --receive.max-inflight-request-bytes: compressed bytes of requests in progress; beyond it, 503 at once. 0 = no cap. */
  readonly maxInflightRequestBytes?: number | undefined;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface HandlerMetrics {
  readonly timeseries: Histogram;
  readonly samples: Histogram;
  readonly pending: Gauge;
  readonly requests: Counter;
  /** The mode's http_request_duration_seconds, http_request_size_bytes and http_inflight_requests, handler="receive". */
  readonly duration: Histogram;
  readonly requestSize: Histogram;
  readonly inflight: Gauge;
  readonly outOfOrder: Counter;
  readonly outOfBounds: Counter;
  readonly duplicate: Counter;
}

function createMetrics(registry: Registry): HandlerMetrics {
  const registers = [registry];
  const buckets = [10, 50, 100, 500, 1000, 5000, 10000];
  return {
    timeseries: new Histogram({ name: 'thanos_receive_write_timeseries', help: 'The number of timeseries received in the incoming write requests.', labelNames: ['code', 'tenant'], buckets, registers }),
    samples: new Histogram({ name: 'thanos_receive_write_samples', help: 'The number of sampled received in the incoming write requests.', labelNames: ['code', 'tenant'], buckets, registers }),
    pending: new Gauge({ name: 'thanos_receive_pending_write_requests', help: 'The number of pending write requests.', registers }),
    // The mode's HTTP server registers http_requests_total already (same labels); the listener adds handler="receive".
    requests: (registry.getSingleMetric('http_requests_total') as Counter | undefined)
      ?? new Counter({ name: 'http_requests_total', help: 'Tracks the number of HTTP requests.', labelNames: ['code', 'handler', 'method'], registers }),
    // Upstream instruments the remote-write handler like every other (receive dashboard: Duration, sizes, in flight).
    duration: (registry.getSingleMetric('http_request_duration_seconds') as Histogram | undefined)
      ?? new Histogram({ name: 'http_request_duration_seconds', help: 'Tracks the latencies for HTTP requests.', labelNames: ['code', 'handler', 'method'], registers }),
    requestSize: (registry.getSingleMetric('http_request_size_bytes') as Histogram | undefined)
      ?? new Histogram({ name: 'http_request_size_bytes', help: 'Tracks the size of HTTP requests.', labelNames: ['code', 'handler', 'method'], registers }),
    inflight: (registry.getSingleMetric('http_inflight_requests') as Gauge | undefined)
      ?? new Gauge({ name: 'http_inflight_requests', help: 'Current number of HTTP requests the handler is responding to.', labelNames: ['handler', 'method'], registers }),
    outOfOrder: new Counter({ name: 'prometheus_tsdb_out_of_order_samples_total', help: 'Total number of out of order samples ingestion failed attempts.', labelNames: ['tenant'], registers }),
    outOfBounds: new Counter({ name: 'prometheus_tsdb_out_of_bound_samples_total', help: 'Total number of out of bound samples ingestion failed attempts.', labelNames: ['tenant'], registers }),
    duplicate: new Counter({ name: 'thanos_receive_duplicate_samples_total', help: 'Total number of samples refused as duplicates (same timestamp, different value).', labelNames: ['tenant'], registers }),
  };
}

/** A counting semaphore for write.global.max_concurrency (waits, never refuses). */
class Gate {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  async enter(limit: number): Promise<void> {
    if (limit <= 0 || this.inFlight < limit) { this.inFlight++; return; }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
  }

  leave(): void {
    this.inFlight--;
    this.waiting.shift()?.();
  }
}

/**
 * The bytes of requests being read, decoded, written or forwarded. Each request reserves its declared length (or the
 * body limit when it declares none) before its body is read; one past the cap is refused before any of it is read,
 * so memory under overload stays bounded instead of growing with the offered load. A lone request is always
 * admitted, so a cap below one body never refuses everything.
 */
class InflightBytes {
  private held = 0;

  constructor(private readonly cap: number) {}

  tryTake(bytes: number): boolean {
    if (this.cap > 0 && this.held > 0 && this.held + bytes > this.cap) return false;
    this.held += bytes;
    return true;
  }

  give(bytes: number): void {
    this.held -= bytes;
  }

  get bytes(): number {
    return this.held;
  }
}

export class ReceiveHandler {
  private readonly metrics: HandlerMetrics | undefined;
  private readonly gate = new Gate();
  private readonly inflightBytes: InflightBytes;

  constructor(private readonly o: HandlerOptions) {
    this.metrics = o.registry ? createMetrics(o.registry) : undefined;
    this.inflightBytes = new InflightBytes(o.maxInflightRequestBytes ?? 0);
  }

  /** Compressed bytes of requests in progress (reserved by their declared length). */
  get inflightRequestBytes(): number {
    return this.inflightBytes.bytes;
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.serve(req, res);
  };

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    let tenant = '';
    let series = 0;
    let samples = 0;
    let status = 200;
    let decoded: Decoded | undefined;
    let reserved = 0;
    const m = this.metrics;
    m?.pending.inc();
    const started = process.hrtime.bigint();
    // promhttp's label: the method lower-cased (as runtime/http-metrics.ts writes it for every other handler).
    const method = (req.method ?? '').toLowerCase();
    const counted = m !== undefined && path === '/api/v1/receive';
    if (counted) m.inflight.inc({ handler: 'receive', method });
    try {
      if (path !== '/api/v1/receive') throw new HttpError(404, `404 page not found: ${path}`);
      if (req.method !== 'POST') throw new HttpError(405, `method ${req.method} not allowed; POST a remote write request`);
      tenant = this.tenantOf(req);
      const limits = this.o.limits();
      const tl = limitsFor(limits, tenant);
      if (tl.headSeries > 0 && this.o.headSeries(tenant) >= tl.headSeries) {
        this.o.limitsMetrics?.headSeriesLimited.inc({ tenant });
        throw new HttpError(429, `tenant is above active series limit (${this.o.headSeries(tenant)} head series, limit ${tl.headSeries})`);
      }
      const sizeLimit = tl.request.sizeBytes;
      const declared = Number(req.headers['content-length'] ?? NaN);
      if (sizeLimit > 0 && declared > sizeLimit) {
        this.o.limitsMetrics?.hit.observe({ tenant, limit: 'body_size' }, declared - sizeLimit);
        throw new HttpError(413, `write request too large: ${declared} bytes, limit ${sizeLimit}`);
      }
      const bodyMax = sizeLimit > 0 ? sizeLimit : MAX_BODY_BYTES;
      const cost = Number.isFinite(declared) && declared >= 0 ? Math.min(declared, bodyMax) : bodyMax;
      if (!this.inflightBytes.tryTake(cost)) {
        // 503, not 429: Prometheus 2.x retries 5xx with backoff but drops 429 unless retry_on_http_429.
        throw new HttpError(503, `receive is over --receive.max-inflight-request-bytes (${this.inflightBytes.bytes} bytes of requests in progress); retry later`);
      }
      reserved = cost;
      const body = await readBody(req, bodyMax, (n) => { if (sizeLimit > 0) this.o.limitsMetrics?.hit.observe({ tenant, limit: 'body_size' }, n - sizeLimit); });
      const version = this.versionOf(req);
      try {
        decoded = this.o.decodePool
          ? await this.o.decodePool.decode(tenant, body, version, sizeLimit, this.o.headSeries(tenant))
          : { req: unmarshal(unsnappy(body, sizeLimit), version), release: () => undefined };
      } catch (err) {
        if (err instanceof BodyError && err.overLimit !== undefined) this.o.limitsMetrics?.hit.observe({ tenant, limit: 'body_size' }, err.overLimit);
        throw err;
      }
      const wr = decoded.req;
      const replica = req.headers[this.o.replicaHeader.toLowerCase()];
      if (typeof replica === 'string' && replica !== '' && !/^\d+$/.test(replica)) throw new HttpError(400, `${this.o.replicaHeader} header ${JSON.stringify(replica)} is not an unsigned integer`);
      const replicaNumber = typeof replica === 'string' && replica !== '' ? Number(replica) : 0;
      series = wr.series.length;
      samples = wr.samples;
      if (series === 0) {
        // Nothing to store (metadata-only requests included, as upstream): 200.
        if (version === 2) writtenHeaders(res, 0);
        res.statusCode = 200;
        res.end();
        return;
      }
      if (tl.request.series > 0 && series > tl.request.series) {
        this.o.limitsMetrics?.hit.observe({ tenant, limit: 'series' }, series - tl.request.series);
        throw new HttpError(413, `too many timeseries: ${series}, limit ${tl.request.series}`);
      }
      if (tl.request.samples > 0 && samples > tl.request.samples) {
        this.o.limitsMetrics?.hit.observe({ tenant, limit: 'samples' }, samples - tl.request.samples);
        throw new HttpError(413, `too many samples: ${samples}, limit ${tl.request.samples}`);
      }
      let result: WriteResult;
      await this.gate.enter(limits.maxConcurrency);
      try {
        result = await this.o.writer.write(tenant, wr, replicaNumber);
      } catch (err) {
        if (err instanceof UnavailableError) throw new HttpError(503, `Service Unavailable: ${errorMessage(err)}`);
        if (err instanceof InvalidArgumentError) throw new HttpError(400, errorMessage(err));
        throw err;
      } finally {
        this.gate.leave();
      }
      if (m) {
        if (result.outOfOrder) m.outOfOrder.inc({ tenant }, result.outOfOrder);
        if (result.outOfBounds) m.outOfBounds.inc({ tenant }, result.outOfBounds);
        if (result.duplicate) m.duplicate.inc({ tenant }, result.duplicate);
      }
      if (version === 2) writtenHeaders(res, result.samplesWritten);
      if (result.conflicts > 0) {
        // As upstream: 409 tells Prometheus not to retry; the good samples of the request are stored.
        throw new HttpError(409, `${result.conflicts} samples or series refused (${result.samplesWritten} stored): ${result.conflictReason ?? 'conflict'}`);
      }
      if (result.unsupported > 0) throw new HttpError(400, `${result.unsupported} samples not stored (${result.samplesWritten} stored): ${result.unsupportedReason ?? 'unsupported'}`);
    } catch (err) {
      if (err instanceof HttpError || err instanceof BodyError) status = err.status;
      else {
        status = 500;
        this.o.logger.error('remote write failed', { tenant, err: errorMessage(err) });
      }
      if (status >= 500 || status === 429) this.o.logger.debug('remote write refused', { tenant, status, err: errorMessage(err) });
      if (!res.headersSent) {
        res.statusCode = status;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.end(`${errorMessage(err)}\n`);
      }
      return;
    } finally {
      decoded?.release();
      this.inflightBytes.give(reserved);
      m?.pending.dec();
      if (counted) {
        const code = String(status);
        const labels = { code, handler: 'receive', method };
        m.inflight.dec({ handler: 'receive', method });
        m.requests.inc(labels);
        m.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
        m.requestSize.observe(labels, Number(req.headers['content-length'] ?? 0) || 0);
        if (tenant !== '' && series > 0) {
          m.timeseries.observe({ code, tenant }, series);
          m.samples.observe({ code, tenant }, samples);
        }
      }
    }
    res.statusCode = status;
    res.end();
  }

  /** Tenant from the auth token, the tenant header or the default (upstream's order, with auth first). */
  private tenantOf(req: IncomingMessage): string {
    const hv = (name: string): string | undefined => {
      const v = req.headers[name.toLowerCase()];
      return typeof v === 'string' && v !== '' ? v : undefined;
    };
    const fromHeader = hv(this.o.tenantHeader) ?? hv('THANOS-TENANT');
    let tenant = fromHeader ?? this.o.defaultTenant;
    if (this.o.auth) {
      const auth = hv('authorization');
      const m = auth === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(auth);
      if (!m) throw new HttpError(401, 'Unauthorized: a bearer token is required (Authorization: Bearer <token>)');
      const owner = this.o.auth.tenantOf(m[1]!);
      if (owner === undefined) throw new HttpError(401, 'Unauthorized: unknown bearer token');
      if (fromHeader !== undefined && fromHeader !== owner) throw new HttpError(403, `Forbidden: this token writes as tenant ${owner}, not ${fromHeader}`);
      tenant = owner;
    }
    const bad = tenantProblem(tenant);
    if (bad) throw new HttpError(400, bad);
    return tenant;
  }

  /** 1 or 2 from Content-Type (remote write spec); another protobuf message is 415. */
  private versionOf(req: IncomingMessage): 1 | 2 {
    const ct = req.headers['content-type'];
    if (ct === undefined || ct === '') return 1;
    const parts = ct.split(';').map((p) => p.trim());
    const type = parts[0]!.toLowerCase();
    if (type !== 'application/x-protobuf') throw new HttpError(415, `unsupported Content-Type ${JSON.stringify(ct)}: want application/x-protobuf`);
    const proto = parts.slice(1).find((p) => p.toLowerCase().startsWith('proto='))?.slice(6);
    if (proto === undefined || proto === 'prometheus.WriteRequest') return 1;
    if (proto === V2_PROTO) return 2;
    throw new HttpError(415, `unsupported remote write message ${JSON.stringify(proto)}: want prometheus.WriteRequest or ${V2_PROTO}`);
  }
}

function writtenHeaders(res: ServerResponse, samples: number): void {
  res.setHeader('X-Prometheus-Remote-Write-Samples-Written', String(samples));
  res.setHeader('X-Prometheus-Remote-Write-Histograms-Written', '0');
  res.setHeader('X-Prometheus-Remote-Write-Exemplars-Written', '0');
}

/** Reads the body, refusing (413) one past `max` bytes as soon as it gets there. */
function readBody(req: IncomingMessage, max: number, onTooLarge: (n: number) => void): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      n += c.length;
      if (n > max) {
        failed = true;
        onTooLarge(n);
        reject(new HttpError(413, `write request too large: more than ${max} bytes`));
        req.resume();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => { if (!failed) resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, n)); });
    req.on('error', (err) => { if (!failed) { failed = true; reject(new HttpError(400, `reading the request body: ${err.message}`)); } });
  });
}
