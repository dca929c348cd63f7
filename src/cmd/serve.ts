// Runs a server mode: builds the Runtime, lets the mode add its routes, gRPC services and actors, then serves
// HTTP (/metrics, /-/healthy, /-/ready) and gRPC until an actor stops or SIGINT/SIGTERM arrives.
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { GrpcService } from '../runtime/grpc-server.js';
import type { RunningGrpcServer } from '../runtime/grpc-server.js';
import type { HttpServer } from '../runtime/http-server.js';
import type { startGrpcServer as StartGrpcServer } from '../runtime/grpc-server.js';
import type { grpcRequestLogging as GrpcRequestLogging, RequestLogging } from '../runtime/request-logging.js';
import type { Actor } from '../runtime/run-group.js';
import { RunGroup, untilAborted } from '../runtime/run-group.js';
import type { Runtime } from '../runtime/runtime.js';
import type { ApiEndpoint } from '../query/endpoint-set.js';
import type { StoreAPI } from '../store/store-api.js';
import { ConfigError } from '../runtime/errors.js';
import { parseHostPort } from '../runtime/flag-values.js';
import type { GrpcServerOptions, HttpOptions, LogOptions } from './flag-groups.js';
import { runUntilSignal } from './signals.js';

/** What a mode builds from the Runtime: HTTP routes (registered on `http`), gRPC services, long-running actors. */
export interface ModeParts {
  readonly grpcServices?: readonly GrpcService[];
  readonly actors?: readonly Actor[];
  /** The StoreAPI the mode serves, so that standalone can wire it in-process. */
  readonly store?: StoreAPI;
  /** The Rules, Targets, Metadata and Exemplars APIs it serves, likewise. */
  readonly apis?: ApiEndpoint['apis'];
}

export interface ServeOptions {
  /** The component name logged on every line (`component=sidecar`). */
  readonly component: string;
  readonly log: LogOptions;
  readonly http: HttpOptions;
  /** Absent for modes without a gRPC server (compact). */
  readonly grpc?: GrpcServerOptions;
  /** --request.logging-config(-file) as given (the modes upstream gives the flag to); parsed when the mode starts. */
  readonly requestLogging?: { readonly content: string; readonly source: string } | undefined;
  /** --tracing.config(-file) as given; empty or absent: no tracing, and none of its code loads. */
  readonly tracing?: { readonly content: string; readonly source: string } | undefined;
  readonly setup: (rt: Runtime, http: FastifyInstance) => Promise<ModeParts>;
}

/**
 * Binds and releases a listen address, so that a taken port stops the mode within moments of starting, before the
 * server stacks load and the mode builds its parts (which takes seconds on a busy host). The real listen below still
 * reports a port taken in between. Addresses that are not plain host:port are left to it.
 */
async function checkListenable(address: string, flag: string): Promise<void> {
  let hostPort: { host: string; port: number };
  try {
    hostPort = parseHostPort(address);
  } catch {
    return;
  }
  if (hostPort.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const reason = err.code === 'EADDRINUSE' ? 'address already in use' : err.code === 'EADDRNOTAVAIL' ? 'address not available on this host' : undefined;
      // Anything else (a host name that does not resolve here, say) is for the real listen to report in its words.
      if (reason === undefined) resolve();
      else reject(new ConfigError(`cannot listen on ${address}: ${reason}`, { where: flag, cause: err }));
    });
    probe.listen({ host: hostPort.host, port: hostPort.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function serveMode(options: ServeOptions): Promise<void> {
  await checkListenable(options.http.address, '--http-address');
  if (options.grpc) await checkListenable(options.grpc.address, '--grpc-address');
  // The server stacks (fastify, grpc-js, prom-client) load here, when a mode runs, not for `--help`.
  const [{ createRuntime }, { HttpServer: Http }, { startGrpcServer }, { parseRequestLoggingConfig, grpcRequestLogging }] = await Promise.all([
    import('../runtime/runtime.js'), import('../runtime/http-server.js'), import('../runtime/grpc-server.js'), import('../runtime/request-logging.js'),
  ]);
  const requestLogging = options.requestLogging ? parseRequestLoggingConfig(options.requestLogging.content, options.requestLogging.source) : undefined;
  const tracingConfig = options.tracing && options.tracing.content.trim() !== ''
    ? (await import('../runtime/tracing/config.js')).parseTracingConfig(options.tracing.content, options.tracing.source)
    : undefined;
  const base = createRuntime({ level: options.log.level, format: options.log.format });
  const logger = base.logger.with({ component: options.component });
  const tracing = tracingConfig ? (await import('../runtime/tracing/provider.js')).startTracing(tracingConfig, options.component, logger) : undefined;
  const rt: Runtime = { ...base, logger, tracing: tracing !== undefined };
  rt.logger.info(`starting ${options.component}`);
  try {
    await serveWith(options, rt, requestLogging, Http, startGrpcServer, grpcRequestLogging);
  } finally {
    await tracing?.shutdown();
  }
}

async function serveWith(
  options: ServeOptions, rt: Runtime, requestLogging: RequestLogging | undefined, Http: typeof HttpServer,
  startGrpcServer: typeof StartGrpcServer, grpcRequestLogging: typeof GrpcRequestLogging,
): Promise<void> {
  const http: HttpServer = new Http({
    address: options.http.address, logger: rt.logger, registry: rt.registry, prober: rt.prober,
    gracePeriodMs: options.http.gracePeriodMs,
    webConfigFile: options.http.configFile,
    profiling: options.http.profiling,
    tracing: rt.tracing,
    ...(requestLogging ? { requestLogging: requestLogging.http } : {}),
  });
  const parts = await options.setup(rt, http.app);
  // Both listeners are bound before any actor starts, so a taken port stops the mode at once (upstream exits too)
  // instead of leaving a process that syncs, is never reachable, and never gets restarted.
  await http.listen();
  const grpc = options.grpc;
  const grpcLogging = requestLogging ? grpcRequestLogging(requestLogging.grpc, rt.logger) : undefined;
  let server: RunningGrpcServer | undefined;
  if (grpc && parts.grpcServices && parts.grpcServices.length > 0) {
    try {
      server = await startGrpcServer(parts.grpcServices, {
        address: grpc.address,
        logger: rt.logger,
        registry: rt.registry,
        maxConnectionAgeMs: grpc.maxConnectionAgeMs,
        interceptors: grpcLogging ? [grpcLogging] : [],
        tracing: rt.tracing,
        ...(grpc.tlsCert && grpc.tlsKey
          ? { tls: { certFile: grpc.tlsCert, keyFile: grpc.tlsKey, ...(grpc.tlsClientCA ? { clientCaFile: grpc.tlsClientCA } : {}), ...(grpc.tlsMinVersion ? { minVersion: grpc.tlsMinVersion } : {}) } }
          : {}),
      });
    } catch (err) {
      await http.close();
      throw err;
    }
  }
  const group = new RunGroup(rt.logger);
  group.add({ name: 'http', run: (signal) => untilAborted(signal), stop: () => http.close() });
  if (grpc && server) {
    const running = server;
    group.add({ name: 'grpc', run: (signal) => untilAborted(signal), stop: () => running.stop(grpc.gracePeriodMs) });
  }
  for (const actor of parts.actors ?? []) group.add(actor);
  await runUntilSignal(group, rt.logger);
  rt.logger.info('exiting');
}
