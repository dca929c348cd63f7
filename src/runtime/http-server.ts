// The HTTP server every mode runs (fastify): /metrics, /-/healthy, /-/ready, plus whatever routes the mode adds.
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { Server as HttpsServer } from 'node:https';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';
import type { Prober } from './prober.js';
import { parseHostPort } from './flag-values.js';
import { instrumentHttp } from './http-metrics.js';
import { registerProfilingRoutes } from './profiling.js';
import { traceHttp } from './tracing/spans.js';
import { logHttpRequests, type ProtocolLogging } from './request-logging.js';
import { WebAccess } from './web-access.js';
import { tlsServerOptions } from './web-config.js';
import { ConfigError, errorMessage } from './errors.js';

/**
 * Largest request body any route reads (a POSTed query, series or label request, a block mark): 10 MiB, the limit
 * of Go's form parser, so what upstream accepts is accepted. A larger body is answered 413 before it is buffered.
 */
export const MAX_REQUEST_BODY_BYTES = 10 << 20;

/** How much of a too large body is read and discarded so its sender can read the 413 (beyond it: connection closed). */
const DRAIN_BYTES = 64 << 20;

export interface HttpServerOptions {
  /** `host:port`, as --http-address. Port 0 picks a free port. */
  readonly address: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly prober: Prober;
  /** How long in-flight requests may take to finish on stop (--http-grace-period). */
  readonly gracePeriodMs: number;
  /** --http.config: TLS, basic auth, headers and rate limit (exporter-toolkit's web config). */
  readonly webConfigFile?: string | undefined;
  /** --debug.enable-profiling: serve the CPU profile and heap snapshot endpoints. */
  readonly profiling?: boolean;
  /** --request.logging-config's HTTP part. */
  readonly requestLogging?: ProtocolLogging;
  /** --tracing.config is on: a span per request (runtime/tracing). */
  readonly tracing?: boolean | undefined;
}

export class HttpServer {
  readonly app: FastifyInstance;
  private listening = false;

  private readonly tls: boolean;
  private readonly access: WebAccess | undefined;

  /** Throws ConfigError when --http.config cannot be read or is invalid. */
  constructor(private readonly options: HttpServerOptions) {
    const access = options.webConfigFile ? new WebAccess(options.webConfigFile, options.logger) : undefined;
    this.access = access;
    const tls = access?.initial.tls;
    this.tls = tls !== undefined;
    const base = { logger: false, forceCloseConnections: 'idle', return503OnClosing: true, bodyLimit: MAX_REQUEST_BODY_BYTES } as const;
    // Routes see the same request and reply objects over HTTPS; only the server's type differs.
    this.app = tls ? Fastify({ ...base, https: tlsServerOptions(tls) }) as unknown as FastifyInstance : Fastify(base);
    const { prober, registry } = options;
    instrumentHttp(this.app, registry);
    if (options.tracing) traceHttp(this.app);
    this.app.setErrorHandler((err: { code?: string; statusCode?: number }, req, reply) => {
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // fastify closes the connection at once, so a client still sending sees a broken pipe instead of this
        // answer; up to DRAIN_BYTES the rest is read and discarded (never buffered) and the client gets the answer.
        if (Number(req.headers['content-length'] ?? 0) <= DRAIN_BYTES) reply.removeHeader('connection');
        // Prometheus's API error shape, so API clients show the reason instead of a parse failure.
        return reply.code(413).send({
          status: 'error', errorType: 'bad_data',
          error: `request body too large: more than ${MAX_REQUEST_BODY_BYTES} bytes (the limit of every HTTP route)`,
        });
      }
      return reply.send(err);
    });
    if (options.requestLogging) logHttpRequests(this.app, options.requestLogging, options.logger);
    access?.attach(this.app, tls ? this.app.server as unknown as HttpsServer : undefined);
    this.app.get('/-/healthy', async (_req, reply) => {
      const h = prober.health;
      return reply.code(h.ok ? 200 : 503).type('text/plain; charset=utf-8')
        .send(h.ok ? 'OK' : `NOT HEALTHY. Reason: ${h.reason}`);
    });
    this.app.get('/-/ready', async (_req, reply) => {
      const r = prober.readiness;
      return reply.code(r.ok ? 200 : 503).type('text/plain; charset=utf-8')
        .send(r.ok ? 'OK' : `NOT READY. Reason: ${r.reason}`);
    });
    this.app.get('/metrics', async (_req, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    });
    registerProfilingRoutes(this.app, options.profiling ?? false, options.logger);
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  async listen(): Promise<{ host: string; port: number }> {
    const { host, port } = parseHostPort(this.options.address);
    try {
      await this.app.listen({ host, port });
    } catch (err) {
      // Named by flag and address, so the one line the CLI prints says which port is taken.
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'address already in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this host' : errorMessage(err);
      throw new ConfigError(`cannot listen on ${this.options.address}: ${reason}`, { where: '--http-address', cause: err });
    }
    this.listening = true;
    const addr = this.app.server.address();
    const bound = typeof addr === 'object' && addr !== null ? { host: addr.address, port: addr.port } : { host, port };
    this.options.logger.info('listening for requests and metrics', { component: 'http', address: `${bound.host}:${bound.port}`, tls: this.tls });
    this.options.prober.healthy();
    return bound;
  }

  /** Stops accepting connections and waits for in-flight requests, at most the grace period. */
  async close(): Promise<void> {
    this.access?.close();
    if (!this.listening) return;
    this.listening = false;
    this.options.prober.notReady('shutting down');
    const grace = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.app.server.closeAllConnections();
        resolve();
      }, this.options.gracePeriodMs);
      t.unref();
    });
    await Promise.race([this.app.close(), grace]);
    this.options.logger.info('internal server is shutdown gracefully', { component: 'http' });
  }
}
