// HTTP server metrics under upstream's names (http_requests_total, http_request_duration_seconds, request and
// response sizes, in-flight requests; labels handler, code, method), as pkg/extprom/http instruments every route.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120, 240, 360, 720];
/** prometheus.ExponentialBuckets(64, 2, 10). */
const SIZE_BUCKETS = Array.from({ length: 10 }, (_, i) => 64 * 2 ** i);

/** Upstream's handler names for the Prometheus HTTP API routes (pkg/api/query/v1.go, pkg/api/api.go). */
const API_HANDLERS: Readonly<Record<string, string>> = {
  'query': 'query', 'query_explain': 'query', 'query_range': 'query_range', 'query_range_explain': 'query',
  'label/:name/values': 'label_values', 'labels': 'label_names', 'series': 'series', 'stores': 'stores',
  'alerts': 'alerts', 'rules': 'rules', 'targets': 'targets', 'metadata': 'metadata',
  'query_exemplars': 'exemplars', 'status/tsdb': 'status_tsdb', 'status/flags': 'status_flags',
  'status/runtimeinfo': 'status_runtime', 'status/buildinfo': 'status_build', 'status/config': 'status_config',
};

/**
 * The handler label of a route: upstream's name for a Prometheus API route, the route pattern otherwise (bounded:
 * one value per registered route), and `other` for requests no route matched (so a scan cannot grow the series).
 */
export function httpHandlerName(routeUrl: string | undefined): string {
  if (routeUrl === undefined || routeUrl === '') return 'other';
  const api = routeUrl.indexOf('/api/v1/');
  if (api >= 0) {
    const rest = routeUrl.slice(api + '/api/v1/'.length);
    return API_HANDLERS[rest] ?? rest.replaceAll('/', '_');
  }
  return routeUrl;
}

interface Timing {
  readonly startedAt: bigint;
  readonly handler: string;
}

/** Adds the metrics to every route of `app` (hooks run for routes registered before and after this call). */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const registers = [registry];
  const labelNames = ['code', 'handler', 'method'] as const;
  const duration = new Histogram({
    name: 'http_request_duration_seconds', help: 'Tracks the latencies for HTTP requests.', labelNames, buckets: DURATION_BUCKETS, registers,
  });
  const requestSize = new Histogram({
    name: 'http_request_size_bytes', help: 'Tracks the size of HTTP requests.', labelNames, buckets: SIZE_BUCKETS, registers,
  });
  const responseSize = new Histogram({
    name: 'http_response_size_bytes', help: 'Tracks the size of HTTP responses.', labelNames, buckets: SIZE_BUCKETS, registers,
  });
  const total = new Counter({ name: 'http_requests_total', help: 'Tracks the number of HTTP requests.', labelNames, registers });
  const inflight = new Gauge({
    name: 'http_inflight_requests', help: 'Current number of HTTP requests the handler is responding to.',
    labelNames: ['handler', 'method'] as const, registers,
  });
  const timings = new WeakMap<FastifyRequest, Timing>();
  const responseBytes = new WeakMap<FastifyRequest, number>();

  app.addHook('onRequest', async (req) => {
    const handler = httpHandlerName(req.routeOptions.url);
    timings.set(req, { startedAt: process.hrtime.bigint(), handler });
    inflight.inc({ handler, method: req.method });
  });
  app.addHook('onSend', async (req, _reply, payload) => {
    if (typeof payload === 'string') responseBytes.set(req, Buffer.byteLength(payload));
    else if (Buffer.isBuffer(payload)) responseBytes.set(req, payload.length);
    return payload;
  });
  const finish = (req: FastifyRequest, reply: FastifyReply): void => {
    const timing = timings.get(req);
    if (!timing) return;
    timings.delete(req);
    const labels = { code: String(reply.statusCode), handler: timing.handler, method: req.method.toLowerCase() };
    inflight.dec({ handler: timing.handler, method: req.method });
    total.inc(labels);
    duration.observe(labels, Number(process.hrtime.bigint() - timing.startedAt) / 1e9);
    requestSize.observe(labels, Number(req.headers['content-length'] ?? 0) || 0);
    const sent = responseBytes.get(req) ?? Number(reply.getHeader('content-length') ?? 0);
    responseSize.observe(labels, Number.isFinite(sent) ? sent : 0);
  };
  app.addHook('onResponse', async (req, reply) => finish(req, reply));
  // A client that hangs up before the answer never reaches onResponse.
  app.addHook('onRequestAbort', async (req) => {
    const timing = timings.get(req);
    if (!timing) return;
    timings.delete(req);
    inflight.dec({ handler: timing.handler, method: req.method });
  });
}
