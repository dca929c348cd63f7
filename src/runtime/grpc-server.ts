// Starts a grpc-js Server on an upstream-style address (`0.0.0.0:10901`, `:10901`, `[::]:10901`) with optional TLS
// and the standard grpc.health.v1.Health service (as upstream registers), and stops it gracefully: health turns
// NOT_SERVING, new calls are refused, running calls get a grace period, then are cut.

import {
  Server, status as Status, type sendUnaryData, type ServerUnaryCall, type ServerWritableStream, type ServiceDefinition,
  type UntypedServiceImplementation, type ServerInterceptor,
} from '@grpc/grpc-js';
import { isIPv4 } from 'node:net';
import { ConfigError, errorMessage } from './errors.js';
import { nopLogger, type Logger } from './logger.js';
import { serverCredentials, type ServerTlsOptions } from './grpc-tls.js';
import { installFramedMessages } from './grpc-framed.js';
import { grpcServerMetrics } from './grpc-metrics.js';
import { traceGrpcService } from './tracing/spans.js';
import type { Registry } from 'prom-client';

/** One service to expose: a grpc-js definition and its handlers (e.g. from store/grpc-server.ts). */
export interface GrpcService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

export interface GrpcServerOptions {
  /** --grpc-address. */
  readonly address: string;
  /** --grpc-server-tls-*; insecure when absent. */
  readonly tls?: Partial<ServerTlsOptions>;
  /** --grpc-server-max-connection-age in ms (upstream default 60m); 0 = no limit. */
  readonly maxConnectionAgeMs?: number;
  /** Largest message accepted and sent; upstream allows MaxInt32 both ways. */
  readonly maxMessageBytes?: number;
  readonly logger?: Logger;
  /** Where grpc_server_* metrics go; none are kept without it. */
  readonly registry?: Registry;
  /** More interceptors, after the metrics one (e.g. request logging). */
  readonly interceptors?: readonly ServerInterceptor[];
  /** --tracing.config is on: each handler runs in a span continuing the caller's trace (runtime/tracing). */
  readonly tracing?: boolean | undefined;
}

export interface RunningGrpcServer {
  /** `host:port` actually bound (the port resolved when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  /** Sets what grpc.health.v1.Health reports for the server and every service (SERVING once ready). */
  setServing(serving: boolean): void;
  /**
   * Refuses new calls, waits up to `gracePeriodMs` (--grpc-grace-period) for running calls, then cancels what
   * is left. Resolves when the server is closed; safe to call twice.
   */
  stop(gracePeriodMs: number): Promise<void>;
}

const MAX_INT32 = 2 ** 31 - 1;

/**
 * Go's `:10901` means every interface; grpc-js needs a host. Go also accepts a bracketed IPv4 host
 * (`[10.0.0.1]:10901`, what prometheus-operator writes from `[$(POD_IP)]`), which grpc-js cannot parse.
 */
export function normalizeGrpcAddress(address: string): string {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new ConfigError(`address ${JSON.stringify(address)} is not host:port`, { where: '--grpc-address' });
  if (m[1] === '') return `0.0.0.0:${m[2]}`;
  const bracketed = /^\[(.*)\]$/.exec(m[1]!);
  if (bracketed && isIPv4(bracketed[1]!)) return `${bracketed[1]}:${m[2]}`;
  return address;
}

export async function startGrpcServer(services: readonly GrpcService[], options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const logger = options.logger ?? nopLogger;
  const address = normalizeGrpcAddress(options.address);
  const credentials = serverCredentials(options.tls, (message) => logger.error(message));
  const max = options.maxMessageBytes ?? MAX_INT32;
  installFramedMessages();
  const server = new Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    ...(options.maxConnectionAgeMs ? { 'grpc.max_connection_age_ms': options.maxConnectionAgeMs } : {}),
    interceptors: [...(options.registry ? [grpcServerMetrics(options.registry)] : []), ...(options.interceptors ?? [])],
  });
  const health = new HealthState(services);
  server.addService(HEALTH_SERVICE, health.implementation());
  for (const s of services) server.addService(s.definition, options.tracing ? traceGrpcService(s.definition, s.implementation) : s.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => {
      if (!err) resolve(p);
      else {
        // grpc-js wraps the socket error ("No address added out of total 1 resolved errors: [listen EADDRINUSE…]").
        const reason = /EADDRINUSE/.test(err.message) ? 'address already in use' : /EADDRNOTAVAIL/.test(err.message) ? 'address not available on this host' : errorMessage(err);
        reject(new ConfigError(`cannot listen on ${options.address}: ${reason}`, { where: '--grpc-address', cause: err }));
      }
    });
  });
  const host = address.slice(0, address.lastIndexOf(':'));
  const bound = `${host}:${port}`;
  logger.info('listening for gRPC', { address: bound, tls: credentials._isSecure() });

  let stopping: Promise<void> | undefined;
  const stop = (gracePeriodMs: number): Promise<void> => {
    health.set(false);
    health.endWatches(); // long-lived Watch streams would otherwise hold a graceful stop for the whole grace
    stopping ??= new Promise<void>((resolve) => {
      let done = false;
      const finish = (forced: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        logger.info('gRPC server stopped', { address: bound, forced });
        resolve();
      };
      const timer = setTimeout(() => {
        server.forceShutdown();
        finish(true);
      }, Math.max(0, gracePeriodMs));
      server.tryShutdown(() => finish(false));
    });
    return stopping;
  };
  return { address: bound, port, stop, setServing: (serving) => health.set(serving) };
}

// ---- grpc.health.v1.Health: messages are one string (request) or one enum (response), coded by hand ----

const passthrough = (b: Buffer): Buffer => b;
const HEALTH_SERVICE = {
  Check: {
    path: '/grpc.health.v1.Health/Check', requestStream: false, responseStream: false,
    requestSerialize: passthrough, requestDeserialize: passthrough, responseSerialize: passthrough, responseDeserialize: passthrough,
  },
  Watch: {
    path: '/grpc.health.v1.Health/Watch', requestStream: false, responseStream: true,
    requestSerialize: passthrough, requestDeserialize: passthrough, responseSerialize: passthrough, responseDeserialize: passthrough,
  },
} satisfies ServiceDefinition;

/** HealthCheckResponse.ServingStatus. */
const SERVING = 1;
const NOT_SERVING = 2;
const SERVICE_UNKNOWN = 3;

/** HealthCheckRequest{service = 1}; undefined if the bytes are not such a message. */
function healthService(buf: Buffer): string | undefined {
  let pos = 0;
  let service = '';
  while (pos < buf.length) {
    const tag = buf[pos++]!;
    if (tag !== 0x0a) return undefined;
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length || shift > 28) return undefined;
      const b = buf[pos++]!;
      len |= (b & 127) << shift;
      if (b < 128) break;
    }
    if (pos + len > buf.length) return undefined;
    service = buf.toString('utf8', pos, pos + len);
    pos += len;
  }
  return service;
}

const healthResponse = (status: number): Buffer => Buffer.from([0x08, status]);

class HealthState {
  private serving = true;
  private readonly known: ReadonlySet<string>;
  private readonly watchers = new Set<ServerWritableStream<Buffer, Buffer>>();

  constructor(services: readonly GrpcService[]) {
    // A service's name is its method paths' prefix: /thanos.Store/Series → thanos.Store.
    this.known = new Set(['', ...services.flatMap((s) => Object.values(s.definition).map((m) => m.path.split('/')[1] ?? ''))]);
  }

  set(serving: boolean): void {
    if (serving === this.serving) return;
    this.serving = serving;
    for (const w of this.watchers) w.write(healthResponse(serving ? SERVING : NOT_SERVING));
  }

  endWatches(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  implementation(): UntypedServiceImplementation {
    return {
      Check: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => {
        const service = healthService(call.request);
        if (service === undefined) callback({ code: Status.INVALID_ARGUMENT, details: 'malformed HealthCheckRequest' });
        else if (!this.known.has(service)) callback({ code: Status.NOT_FOUND, details: `unknown service ${service}` });
        else callback(null, healthResponse(this.serving ? SERVING : NOT_SERVING));
      },
      Watch: (call: ServerWritableStream<Buffer, Buffer>) => {
        const service = healthService(call.request);
        if (service === undefined || !this.known.has(service)) {
          call.write(healthResponse(SERVICE_UNKNOWN));
          call.end();
          return;
        }
        call.write(healthResponse(this.serving ? SERVING : NOT_SERVING));
        this.watchers.add(call);
        call.on('cancelled', () => this.watchers.delete(call));
      },
    };
  }
}
