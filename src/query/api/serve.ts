// Runs one API handler for Fastify with Prometheus's envelope: success with data and warnings, or the error type,
// status and message a failure maps to. The client going away aborts the handler's signal.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../runtime/logger.js';
import { classifyError } from './errors.js';
import { errorJson, ERROR_STATUS, successJson, type ErrorType } from './json.js';
import { Params } from './params.js';

export interface ApiAnswer {
  /** Already JSON. */
  readonly data: string;
  readonly warnings?: readonly string[];
  readonly infos?: readonly string[];
}

export type ApiHandler = (p: Params, signal: AbortSignal) => Promise<ApiAnswer>;

/** A failure that upstream reports with its own error type (e.g. internal for a failed fan-out). */
export class TypedApiError extends Error {
  constructor(readonly errorType: ErrorType, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TypedApiError';
  }
}

export async function serveApi(req: FastifyRequest, reply: FastifyReply, logger: Logger, h: ApiHandler): Promise<FastifyReply> {
  const url = new URL(req.url, 'http://x');
  const body = typeof req.body === 'string' ? new URLSearchParams(req.body) : undefined;
  return replyApi(reply, logger, url.pathname, (signal) => h(new Params(url.searchParams, body), signal));
}

/**
 * Replies with the envelope of what `run` answers or throws (an internal error is logged with `path`); `run`'s signal
 * aborts when the client goes away before the answer, to stop the work it asked for.
 */
export async function replyApi(reply: FastifyReply, logger: Logger, path: string, run: (signal: AbortSignal) => Promise<ApiAnswer>): Promise<FastifyReply> {
  const ac = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableEnded) ac.abort(new Error('client closed the connection'));
  };
  reply.raw.on('close', onClose);
  reply.type('application/json');
  try {
    const r = await run(ac.signal);
    return reply.code(200).send(successJson(r.data, r.warnings, r.infos));
  } catch (err) {
    const { type, message } = err instanceof TypedApiError ? { type: err.errorType, message: err.message } : classifyError(err);
    if (type === 'internal') logger.warn('api request failed', { path, err: message });
    return reply.code(ERROR_STATUS[type]).send(errorJson(type, message));
  } finally {
    reply.raw.off('close', onClose);
  }
}
