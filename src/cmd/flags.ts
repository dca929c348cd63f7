// Declaring flags with upstream's names/defaults on a commander command, and reading them back as typed values
// with one error format: `invalid value "5x" for flag --retention.resolution-raw: <reason>`.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { parseBytes, parseTimeOrDuration } from '../runtime/flag-values.js';
import { parseDuration } from '../runtime/duration.js';
import { displayFlagValue } from '../runtime/secrets.js';

export type FlagKind = 'string' | 'bool' | 'repeat';

/**
 * What thanos-ts does with an upstream flag it declares, so that none is accepted and silently ignored:
 * - 'works' (the default): implemented; the only kind --help lists.
 * - 'refused': not supported yet; set to anything but its default it stops the mode (exit 2) saying so. Declared so
 *   that manifests spelling out the default still run.
 * - { ignored }: accepted with one warning giving the reason (upstream itself ignores it, or it has nothing to act
 *   on here, e.g. gossip-era flags).
 * - { deprecated }: works, with one warning naming what replaces it.
 */
export type FlagSupport = 'works' | 'refused' | { readonly ignored: string } | { readonly deprecated: string };

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
  readonly support?: FlagSupport;
}

export const supportOf = (spec: FlagSpec): FlagSupport => spec.support ?? 'works';

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
    // --help lists only flags that work; the others stay declared so upstream manifests still parse.
    const support = supportOf(spec);
    const hidden = support === 'refused' || (typeof support === 'object' && 'ignored' in support);
    let option: Option;
    switch (spec.kind ?? 'string') {
      case 'string':
        option = new Option(`${short}--${spec.name} <${placeholder}>`, spec.help);
        if (spec.default !== undefined) option.default(spec.default);
        break;
      case 'repeat':
        option = new Option(`${short}--${spec.name} <${placeholder}>`, `${spec.help} (repeatable)`).argParser(collect);
        break;
      case 'bool':
        option = new Option(`${short}--${spec.name}`, spec.default === 'true' ? `${spec.help} (default: true; --no-${spec.name} to disable)` : spec.help);
        break;
    }
    cmd.addOption(hidden ? option.hideHelp() : option);
    if (spec.kind === 'bool') {
      // kingpin accepts --no-<flag> for every bool flag; so do we, without a second help line per flag.
      cmd.addOption(new Option(`--no-${spec.name}`).hideHelp());
      if (spec.default === 'true') cmd.setOptionValueWithSource(attributeOf(cmd, spec.name), true, 'default');
    }
  }
}

function attributeOf(cmd: Command, name: string, read?: Set<string>): string {
  read?.add(name);
  const opt = cmd.options.find((o) => o.long === `--${name}`);
  if (!opt) throw new Error(`flag --${name} is not declared`);
  return opt.attributeName();
}

/** Typed access to a parsed command's flags; every getter names the flag in its error. */
export class FlagReader {
  private readonly values: Record<string, unknown>;
  /** Every flag a reader looked at; a test checks that each implemented flag is read by its mode. */
  readonly read = new Set<string>();
  /** Warnings a reader raised about flag combinations (logged once when the mode starts). */
  readonly warnings: string[] = [];

  constructor(private readonly cmd: Command) {
    this.values = cmd.opts();
  }

  /** Whether the command declares the flag at all. */
  declared(name: string): boolean {
    return this.cmd.options.some((o) => o.long === `--${name}`);
  }

  /** Whether the user gave the flag (as opposed to its default). */
  given(name: string): boolean {
    const source = this.cmd.getOptionValueSource(attributeOf(this.cmd, name, this.read));
    return source !== undefined && source !== 'default';
  }

  /** Whether the flag holds something other than its default (a refused flag may still spell its default). */
  differsFromDefault(spec: FlagSpec): boolean {
    if (!this.given(spec.name)) return false;
    switch (spec.kind ?? 'string') {
      case 'bool': return this.bool(spec.name) !== (spec.default === 'true');
      case 'repeat': return this.list(spec.name).length > 0;
      case 'string': return this.string(spec.name) !== (spec.default ?? '');
    }
  }

  /**
   * Applies the flag table's support column: throws for a refused flag set to a non-default value, and returns one
   * warning per ignored flag that was given.
   */
  checkSupport(specs: readonly FlagSpec[]): string[] {
    const warnings: string[] = [];
    for (const spec of specs) {
      const support = supportOf(spec);
      if (support === 'works') continue;
      if (support === 'refused') {
        if (this.differsFromDefault(spec)) throw new ConfigError(`flag --${spec.name} is not supported yet by thanos-ts; remove it${spec.default !== undefined && spec.default !== '' ? ` or set it to its default (${spec.default})` : ''}`);
      } else if (this.given(spec.name)) {
        warnings.push('ignored' in support ? `flag --${spec.name} is ignored: ${support.ignored}` : `flag --${spec.name} is deprecated: ${support.deprecated}`);
      }
    }
    return warnings;
  }

  /**
   * The flag's value as text, for /api/v1/status/flags; not counted as reading it. Secrets are replaced: fields of
   * inline YAML configs and passwords in URLs show as `<secret>`.
   */
  display(spec: FlagSpec): string {
    const v = this.values[attributeOf(this.cmd, spec.name)];
    const content = spec.placeholder === 'content';
    if (Array.isArray(v)) return v.map((one) => displayFlagValue(String(one), content)).join(',');
    if (spec.kind === 'bool') return String(v === true);
    return typeof v === 'string' ? displayFlagValue(v, content) : '';
  }

  string(name: string): string {
    const v = this.values[attributeOf(this.cmd, name, this.read)];
    return typeof v === 'string' ? v : '';
  }

  optionalString(name: string): string | undefined {
    const v = this.string(name);
    return v === '' ? undefined : v;
  }

  bool(name: string): boolean {
    return this.values[attributeOf(this.cmd, name, this.read)] === true;
  }

  list(name: string): string[] {
    const v = this.values[attributeOf(this.cmd, name, this.read)];
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
