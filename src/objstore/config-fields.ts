// Strict reader for provider config maps (upstream parses S3/GCS/Azure/Swift YAML strictly): typed getters with
// defaults, deprecated aliases that warn once, and done() rejecting unknown fields, naming the field, file and line.
import type { Logger } from '../runtime/logger.js';
import { ConfigError } from '../runtime/errors.js';
import { tryParseDuration } from '../runtime/duration.js';

export interface ConfigContext {
  /** The file path, or `--objstore.config` for inline content. */
  readonly where: string;
  readonly logger: Logger;
  /** 1-based line of a key path in the source YAML, when known. */
  readonly lineOf?: (path: readonly string[]) => number | undefined;
}

export class FieldReader {
  private readonly used = new Set<string>();

  private constructor(
    private readonly obj: Readonly<Record<string, unknown>>,
    private readonly path: readonly string[],
    private readonly ctx: ConfigContext,
    /** What is being read, e.g. `S3 config`, for messages. */
    private readonly what: string,
  ) {}

  /** A reader over `raw` (absent/null reads as an empty map) found at `path` (e.g. ['config']). */
  static of(raw: unknown, path: readonly string[], ctx: ConfigContext, what: string): FieldReader {
    if (raw === undefined || raw === null) return new FieldReader({}, path, ctx, what);
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new ConfigError(`${path.join('.')} must be a map in ${what}, got ${describe(raw)}`, { where: ctx.where });
    }
    return new FieldReader(raw as Record<string, unknown>, path, ctx, what);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined && this.obj[key] !== null;
  }

  string(key: string, def = ''): string {
    const v = this.take(key);
    if (v === undefined) return def;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw this.error(key, `must be a string, got ${describe(v)}`);
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === '') throw this.error(key, 'is required');
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.take(key);
    if (v === undefined) return def;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    throw this.error(key, `must be true or false, got ${describe(v)}`);
  }

  int(key: string, def: number, min = 0): number {
    const v = this.take(key);
    if (v === undefined) return def;
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw this.error(key, `must be an integer, got ${describe(v)}`);
    if (n < min) throw this.error(key, `must be at least ${min}, got ${n}`);
    return n;
  }

  /** A duration (`1m30s`, `90s`, `5m`) in milliseconds: upstream's objstore configs hold model.Duration fields. */
  durationMs(key: string, defMs: number): number {
    const v = this.take(key);
    if (v === undefined) return defMs;
    if (typeof v === 'number' && v === 0) return 0;
    if (typeof v !== 'string') throw this.error(key, `must be a duration such as 1m30s, got ${describe(v)}`);
    const ms = tryParseDuration(v.trim());
    if (ms === undefined) throw this.error(key, `must be a duration such as 1m30s, got ${JSON.stringify(v)}`);
    return ms;
  }

  stringMap(key: string): Readonly<Record<string, string>> {
    const v = this.take(key);
    if (v === undefined) return {};
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw this.error(key, `must be a map, got ${describe(v)}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') throw this.error(`${key}.${k}`, 'must be a string');
      out[k] = String(x);
    }
    return out;
  }

  /** A nested map (absent reads as empty). Call done() on it too. */
  child(key: string): FieldReader {
    const v = this.take(key);
    if (v !== undefined && (typeof v !== 'object' || Array.isArray(v))) throw this.error(key, `must be a map, got ${describe(v)}`);
    return FieldReader.of(v, [...this.path, key], this.ctx, this.what);
  }

  /** Marks an old key as accepted and logs one deprecation warning naming the key that replaces it. */
  deprecated(oldKey: string, replacement: string): unknown {
    const v = this.take(oldKey);
    if (v !== undefined) {
      this.ctx.logger.warn('deprecated object storage config field, use the new key instead', {
        field: this.fieldName(oldKey), use: replacement, file: this.ctx.where,
      });
    }
    return v;
  }

  /** Rejects a key that is recognised but not supported, with an explanation. */
  reject(key: string, why: string): void {
    if (this.take(key) !== undefined) throw this.error(key, why);
  }

  /** Throws for the first key that no getter asked for: upstream rejects unknown fields too. */
  done(): void {
    for (const k of Object.keys(this.obj)) {
      if (!this.used.has(k)) throw this.error(k, `unknown field in ${this.what}`, true);
    }
  }

  error(key: string, message: string, unknownField = false): ConfigError {
    const line = this.ctx.lineOf?.([...this.path, ...key.split('.')]);
    const at = line === undefined ? '' : ` (line ${line})`;
    const text = unknownField ? `${message}: ${JSON.stringify(this.fieldName(key))}${at}` : `${this.fieldName(key)} ${message}${at}`;
    return new ConfigError(text, { where: this.ctx.where });
  }

  private fieldName(key: string): string {
    return [...this.path, key].join('.');
  }

  private take(key: string): unknown {
    this.used.add(key);
    const v = this.obj[key];
    return v === null ? undefined : v;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}
