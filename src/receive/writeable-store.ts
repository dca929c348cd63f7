// The server side of forwarding: `thanos.WriteableStore/RemoteWrite` on the receiver's gRPC port. A forwarded
// request is written through the receiver's writer (local TSDBs, or its router when it routes), and the outcome
// goes back as upstream's status codes: Unavailable (not ready, quorum not reached), AlreadyExists (conflicts),
// InvalidArgument (bad replica, bad request), Internal (anything else).

import { status as Status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import { CorruptionError, InvalidArgumentError, UnavailableError, errorMessage } from '../runtime/errors.js';
import type { GrpcService } from '../runtime/grpc-server.js';
import type { Logger } from '../runtime/logger.js';
import { WRITEABLE_STORE_SERVICE } from '../store/grpc-services.js';
import { decodeForwardedRequest, type ForwardedRequest } from './forward-request.js';
import { tenantProblem } from './multitsdb.js';
import type { TenantWriter } from './writer.js';

export interface WriteableStoreOptions {
  readonly writer: TenantWriter;
  /** --receive.default-tenant-id, for a request without a tenant. */
  readonly defaultTenant: string;
  /** Readiness: false while the receiver cannot take writes (answered Unavailable). */
  readonly ready?: () => boolean;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
}

function fail(code: Status, message: string): { code: Status; details: string; message: string; name: string } {
  return { code, details: message, message, name: 'Error' };
}

export function writeableStoreService(o: WriteableStoreOptions): GrpcService {
  const pending = o.registry
    ? (o.registry.getSingleMetric('thanos_receive_pending_write_requests') as Gauge | undefined)
      ?? new Gauge({ name: 'thanos_receive_pending_write_requests', help: 'The number of pending write requests.', registers: [o.registry] })
    : undefined;
  const handle = async (body: Buffer): Promise<{ code: Status; message: string } | undefined> => {
    if (o.ready && !o.ready()) return { code: Status.UNAVAILABLE, message: 'receiver is not ready' };
    let fr: ForwardedRequest;
    try {
      fr = decodeForwardedRequest(body);
    } catch (err) {
      if (err instanceof CorruptionError) return { code: Status.INVALID_ARGUMENT, message: errorMessage(err) };
      throw err;
    }
    let conflict: string | undefined;
    for (const part of fr.parts) {
      const tenant = part.tenant === '' ? o.defaultTenant : part.tenant;
      const bad = tenantProblem(tenant);
      if (bad) return { code: Status.INVALID_ARGUMENT, message: bad };
      if (part.req.series.length === 0) continue;
      try {
        const r = await o.writer.write(tenant, part.req, fr.replica);
        if (r.conflicts > 0) conflict ??= `writing ${tenant} data: ${r.conflicts} samples or series refused: ${r.conflictReason ?? 'conflict'}`;
      } catch (err) {
        const message = `writing ${tenant} data: ${errorMessage(err)}`;
        if (err instanceof UnavailableError) return { code: Status.UNAVAILABLE, message };
        if (err instanceof InvalidArgumentError) return { code: Status.INVALID_ARGUMENT, message };
        o.logger.warn('forwarded write failed', { tenant, err: errorMessage(err) });
        return { code: Status.INTERNAL, message };
      }
    }
    if (conflict !== undefined) return { code: Status.ALREADY_EXISTS, message: conflict };
    return undefined;
  };
  return {
    definition: WRITEABLE_STORE_SERVICE,
    implementation: {
      RemoteWrite: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void => {
        pending?.inc();
        handle(call.request).then(
          (failure) => callback(failure ? fail(failure.code, failure.message) : null, failure ? undefined : Buffer.alloc(0)),
          (err: unknown) => {
            o.logger.warn('forwarded write failed', { err: errorMessage(err) });
            callback(fail(Status.INTERNAL, errorMessage(err)));
          },
        ).finally(() => pending?.dec());
      },
    },
  };
}
