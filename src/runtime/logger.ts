// Structured logger writing logfmt (`level=info ts=... caller=file.ts:42 msg="..." key=value`) or JSON lines,
// as upstream Thanos's go-kit logger does. Loggers are values passed explicitly; `with` adds fixed fields.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'logfmt' | 'json';
export type LogFields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{component: 'shipper'}`). */
  with(fields: LogFields): Logger;
}

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Where lines go; defaults to stderr as upstream. */
  readonly write?: (line: string) => void;
  /** Injected clock for tests. */
  readonly now?: () => Date;
  /** Whether to add `caller=file:line` (costs a stack capture per line). Default true. */
  readonly caller?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'logfmt';
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));
  const now = options.now ?? (() => new Date());
  const withCaller = options.caller ?? true;
  return new FieldLogger({ min: RANK[level], format, write, now, withCaller }, {});
}

/** A logger that drops everything (tests and library defaults). */
export const nopLogger: Logger = {
  debug() {}, info() {}, warn() {}, error() {},
  with() { return nopLogger; },
};

interface Sink {
  readonly min: number;
  readonly format: LogFormat;
  readonly write: (line: string) => void;
  readonly now: () => Date;
  readonly withCaller: boolean;
}

class FieldLogger implements Logger {
  constructor(private readonly sink: Sink, private readonly fields: LogFields) {}

  debug(msg: string, fields?: LogFields): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.log('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.log('error', msg, fields); }

  with(fields: LogFields): Logger {
    return new FieldLogger(this.sink, { ...this.fields, ...fields });
  }

  private log(level: LogLevel, msg: string, fields: LogFields | undefined): void {
    if (RANK[level] < this.sink.min) return;
    const record: [string, unknown][] = [['level', level], ['ts', this.sink.now().toISOString()]];
    if (this.sink.withCaller) record.push(['caller', callerOf()]);
    // A field given on the line replaces the logger's own of that name (a line's `component` wins over the mode's),
    // so no key appears twice.
    for (const [k, v] of Object.entries(this.fields)) if (fields === undefined || !(k in fields)) record.push([k, v]);
    record.push(['msg', msg]);
    if (fields) for (const [k, v] of Object.entries(fields)) record.push([k, v]);
    this.sink.write(this.sink.format === 'json' ? formatJson(record) : formatLogfmt(record));
  }
}

/** `file.ts:42` of the code that called the logger, from a captured stack. */
function callerOf(): string {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, callerOf);
  const lines = (holder.stack ?? '').split('\n');
  // Frames: [0] "Error", [1] FieldLogger.log, [2] FieldLogger.<level>, [3] the caller.
  const frame = lines[3] ?? '';
  const m = /([^/\\(\s]+?\.[cm]?[jt]s):(\d+):\d+\)?$/.exec(frame);
  return m ? `${m[1]!.replace(/\.js$/, '.ts')}:${m[2]}` : 'unknown';
}

function valueText(v: unknown): string {
  if (v instanceof Error) return v.message;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  try {
    return JSON.stringify(v) ?? 'null';
  } catch {
    return '[unserialisable]';
  }
}

/** Quotes a logfmt value when it is empty or holds a space, `=`, `"` or a control character, as go-logfmt does. */
export function logfmtValue(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must be quoted
  if (s !== '' && !/[\s="\\\x00-\x1f\x7f]/.test(s)) return s;
  return JSON.stringify(s);
}

export function formatLogfmt(record: readonly (readonly [string, unknown])[]): string {
  return record.map(([k, v]) => `${k}=${logfmtValue(valueText(v))}`).join(' ');
}

function formatJson(record: readonly (readonly [string, unknown])[]): string {
  const obj: Record<string, string> = {};
  for (const [k, v] of record) obj[k] = valueText(v);
  return JSON.stringify(obj);
}
