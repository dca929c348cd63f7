// The spans thanos-ts records, in one place: a span around a piece of work, HTTP server requests, gRPC client calls
// (carrying W3C traceparent in the metadata) and gRPC server handlers (continuing the caller's trace).
// Everything here goes through OpenTelemetry's API only: with no --tracing.config no SDK is registered and each call
// is the API's no-op (a shared non-recording span, no allocation of attributes beyond the caller's literal).
import {
  InterceptingCall, status as Status, type Interceptor, type Metadata, type ServiceDefinition, type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace,
  type Attributes, type Context, type Span, type TextMapGetter, type TextMapSetter,
} from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { httpHandlerName } from '../http-metrics.js';

/** Upstream's migration.ForceTracingAttributeKey: the sampler samples any span that carries it. */
export const FORCE_TRACING_ATTRIBUTE = 'thanos.force_tracing';
/** Upstream's tracing.ForceTracingBaggageKey request header, and the response header giving the trace's id. */
const FORCE_TRACING_HEADER = 'x-thanos-force-tracing';
const TRACE_ID_HEADER = 'X-Thanos-Trace-Id';

const TRACER_NAME = 'thanos-ts';
const tracer = () => trace.getTracer(TRACER_NAME);

function fail(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/**
 * Runs `work` inside a span named `name` (a child of the active one); spans started by `work`, synchronously or
 * after awaits, are its children. For whole operations (a query's evaluation, a bucket call), never per series.
 */
export function withSpan<T>(name: string, attributes: Attributes, work: () => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work();
    } catch (err) {
      fail(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A span to end by hand, for work that outlives a callback (a stream read after the call returned). */
export interface ManualSpan {
  /** Ends the span, failed when `err` is given; later calls do nothing. */
  end(err?: unknown): void;
}

/** Starts a child of the active span; see withSpan for whole operations. */
export function startSpan(name: string, attributes: Attributes): ManualSpan {
  const span = tracer().startSpan(name, { attributes });
  let ended = false;
  return {
    end: (err?: unknown) => {
      if (ended) return;
      ended = true;
      if (err !== undefined) fail(span, err);
      span.end();
    },
  };
}

/**
 * `fn` bound to the active span: for callbacks that arrive from elsewhere (a worker thread's message, a stream's
 * event) but belong to the current operation, so that what they start joins its trace.
 */
export function bindToActiveSpan<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return context.bind(context.active(), fn);
}

// ---- gRPC ----

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (m) => Object.keys(m.getMap()),
  get: (m, key) => {
    const v = m.get(key)[0];
    return v === undefined ? undefined : String(v);
  },
};
const metadataSetter: TextMapSetter<Metadata> = { set: (m, key, value) => m.set(key, value) };

/** The service and method of a path `/thanos.Store/Series`, as the RPC semantic conventions name them. */
function rpcAttributes(path: string): Attributes {
  const [, service = '', method = ''] = path.split('/');
  return { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method };
}

/**
 * A client interceptor: a CLIENT span per call (named by its path, as upstream's), whose context goes to the server
 * in the call's metadata as W3C `traceparent`. Install it only when tracing is on (see grpcTracingOn).
 */
export function grpcClientTracing(): Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    const parent = context.active();
    const span = tracer().startSpan(path, { kind: SpanKind.CLIENT, attributes: rpcAttributes(path) }, parent);
    return new InterceptingCall(nextCall(options), {
      start(metadata, _listener, next) {
        propagation.inject(trace.setSpan(parent, span), metadata, metadataSetter);
        next(metadata, {
          onReceiveStatus(status, nextStatus) {
            span.setAttribute('rpc.grpc.status_code', status.code);
            if (status.code !== Status.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: status.details });
            span.end();
            nextStatus(status);
          },
        });
      },
    });
  };
}

type Handler = (call: GrpcCall, callback?: (err: unknown, value?: unknown) => void) => void;
/** What every grpc-js server call object offers that a handler's span needs. */
interface GrpcCall {
  readonly metadata: Metadata;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * The service's handlers, each run inside a SERVER span that continues the trace in the call's metadata (or starts
 * one). Unary calls end their span with the callback; streams when they finish, fail or are cancelled.
 */
export function traceGrpcService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(definition)) {
    const handler = implementation[name] as unknown as Handler | undefined;
    if (handler === undefined) continue;
    const path = method.path;
    const unary = !method.responseStream && !method.requestStream;
    const traced: Handler = (call, callback) => {
      const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
      const span = tracer().startSpan(path, { kind: SpanKind.SERVER, attributes: rpcAttributes(path) }, parent);
      const ctx = trace.setSpan(parent, span);
      if (unary && callback) {
        context.with(ctx, () => handler(call, (err, value) => {
          if (err) fail(span, err);
          span.end();
          callback(err, value);
        }));
        return;
      }
      let ended = false;
      const end = (err?: unknown): void => {
        if (ended) return;
        ended = true;
        if (err !== undefined) fail(span, err);
        span.end();
      };
      call.once('finish', () => end());
      call.once('error', (err) => end(err));
      call.once('cancelled', () => end('cancelled by the client'));
      context.with(ctx, () => handler(call, callback));
    };
    out[name] = traced as unknown as UntypedServiceImplementation[string];
  }
  return out;
}

// ---- HTTP ----

/**
 * A SERVER span per request on `app`, named as upstream's middleware names them (`/query HTTP[server]`), continuing
 * a `traceparent` the client sent; `X-Thanos-Force-Tracing` forces sampling and the response carries
 * `X-Thanos-Trace-Id` when the trace is sampled. The route's handler runs inside the span.
 */
export function traceHttp(app: FastifyInstance): void {
  const spans = new WeakMap<object, { span: Span; ctx: Context }>();
  app.addHook('onRequest', (req, reply, done) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const attributes: Attributes = { 'http.method': req.method, 'http.url': req.url };
    if (req.headers[FORCE_TRACING_HEADER] !== undefined) attributes[FORCE_TRACING_ATTRIBUTE] = 'true';
    const span = tracer().startSpan(`/${httpHandlerName(req.routeOptions.url)} HTTP[server]`, { kind: SpanKind.SERVER, attributes }, parent);
    const sc = span.spanContext();
    if (span.isRecording()) void reply.header(TRACE_ID_HEADER, sc.traceId);
    const ctx = trace.setSpan(parent, span);
    spans.set(req.raw, { span, ctx });
    context.with(ctx, done);
  });
  // The body is read from socket events, outside the span's context: enter it again just before the handler.
  app.addHook('preHandler', (req, _reply, done) => {
    const s = spans.get(req.raw);
    if (s) context.with(s.ctx, done);
    else done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const s = spans.get(req.raw);
    if (s) {
      s.span.setAttribute('http.status_code', reply.statusCode);
      if (reply.statusCode >= 500) s.span.setStatus({ code: SpanStatusCode.ERROR });
      s.span.end();
      spans.delete(req.raw);
    }
    done();
  });
}
