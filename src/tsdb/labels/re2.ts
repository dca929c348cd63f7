// RE2 regular expressions with Go's syntax and semantics, matched in linear time by re2js (a pure-JS port of RE2).
// Prometheus compiles every matcher, label_replace and relabel regex as `^(?s:pattern)$`; so does compileAnchored.
//
// Why re2js over the native `re2` binding (measured 2026-12-04 on the shared 2-core machine, load average ~20):
// - semantics: re2js follows Go's regexp/syntax (it descends from RE2/J, a port of Go's package); the binding is
//   C++ RE2, which accepts `\C` where Go refuses it and words its errors differently ("invalid repetition size"
//   where Go and Prometheus say "invalid repeat count");
// - install: the binding has no prebuilt binary reachable here, so npm compiles RE2 + Abseil with node-gyp: ~17 min
//   on this machine, on every fresh CI machine, and a C++ toolchain in the image;
// - speed on the engine path (8 typical matchers, ~20-char values, same run): JS RegExp 0.5-1.4 M matches/s,
//   native 0.2-0.4 M/s, re2js 0.06-0.27 M/s: native is 1.2-4x faster than re2js (its per-call UTF-16 → UTF-8
//   copy and native crossing cost most on short values), which does not outweigh the two points above. Common
//   matcher shapes never reach either engine (fast-regex.ts); `npm run bench:regex` prints ratios to a JS RegExp.

import { RE2JS, RE2JSException } from 're2js';
import { InvalidArgumentError } from '../../runtime/errors.js';

/** Capture groups of one match: [0] the whole match, [i] group i (undefined when it did not take part). */
export interface Submatches {
  readonly length: number;
  readonly [group: number]: string | undefined;
  /** Named groups `(?P<name>...)`, or undefined when the regex has none. */
  readonly groups?: Readonly<Record<string, string | undefined>>;
}

/** A compiled, fully anchored RE2 regex. */
export class AnchoredRegex {
  /** The pattern as the user wrote it (without the anchoring wrapper). */
  readonly pattern: string;
  private readonly re: RE2JS;

  private constructor(pattern: string, re: RE2JS) {
    this.pattern = pattern;
    this.re = re;
  }

  /** Compiles `^(?s:pattern)$`; throws InvalidArgumentError with Go's message for what Go's regexp rejects. */
  static compile(pattern: string): AnchoredRegex {
    return new AnchoredRegex(pattern, compileRaw(`^(?s:${pattern})$`));
  }

  /** Whether the whole value matches. */
  test(value: string): boolean {
    return this.re.testExact(value);
  }

  /** The capture groups when the whole value matches, else undefined. */
  exec(value: string): Submatches | undefined {
    const m: unknown = this.re.exec(value);
    return m === null ? undefined : (m as Submatches);
  }
}

/** Compiles an RE2 pattern exactly as given (no anchoring); errors in Go's words, as Prometheus reports them. */
function compileRaw(source: string): RE2JS {
  try {
    return RE2JS.compile(source);
  } catch (err) {
    if (err instanceof RE2JSException) throw new InvalidArgumentError(err.message, { cause: err });
    throw err;
  }
}

/** Compiles a fully anchored matcher regex, `^(?s:pattern)$`, as Prometheus does. */
export function compileAnchored(pattern: string): AnchoredRegex {
  return AnchoredRegex.compile(pattern);
}

/** A rune Go's regexp.Expand accepts in a group name: unicode.IsLetter, unicode.IsDigit or `_`. */
const NAME_RUNE = /[\p{L}\p{Nd}_]/u;

/** Group number of a name as Go reads it: decimal digits only, no leading zero, at most 9 digits; else -1 (a name). */
function groupNumber(name: string): number {
  if (!/^[0-9]+$/.test(name) || (name.length > 1 && name[0] === '0') || name.length > 9) return -1;
  return Number(name);
}

/**
 * Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}` take a group (missing → empty), `$$` is a `$`. As in Go, a
 * bare name is the longest run of letters, digits and `_` (`$1x` names group "1x"), and a `$` not followed by a
 * valid name is copied as it is.
 */
export function expandTemplate(template: string, m: Submatches): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const c = template[i]!;
    i++;
    if (c !== '$') { out += c; continue; }
    if (template[i] === '$') { out += '$'; i++; continue; }
    const brace = template[i] === '{';
    let j = brace ? i + 1 : i;
    let name = '';
    for (const r of template.slice(j)) {
      if (!NAME_RUNE.test(r)) break;
      name += r;
    }
    j += name.length;
    if (name === '' || (brace && template[j] !== '}')) { out += '$'; continue; }
    i = brace ? j + 1 : j;
    const num = groupNumber(name);
    out += (num >= 0 ? m[num] : m.groups?.[name]) ?? '';
  }
  return out;
}

/** An unanchored RE2 regex, as Go's regexp.Compile(pattern): for find-anywhere matching and replace-all. */
export class SearchRegex {
  private constructor(readonly pattern: string, private readonly re: RE2JS) {}

  /** Throws InvalidArgumentError with Go's message for what Go's regexp rejects. */
  static compile(pattern: string): SearchRegex {
    return new SearchRegex(pattern, compileRaw(pattern));
  }

  /** Whether the regex matches anywhere in `value` (Go's MatchString). */
  test(value: string): boolean {
    return this.re.test(value);
  }

  /** Go's ReplaceAllString: every match replaced by `template` expanded as regexp.Expand does. */
  replaceAll(value: string, template: string): string {
    return this.re.matcher(value).replaceAll((...args: unknown[]) => {
      const groups: (string | undefined)[] = [];
      let named: Record<string, string | undefined> | undefined;
      for (const a of args) {
        if (typeof a === 'number') break;
        groups.push(typeof a === 'string' ? a : undefined);
      }
      const last = args[args.length - 1];
      if (typeof last === 'object' && last !== null) named = last as Record<string, string | undefined>;
      const m: Submatches = Object.assign(groups, named !== undefined && Object.keys(named).length > 0 ? { groups: named } : {});
      return expandTemplate(template, m);
    });
  }
}
