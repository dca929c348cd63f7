// Maps provider SDK/HTTP failures to the error taxonomy at the provider edge: not-found, aborted, unavailable
// (5xx, 429, network), else an Error that names the operation and object and keeps the SDK error as `cause`.
import { AbortError, NotFoundError, UnavailableError, errorMessage, isThanosError } from '../../runtime/errors.js';

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** HTTP status carried by SDK errors of S3 ($metadata), Azure (statusCode), GCS (code) or our own fetches. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const o = err as { $metadata?: { httpStatusCode?: unknown }; statusCode?: unknown; status?: unknown; code?: unknown };
  for (const v of [o.$metadata?.httpStatusCode, o.statusCode, o.status, o.code]) if (typeof v === 'number') return v;
  return undefined;
}

/** The Bucket contract's not-found test for errors made by providerError (or any NotFoundError, by its code). */
export function hasNotFoundCode(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'THANOS_NOT_FOUND';
}

function isAbort(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const name = (err as { name?: unknown }).name;
  return name === 'AbortError' || (isThanosError(err) && err.code === 'THANOS_ABORTED');
}

/**
 * One place per provider call turns an error into a typed one. `notFound` decides whether the error means a missing
 * object (default: HTTP 404). `what` reads like `s3 get 01H.../meta.json`.
 */
export function providerError(what: string, object: string, err: unknown, notFound: (err: unknown) => boolean = (e) => statusOf(e) === 404): Error {
  if (isThanosError(err)) return err;
  if (isAbort(err)) return new AbortError(`${what}: aborted`, { cause: err });
  if (notFound(err)) return new NotFoundError(object, { cause: err });
  const status = statusOf(err);
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  const msg = `${what}: ${errorMessage(err)}${status !== undefined ? ` (HTTP ${status})` : ''}`;
  if ((status !== undefined && (status === 429 || status >= 500)) || (typeof code === 'string' && NETWORK_CODES.has(code))) {
    return new UnavailableError(msg, { cause: err });
  }
  return new Error(msg, { cause: err });
}
