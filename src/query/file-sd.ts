// Endpoint addresses from --store.sd-files: Prometheus file_sd files (YAML or JSON lists of {targets, labels}),
// given as paths whose file-name part may be a glob, re-read when they change (fs.watch) and every refresh interval.

import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYaml } from '../runtime/yaml-fields.js';
import { ConfigError, errorMessage, ParseError } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';

/** One file_sd target group; labels are accepted (Prometheus format) but endpoints do not use them. */
export interface TargetGroup {
  readonly targets: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
}

/** Parses a file_sd file's content; `.json` files are JSON, anything else YAML (which JSON also is). */
export function parseFileSd(content: string, file: string): TargetGroup[] {
  let doc: unknown;
  try {
    doc = file.endsWith('.json') ? JSON.parse(content) : parseYaml(content);
  } catch (err) {
    throw new ParseError(`${file}: ${errorMessage(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new ParseError(`${file}: want a list of target groups, got ${typeof doc}`);
  return doc.map((g: unknown, i): TargetGroup => {
    const where = `${file}: target group ${i}`;
    if (typeof g !== 'object' || g === null || Array.isArray(g)) throw new ParseError(`${where}: want an object`);
    const o = g as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k !== 'targets' && k !== 'labels') throw new ParseError(`${where}: unknown field ${JSON.stringify(k)}`);
    const targets = o['targets'] ?? [];
    if (!Array.isArray(targets) || !targets.every((t): t is string => typeof t === 'string')) {
      throw new ParseError(`${where}: targets must be a list of strings`);
    }
    const labels = o['labels'] ?? {};
    if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new ParseError(`${where}: labels must be a map`);
    const lo: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== 'string') throw new ParseError(`${where}: label ${JSON.stringify(k)} must be a string`);
      lo[k] = v;
    }
    return { targets, labels: lo };
  });
}

/** Go's filepath.Match for one path element: `*`, `?`, `[...]` (with `^`/`!` negation), `\` escapes. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new ConfigError(`bad glob ${JSON.stringify(pattern)}: unclosed [`, { where: '--store.sd-files' });
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += '\\' + pattern[++i]!;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Files matching a path whose last element may be a glob; a missing directory matches nothing. */
export async function expandGlob(pattern: string): Promise<string[]> {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?[]/.test(base)) return [pattern];
  const re = globToRegExp(base);
  try {
    return (await readdir(dir)).filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

export interface FileSdOptions {
  readonly files: readonly string[];
  /** Re-read everything this often even without change events (--store.sd-interval). */
  readonly refreshIntervalMs: number;
  readonly logger?: Logger;
  /** Called with the full address list whenever it changes. */
  readonly onChange: (addresses: readonly string[]) => void;
}

/** Watches file_sd files; a file that fails to read or parse keeps its last good targets (as Prometheus does). */
export class FileSd {
  private readonly byFile = new Map<string, string[]>();
  private current: readonly string[] = [];
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly options: FileSdOptions) {
    this.logger = options.logger ?? nopLogger;
  }

  get addresses(): readonly string[] {
    return this.current;
  }

  /** Reads the files once, then keeps watching until stop(). */
  async start(): Promise<void> {
    await this.refresh();
    for (const dir of new Set(this.options.files.map((f) => path.dirname(f)))) {
      try {
        const w = watch(dir, () => this.scheduleRefresh());
        w.on('error', (err) => this.logger.warn('file sd watch failed', { dir, err: errorMessage(err) }));
        this.watchers.push(w);
      } catch (err) {
        this.logger.warn('file sd watch failed, relying on the refresh interval', { dir, err: errorMessage(err) });
      }
    }
    this.timer = setInterval(() => this.scheduleRefresh(), this.options.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    clearInterval(this.timer);
    clearTimeout(this.debounce);
  }

  /** Editors write files in several steps; wait for the burst to end before reading. */
  private scheduleRefresh(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.reading = this.reading.then(() => this.refresh());
    }, 50);
    this.debounce.unref();
  }

  /** Re-reads every file now; resolves when the new list has been published. */
  async refresh(): Promise<void> {
    const files = new Set((await Promise.all(this.options.files.map(expandGlob))).flat());
    for (const f of [...this.byFile.keys()]) if (!files.has(f)) this.byFile.delete(f);
    await Promise.all([...files].map(async (f) => {
      try {
        const groups = parseFileSd(await readFile(f, 'utf8'), f);
        this.byFile.set(f, groups.flatMap((g) => g.targets));
      } catch (err) {
        const missing = err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
        if (missing) this.byFile.delete(f);
        else this.logger.error('file sd read failed, keeping previous targets', { file: f, err: errorMessage(err) });
      }
    }));
    const next = [...new Set([...this.byFile.keys()].sort().flatMap((f) => this.byFile.get(f)!))];
    if (next.length !== this.current.length || next.some((a, i) => a !== this.current[i])) {
      this.current = next;
      this.options.onChange(next);
    }
  }
}
