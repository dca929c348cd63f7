// The error taxonomy shared by every layer: one base class with a stable code, subclasses that carry location.
// Messages are lowercase and say what was being done; each layer adds context once, through `cause`.

export type ErrorCode =
  | 'THANOS_CONFIG'
  | 'THANOS_CORRUPTION'
  | 'THANOS_NOT_FOUND'
  | 'THANOS_LIMIT'
  | 'THANOS_PARSE'
  | 'THANOS_INVALID_ARGUMENT'
  | 'THANOS_UNAVAILABLE'
  | 'THANOS_ABORTED'
  | 'THANOS_BUG';

const BRAND = Symbol.for('thanos-ts.error');

export class ThanosError extends Error {
  readonly code: ErrorCode;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A flag, config file or config value is wrong. `where` names the flag or file (and line when known). */
export class ConfigError extends ThanosError {
  readonly where: string | undefined;
  constructor(message: string, options?: { where?: string; cause?: unknown }) {
    super('THANOS_CONFIG', options?.where ? `${options.where}: ${message}` : message, options);
    this.where = options?.where;
  }
}

/** Bytes on disk or in a bucket do not match the format. */
export class CorruptionError extends ThanosError {
  readonly file: string;
  readonly section: string;
  readonly offset: number;
  constructor(file: string, section: string, offset: number, reason: string, options?: { cause?: unknown }) {
    super('THANOS_CORRUPTION', `corrupt ${section} in ${file} at byte ${offset}: ${reason}`, options);
    this.file = file;
    this.section = section;
    this.offset = offset;
  }
}

/** An object, block, series or file that was asked for does not exist. */
export class NotFoundError extends ThanosError {
  readonly object: string;
  constructor(object: string, options?: { cause?: unknown }) {
    super('THANOS_NOT_FOUND', `not found: ${object}`, options);
    this.object = object;
  }
}

/** A configured limit was exceeded (samples, series, bytes, concurrency). */
export class LimitError extends ThanosError {
  readonly limit: string;
  readonly value: number;
  constructor(message: string, limit: string, value: number, options?: { cause?: unknown }) {
    super('THANOS_LIMIT', message, options);
    this.limit = limit;
    this.value = value;
  }
}

/** Text input (a query, a duration, a label selector) could not be parsed; `position` is a 0-based offset. */
export class ParseError extends ThanosError {
  readonly position: number | undefined;
  constructor(message: string, options?: { position?: number; cause?: unknown }) {
    super('THANOS_PARSE', message, options);
    this.position = options?.position;
  }
}

/** A request is malformed (bad matcher, bad parameter). Maps to gRPC InvalidArgument / HTTP 400. */
export class InvalidArgumentError extends ThanosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('THANOS_INVALID_ARGUMENT', message, options);
  }
}

/** A dependency (a store, Prometheus, a bucket) could not be reached. */
export class UnavailableError extends ThanosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('THANOS_UNAVAILABLE', message, options);
  }
}

/** Work was cancelled on purpose; never logged as a failure. */
export class AbortError extends ThanosError {
  constructor(message = 'operation aborted', options?: { cause?: unknown }) {
    super('THANOS_ABORTED', message, options);
  }
}

/** An internal invariant broke: a bug in thanos-ts, never the user's input. */
export class BugError extends ThanosError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('THANOS_BUG', message, options);
  }
}

export function isThanosError(err: unknown): err is ThanosError {
  return typeof err === 'object' && err !== null && (err as { [BRAND]?: unknown })[BRAND] === true;
}

/** The message of anything thrown, for logs and error responses. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
