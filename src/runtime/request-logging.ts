// Request logging as upstream's --request.logging-config (pkg/logging): a YAML saying, for HTTP and gRPC, whether to
// log each call's start and/or finish, at which level, and optionally only for some paths or methods.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServerInterceptingCall, status as Status, type ServerInterceptor } from '@grpc/grpc-js';
import { ConfigError, errorMessage } from './errors.js';
import { grpcCodeName } from './grpc-metrics.js';
import type { Logger } from './logger.js';
import { parseYamlDocument } from './yaml-fields.js';

export type LogDecision = 'none' | 'finish' | 'start-and-finish';
export type RequestLogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export interface ProtocolLogging {
  readonly decision: LogDecision;
  readonly level: RequestLogLevel;
  /** `path:port` (HTTP) or `service/method` (gRPC) keys to log; undefined: every call. */
  readonly only: ReadonlySet<string> | undefined;
}

export interface RequestLogging {
  readonly http: ProtocolLogging;
  readonly grpc: ProtocolLogging;
}

const OFF: ProtocolLogging = { decision: 'none', level: 'ERROR', only: undefined };
export const NO_REQUEST_LOGGING: RequestLogging = { http: OFF, grpc: OFF };

type Obj = Record<string, unknown>;

/** Reads an object with only the given keys (upstream unmarshals strictly). */
function fields(v: unknown, keys: readonly string[], where: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${where}: want a mapping`);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new ConfigError(`${where}: unknown field ${JSON.stringify(k)} (want one of ${keys.join(', ')})`);
  return v as Obj;
}

/** A scalar field as text ('' when absent); anything else is an error naming where. */
function scalar(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new ConfigError(`${where}: want a single value`);
}

interface Options { readonly level: string; readonly logStart: boolean; readonly logEnd: boolean; readonly empty: boolean }

function options(v: unknown, where: string): Options {
  const o = fields(v, ['level', 'decision'], where);
  const d = fields(o['decision'], ['log_start', 'log_end'], `${where}.decision`);
  const level = scalar(o['level'], `${where}.level`);
  const logStart = d['log_start'] === true;
  const logEnd = d['log_end'] === true;
  if (level === '' && (logStart || logEnd)) throw new ConfigError(`${where}: level field is empty`);
  return { level, logStart, logEnd, empty: level === '' && !logStart && !logEnd };
}

/** Upstream's resolution: the global options, overridden by the protocol's when those say anything. */
function resolve(global: Options, protocol: Options, only: ReadonlySet<string> | undefined, where: string): ProtocolLogging {
  const o = protocol.empty ? (global.empty ? { level: 'ERROR', logStart: false, logEnd: false } : global) : protocol;
  if (!['DEBUG', 'INFO', 'WARNING', 'ERROR'].includes(o.level)) {
    throw new ConfigError(`${where}: the format of level is invalid. Expected INFO/DEBUG/ERROR/WARNING, got this ${o.level}`);
  }
  if (o.logStart && !o.logEnd) throw new ConfigError(`${where}: logging the start of calls without their end is not supported`);
  const decision: LogDecision = !o.logEnd ? 'none' : o.logStart ? 'start-and-finish' : 'finish';
  return { decision, level: o.level as RequestLogLevel, only };
}

/** Parses the YAML of --request.logging-config(-file); `source` names it in errors. Empty text: no request logs. */
export function parseRequestLoggingConfig(text: string, source: string): RequestLogging {
  if (text.trim() === '') return NO_REQUEST_LOGGING;
  let doc: ReturnType<typeof parseYamlDocument>;
  try {
    doc = parseYamlDocument(text);
  } catch (err) {
    throw new ConfigError(`${source}: ${errorMessage(err)}`, { cause: err });
  }
  if (doc.errors.length > 0) throw new ConfigError(`${source}: ${doc.errors[0]!.message}`);
  const top = fields(doc.toJS() as unknown, ['http', 'grpc', 'options'], source);
  const global = options(top['options'], `${source}: options`);
  const http = fields(top['http'], ['options', 'config'], `${source}: http`);
  const grpc = fields(top['grpc'], ['options', 'config'], `${source}: grpc`);
  const list = (v: unknown, where: string): Obj[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new ConfigError(`${where}: want a list`);
    return v.map((e, i) => fields(e, where.endsWith('http.config') ? ['path', 'port'] : ['service', 'method'], `${where}[${i}]`));
  };
  const httpOnly = list(http['config'], `${source}: http.config`).map((e) => `${scalar(e['path'], 'http.config.path')}:${scalar(e['port'], 'http.config.port') || '0'}`);
  const grpcOnly = list(grpc['config'], `${source}: grpc.config`).map((e) => `${scalar(e['service'], 'grpc.config.service')}/${scalar(e['method'], 'grpc.config.method')}`);
  return {
    http: resolve(global, options(http['options'], `${source}: http.options`), httpOnly.length > 0 ? new Set(httpOnly) : undefined, `${source}: http`),
    grpc: resolve(global, options(grpc['options'], `${source}: grpc.options`), grpcOnly.length > 0 ? new Set(grpcOnly) : undefined, `${source}: grpc`),
  };
}

/** Whether a line at `at` passes the configured level: only DEBUG lets debug lines through (see docs/observability.md). */
function passes(cfg: ProtocolLogging, at: 'debug' | 'error'): boolean {
  return at === 'error' || cfg.level === 'DEBUG';
}

const elapsedMs = (startNs: bigint): number => Math.round(Number(process.hrtime.bigint() - startNs) / 1000) / 1000;

/**
 * Logs HTTP calls as upstream's middleware does: "started call" at debug, "finished call" at debug for 2xx–4xx and
 * error for the rest. With `http.config`, only the listed `path:port` pairs (path without the query string; port
 * of the Host header, as upstream takes it).
 */
export function logHttpRequests(app: FastifyInstance, cfg: ProtocolLogging, logger: Logger): void {
  if (cfg.decision === 'none') return;
  const log = logger.with({ protocol: 'http', 'http.component': 'server' });
  const started = new WeakMap<FastifyRequest, bigint>();
  const selected = (req: FastifyRequest): boolean => {
    if (cfg.only === undefined) return true;
    const port = /:(\d+)$/.exec(req.headers.host ?? '')?.[1] ?? '0';
    return cfg.only.has(`${req.url.split('?')[0]}:${port}`);
  };
  const common = (req: FastifyRequest): Record<string, string> => ({
    'http.method': `${req.method} ${req.url}`,
    'http.request_id': String(req.headers['x-request-id'] ?? ''),
    'http.user_agent': String(req.headers['user-agent'] ?? ''),
    'thanos.method_name': req.routeOptions.url ?? req.url,
  });
  app.addHook('onRequest', async (req) => {
    if (!selected(req)) return;
    started.set(req, process.hrtime.bigint());
    if (cfg.decision === 'start-and-finish' && passes(cfg, 'debug')) log.debug('started call', { 'http.start_time': new Date().toISOString(), ...common(req) });
  });
  app.addHook('onResponse', async (req, reply) => {
    const t = started.get(req);
    if (t === undefined) return;
    const code = reply.statusCode;
    const at = code >= 200 && code < 500 ? 'debug' : 'error';
    if (!passes(cfg, at)) return;
    const forwarded = req.headers['x-forwarded-for'];
    log[at]('finished call', {
      ...common(req),
      'http.status_code': String(code),
      'http.time_ms': String(elapsedMs(t)),
      'http.remote_addr': typeof forwarded === 'string' && forwarded !== '' ? forwarded : `${req.socket.remoteAddress ?? ''}:${req.socket.remotePort ?? ''}`,
    });
  });
}

/** Upstream's gRPC code → level: Unknown, Unimplemented, Internal, DataLoss are errors, the rest debug. */
const GRPC_ERROR_CODES: ReadonlySet<number> = new Set([Status.UNKNOWN, Status.UNIMPLEMENTED, Status.INTERNAL, Status.DATA_LOSS]);

/** A grpc-js server interceptor logging calls as upstream's (go-grpc-middleware logging); undefined when off. */
export function grpcRequestLogging(cfg: ProtocolLogging, logger: Logger): ServerInterceptor | undefined {
  if (cfg.decision === 'none') return undefined;
  const log = logger.with({ protocol: 'grpc', 'grpc.component': 'server' });
  return (method, call) => {
    const [, service = '', name = ''] = /^\/([^/]*)\/(.*)$/.exec(method.path) ?? [];
    if (cfg.only !== undefined && !cfg.only.has(`${service}/${name}`)) return new ServerInterceptingCall(call);
    const base = {
      'grpc.service': service, 'grpc.method': name,
      'grpc.method_type': method.requestStream ? (method.responseStream ? 'bidi_stream' : 'client_stream') : (method.responseStream ? 'server_stream' : 'unary'),
      'peer.address': call.getPeer(),
      'grpc.start_time': new Date().toISOString(),
    };
    const t = process.hrtime.bigint();
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      const at = GRPC_ERROR_CODES.has(code) ? 'error' : 'debug';
      if (passes(cfg, at)) log[at]('finished call', { ...base, 'grpc.code': grpcCodeName(code), 'grpc.time_ms': String(elapsedMs(t)) });
    };
    if (cfg.decision === 'start-and-finish' && passes(cfg, 'debug')) log.debug('started call', base);
    return new ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: () => finish(Status.CANCELLED) }),
      sendStatus: (status, next) => {
        finish(status.code ?? Status.UNKNOWN);
        next(status);
      },
    });
  };
}
