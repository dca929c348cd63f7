// gRPC server and client metrics under go-grpc-prometheus's names (grpc_server_*, grpc_client_* with grpc_type,
// grpc_service, grpc_method, grpc_code), which every panel of upstream's dashboards and alerts is built on.
import {
  InterceptingCall, ServerInterceptingCall, status as Status,
  type Interceptor, type InterceptorOptions, type NextCall, type ServerInterceptor,
} from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';

/** Upstream's handling-time buckets (pkg/server/grpc for the server, pkg/extgrpc for clients). */
const SERVER_BUCKETS = [0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120];
const CLIENT_BUCKETS = [0.001, 0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120, 240, 360, 720];

/** Go's codes.Code String() names, indexed by code number; the grpc_code label uses these. */
const CODE_NAMES = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented',
  'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
];

export function grpcCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Code(${code})`;
}

/** go-grpc-prometheus's grpc_type: which side streams. */
export function grpcType(requestStream: boolean, responseStream: boolean): string {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

/** `/thanos.Store/Series` → ['thanos.Store', 'Series']. */
export function splitMethodPath(path: string): [service: string, method: string] {
  const slash = path.lastIndexOf('/');
  return [path.slice(path.startsWith('/') ? 1 : 0, slash), path.slice(slash + 1)];
}

const LABELS = ['grpc_type', 'grpc_service', 'grpc_method'] as const;
const HANDLED_LABELS = [...LABELS, 'grpc_code'] as const;

/** A family of four counters and one histogram, for the server or the client side. */
class CallMetrics {
  readonly started: Counter<(typeof LABELS)[number]>;
  readonly handled: Counter<(typeof HANDLED_LABELS)[number]>;
  readonly received: Counter<(typeof LABELS)[number]>;
  readonly sent: Counter<(typeof LABELS)[number]>;
  readonly seconds: Histogram<(typeof HANDLED_LABELS)[number]>;

  constructor(registry: Registry, side: 'server' | 'client', buckets: number[]) {
    const who = side === 'server' ? 'on the server' : 'by the client';
    const registers = [registry];
    this.started = new Counter({ name: `grpc_${side}_started_total`, help: `Total number of RPCs started ${who}.`, labelNames: LABELS, registers });
    this.handled = new Counter({
      name: `grpc_${side}_handled_total`, help: `Total number of RPCs completed ${who}, regardless of success or failure.`,
      labelNames: HANDLED_LABELS, registers,
    });
    this.received = new Counter({
      name: `grpc_${side}_msg_received_total`, help: `Total number of RPC stream messages received ${who}.`, labelNames: LABELS, registers,
    });
    this.sent = new Counter({ name: `grpc_${side}_msg_sent_total`, help: `Total number of gRPC stream messages sent ${who}.`, labelNames: LABELS, registers });
    this.seconds = new Histogram({
      name: `grpc_${side}_handling_seconds`,
      help: side === 'server'
        ? 'Histogram of response latency (seconds) of gRPC that had been application-level handled by the server.'
        : 'Histogram of response latency (seconds) of the gRPC until it is finished by the application.',
      labelNames: HANDLED_LABELS, buckets, registers,
    });
  }

  /** Starts one call; the returned tracker counts its messages and records its end once. */
  start(path: string, requestStream: boolean, responseStream: boolean): CallTracker {
    const [grpc_service, grpc_method] = splitMethodPath(path);
    const labels = { grpc_type: grpcType(requestStream, responseStream), grpc_service, grpc_method };
    this.started.inc(labels);
    return new CallTracker(this, labels);
  }
}

class CallTracker {
  private readonly startedAt = process.hrtime.bigint();
  private finished = false;
  private receivedCount = 0;
  private sentCount = 0;

  constructor(
    private readonly metrics: CallMetrics,
    private readonly labels: { grpc_type: string; grpc_service: string; grpc_method: string },
  ) {}

  received(): void {
    this.receivedCount++;
  }

  sent(): void {
    this.sentCount++;
  }

  /** Counted once per call, in bulk: a Series stream sends thousands of messages. */
  finish(code: number): void {
    if (this.finished) return;
    this.finished = true;
    const m = this.metrics;
    if (this.receivedCount > 0) m.received.inc(this.labels, this.receivedCount);
    if (this.sentCount > 0) m.sent.inc(this.labels, this.sentCount);
    const handled = { ...this.labels, grpc_code: grpcCodeName(code) };
    m.handled.inc(handled);
    m.seconds.observe(handled, Number(process.hrtime.bigint() - this.startedAt) / 1e9);
  }
}

/** grpc_server_* for every call a grpc-js Server handles (its `interceptors` option). */
export function grpcServerMetrics(registry: Registry): ServerInterceptor {
  const metrics = new CallMetrics(registry, 'server', SERVER_BUCKETS);
  return (method, call) => {
    const tracker = metrics.start(method.path, method.requestStream, method.responseStream);
    return new ServerInterceptingCall(call, {
      start: (next) => next({
        onReceiveMessage: (message, nextMessage) => {
          tracker.received();
          nextMessage(message);
        },
        onCancel: () => tracker.finish(Status.CANCELLED),
      }),
      sendMessage: (message, next) => {
        tracker.sent();
        next(message);
      },
      sendStatus: (status, next) => {
        tracker.finish(status.code ?? Status.UNKNOWN);
        next(status);
      },
    });
  };
}

/** grpc_client_* for every call made through a client given this interceptor. */
export function grpcClientMetrics(registry: Registry): Interceptor {
  const metrics = new CallMetrics(registry, 'client', CLIENT_BUCKETS);
  return (options: InterceptorOptions, nextCall: NextCall) => {
    const def = options.method_definition;
    const tracker = metrics.start(def.path, def.requestStream, def.responseStream);
    return new InterceptingCall(nextCall(options), {
      start: (metadata, _listener, next) => next(metadata, {
        onReceiveMessage: (message, nextMessage) => {
          tracker.received();
          nextMessage(message);
        },
        onReceiveStatus: (status, nextStatus) => {
          tracker.finish(status.code);
          nextStatus(status);
        },
      }),
      sendMessage: (message, next) => {
        tracker.sent();
        next(message);
      },
    });
  };
}
