// The one table between typed errors and gRPC status codes, used by the StoreAPI server (error → status) and
// client (status → typed error). Anything unknown is INTERNAL on the way out.

import { status as Status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  InvalidArgumentError, LimitError, NotFoundError, UnavailableError, errorMessage, isThanosError,
  type ErrorCode,
} from '../runtime/errors.js';

const TO_STATUS: Readonly<Record<ErrorCode, Status>> = {
  THANOS_INVALID_ARGUMENT: Status.INVALID_ARGUMENT,
  THANOS_PARSE: Status.INVALID_ARGUMENT,
  THANOS_LIMIT: Status.RESOURCE_EXHAUSTED,
  THANOS_UNAVAILABLE: Status.UNAVAILABLE,
  THANOS_NOT_FOUND: Status.NOT_FOUND,
  THANOS_ABORTED: Status.CANCELLED,
  THANOS_CONFIG: Status.FAILED_PRECONDITION,
  THANOS_CORRUPTION: Status.DATA_LOSS,
  THANOS_BUG: Status.INTERNAL,
};

/** The gRPC status for anything a handler threw. */
export function errorToStatus(err: unknown): Pick<StatusObject, 'code' | 'details'> {
  const code = isThanosError(err) ? TO_STATUS[err.code] : Status.INTERNAL;
  return { code, details: errorMessage(err) };
}

/** A ServiceError-shaped value grpc-js turns into the call's status. */
export function statusError(err: unknown): Partial<ServiceError> & Error {
  const s = errorToStatus(err);
  return Object.assign(new Error(s.details), { code: s.code, details: s.details });
}

export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number'
    && typeof (err as { details?: unknown }).details === 'string';
}

/**
 * The typed error for a failed call to `target`. The grpc-js error (with the caller's stack) is kept as `cause`.
 * Server-side failures other than the mapped ones count as the store being unavailable for this request, which
 * is what partial-response handling needs to know. That includes CANCELLED: when our own signal cancelled the
 * call the client reports AbortError itself, so a CANCELLED status here means the server gave up (e.g. shutdown).
 */
export function statusToError(err: unknown, target: string, op: string): Error {
  if (!isServiceError(err)) return new UnavailableError(`${op} on ${target}: ${errorMessage(err)}`, { cause: err });
  const msg = `${op} on ${target}: ${Status[err.code] ?? err.code}: ${err.details}`;
  const make = FROM_STATUS.get(err.code) ?? ((m: string, cause: unknown) => new UnavailableError(m, { cause }));
  return make(msg, err);
}

const FROM_STATUS: ReadonlyMap<Status, (msg: string, cause: unknown) => Error> = new Map<Status, (msg: string, cause: unknown) => Error>([
  [Status.INVALID_ARGUMENT, (m, cause) => new InvalidArgumentError(m, { cause })],
  [Status.RESOURCE_EXHAUSTED, (m, cause) => new LimitError(m, 'remote', 0, { cause })],
  [Status.NOT_FOUND, (m, cause) => new NotFoundError(m, { cause })],
]);
