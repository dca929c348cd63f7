// Starts a grpc-js Server on an upstream-style address (`0.0.0.0:10901`, `:10901`, `[::]:10901`) with optional TLS,
// and stops it gracefully: new calls are refused at once, running calls get a grace period, then are cut.

import { Server, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { ConfigError, errorMessage } from './errors.js';
import { nopLogger, type Logger } from './logger.js';
import { serverCredentials, type ServerTlsOptions } from './grpc-tls.js';

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
}

export interface RunningGrpcServer {
  /** `host:port` actually bound (the port resolved when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  /**
   * Refuses new calls, waits up to `gracePeriodMs` (--grpc-grace-period) for running calls, then cancels what
   * is left. Resolves when the server is closed; safe to call twice.
   */
  stop(gracePeriodMs: number): Promise<void>;
}

const MAX_INT32 = 2 ** 31 - 1;

/** Go's `:10901` means every interface; grpc-js needs a host. */
export function normalizeGrpcAddress(address: string): string {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) throw new ConfigError(`address ${JSON.stringify(address)} is not host:port`, { where: '--grpc-address' });
  return m[1] === '' ? `0.0.0.0:${m[2]}` : address;
}

export async function startGrpcServer(services: readonly GrpcService[], options: GrpcServerOptions): Promise<RunningGrpcServer> {
  const logger = options.logger ?? nopLogger;
  const address = normalizeGrpcAddress(options.address);
  const credentials = serverCredentials(options.tls);
  const max = options.maxMessageBytes ?? MAX_INT32;
  const server = new Server({
    'grpc.max_receive_message_length': max,
    'grpc.max_send_message_length': max,
    ...(options.maxConnectionAgeMs ? { 'grpc.max_connection_age_ms': options.maxConnectionAgeMs } : {}),
  });
  for (const s of services) server.addService(s.definition, s.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, p) => {
      if (err) reject(new ConfigError(`listen on ${address}: ${errorMessage(err)}`, { where: '--grpc-address', cause: err }));
      else resolve(p);
    });
  });
  const host = address.slice(0, address.lastIndexOf(':'));
  const bound = `${host}:${port}`;
  logger.info('listening for gRPC', { address: bound, tls: credentials._isSecure() });

  let stopping: Promise<void> | undefined;
  const stop = (gracePeriodMs: number): Promise<void> => {
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
  return { address: bound, port, stop };
}
