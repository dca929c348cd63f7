// Declaring flags with upstream's names/defaults on a commander command, and reading them back as typed values
// with one error format: `invalid value "5x" for flag --retention.resolution-raw: <reason>`.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { parseBytes, parseDuration, parseTimeOrDuration } from '../runtime/flag-values.js';

export type FlagKind = 'string' | 'bool' | 'repeat';

export interface FlagSpec {
  readonly name: string;
  readonly help: string;
  /** Upstream's default, as upstream's --help prints it. */
  readonly default?: string;
  /** string (the default), bool (`--x` / `--no-x`), repeat (may be given many times). */
  readonly kind?: FlagKind;
  readonly short?: string;
  /** Shown as the value placeholder in --help. */
  readonly placeholder?: string;
}

/** A flag value was wrong; the CLI prints the message as one line and exits 2. */
export class FlagError extends ConfigError {
  constructor(flag: string, value: string, reason: string) {
    super(`invalid value ${JSON.stringify(value)} for flag --${flag}: ${reason}`);
  }
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function declareFlags(cmd: Command, specs: readonly FlagSpec[]): void {
  for (const spec of specs) {
    const short = spec.short ? `-${spec.short}, ` : '';
    const placeholder = spec.placeholder ?? spec.name.split(/[.-]/).pop()!.toUpperCase();
    switch (spec.kind ?? 'string') {
      case 'string':
        if (spec.default !== undefined) cmd.option(`${short}--${spec.name} <${placeholder}>`, spec.help, spec.default);
        else cmd.option(`${short}--${spec.name} <${placeholder}>`, spec.help);
        break;
      case 'repeat':
        cmd.option(`${short}--${spec.name} <${placeholder}>`, `${spec.help} (repeatable)`, collect);
        break;
      case 'bool':
        cmd.option(`${short}--${spec.name}`, spec.help);
        // kingpin accepts --no-<flag> for every bool flag; so do we.
        cmd.option(`--no-${spec.name}`, `disable --${spec.name}`);
        if (spec.default === 'true') cmd.setOptionValueWithSource(attributeOf(cmd, spec.name), true, 'default');
        break;
    }
  }
}

function attributeOf(cmd: Command, name: string): string {
  const opt = cmd.options.find((o) => o.long === `--${name}`);
  if (!opt) throw new Error(`flag --${name} is not declared`);
  return opt.attributeName();
}

/** Typed access to a parsed command's flags; every getter names the flag in its error. */
export class FlagReader {
  private readonly values: Record<string, unknown>;

  constructor(private readonly cmd: Command) {
    this.values = cmd.opts();
  }

  /** Whether the user gave the flag (as opposed to its default). */
  given(name: string): boolean {
    const source = this.cmd.getOptionValueSource(attributeOf(this.cmd, name));
    return source !== undefined && source !== 'default';
  }

  string(name: string): string {
    const v = this.values[attributeOf(this.cmd, name)];
    return typeof v === 'string' ? v : '';
  }

  optionalString(name: string): string | undefined {
    const v = this.string(name);
    return v === '' ? undefined : v;
  }

  bool(name: string): boolean {
    return this.values[attributeOf(this.cmd, name)] === true;
  }

  list(name: string): string[] {
    const v = this.values[attributeOf(this.cmd, name)];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  }

  /** Comma lists and repeats both work, as upstream's Strings flags with comma splitting. */
  commaList(name: string): string[] {
    return this.list(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  }

  durationMs(name: string): number {
    return this.parse(name, parseDuration);
  }

  bytes(name: string): number {
    return this.parse(name, parseBytes);
  }

  int(name: string): number {
    return this.parse(name, (s) => {
      if (!/^-?\d+$/.test(s)) throw new Error('expected an integer');
      return Number(s);
    });
  }

  float(name: string): number {
    return this.parse(name, (s) => {
      const n = Number(s);
      if (s.trim() === '' || Number.isNaN(n)) throw new Error('expected a number');
      return n;
    });
  }

  timeMs(name: string, now: () => number = Date.now): number {
    return this.parse(name, (s) => parseTimeOrDuration(s, now));
  }

  /** `--label 'k="v"'` repeated → external labels, as upstream parses them. */
  labels(name: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const raw of this.list(name)) {
      const m = /^([a-zA-Z_][a-zA-Z0-9_]*)=(".*"|'.*'|.*)$/.exec(raw);
      if (!m) throw new FlagError(name, raw, 'expected k="v"');
      let value = m[2]!;
      if (value.startsWith('"')) {
        try {
          value = JSON.parse(value) as string;
        } catch {
          throw new FlagError(name, raw, 'bad quoting in label value');
        }
      } else if (value.startsWith("'")) value = value.slice(1, -1);
      out[m[1]!] = value;
    }
    return out;
  }

  /** Reads `--x-file` or `--x` (inline content); they are mutually exclusive, as upstream's PathOrContent. */
  pathOrContent(name: string): { content: string; source: string } | undefined {
    const file = this.string(`${name}-file`);
    const inline = this.string(name);
    if (file !== '' && inline !== '') {
      throw new ConfigError(`both --${name}-file and --${name} are set; use one`);
    }
    if (file !== '') {
      try {
        return { content: readFileSync(file, 'utf8'), source: file };
      } catch (err) {
        throw new FlagError(`${name}-file`, file, errorMessage(err));
      }
    }
    if (inline !== '') return { content: inline, source: `--${name}` };
    return undefined;
  }

  private parse<T>(name: string, fn: (s: string) => T): T {
    const raw = this.string(name);
    try {
      return fn(raw);
    } catch (err) {
      throw new FlagError(name, raw, errorMessage(err));
    }
  }
}
