// Maps whatever a request failed with to Prometheus's API error types (and so HTTP status codes): bad input is
// bad_data (400), timeouts timeout (503), cancellation canceled (499), everything during evaluation execution (422).

import { AbortError, InvalidArgumentError, isThanosError, errorMessage } from '../../runtime/errors.js';
import type { ErrorType } from './json.js';
import { BadDataError } from './params.js';

/** An error whose API type is already decided (e.g. by an evaluation worker). */
export class ApiError extends Error {
  constructor(readonly errorType: ErrorType, message: string) {
    super(message);
    this.name = 'ApiError';
  }
}

export function classifyError(err: unknown): { type: ErrorType; message: string } {
  const message = errorMessage(err);
  if (err instanceof ApiError) return { type: err.errorType, message };
  if (err instanceof BadDataError || err instanceof InvalidArgumentError) return { type: 'bad_data', message };
  if (err instanceof AbortError || (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    // The engine says which: its deadline (or the request's timeout=) passed, or the caller went away.
    return /timed out/.test(message) || causeIsTimeout(err) ? { type: 'timeout', message: timeoutMessage(message) } : { type: 'canceled', message };
  }
  if (isThanosError(err) && err.code === 'THANOS_BUG') return { type: 'internal', message };
  return { type: 'execution', message };
}

function causeIsTimeout(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e.name === 'TimeoutError') return true;
  return false;
}

function timeoutMessage(message: string): string {
  return /timed out/.test(message) ? message : 'query timed out in expression evaluation';
}
