// Label matchers with Prometheus semantics: =, !=, =~, !~; regexes fully anchored RE2; an empty value matches
// a missing label. Shared by the TSDB index, every StoreAPI implementation and the PromQL engine.

import type { Labels } from './labels.js';
import { getLabel } from './labels.js';
import { compileAnchored } from './re2.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  private readonly re: RegExp | undefined;
  /** For regexes that are only alternations of literals (`a|b|c`), the set of those literals. */
  private readonly set: ReadonlySet<string> | undefined;
  /** `.*` (everything) or `.+` (everything non-empty): answered without running the regex. */
  private readonly anyKind: 'all' | 'nonEmpty' | undefined;

  /** Throws InvalidArgumentError for a regex RE2 would reject. */
  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      if (value === '.*') this.anyKind = 'all';
      else if (value === '.+') this.anyKind = 'nonEmpty';
      else {
        const literals = literalAlternation(value);
        if (literals) this.set = new Set(literals);
        this.re = compileAnchored(value);
      }
    }
  }

  /** Whether a label value (the empty string for a missing label) satisfies this matcher. */
  matches(v: string): boolean {
    switch (this.type) {
      case '=': return v === this.value;
      case '!=': return v !== this.value;
      case '=~': return this.regexMatches(v);
      case '!~': return !this.regexMatches(v);
    }
  }

  /** Whether the matcher matches a series that lacks the label (i.e. it matches the empty string). */
  matchesEmpty(): boolean {
    return this.matches('');
  }

  matchesLabels(labels: Labels): boolean {
    return this.matches(getLabel(labels, this.name));
  }

  /** For `=~` with only literal alternatives: those values, so the index can look them up directly. */
  setMatches(): readonly string[] | undefined {
    return this.set ? [...this.set] : undefined;
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }

  private regexMatches(v: string): boolean {
    if (this.anyKind === 'all') return true;
    if (this.anyKind === 'nonEmpty') return v !== '';
    if (this.set) return this.set.has(v);
    return this.re!.test(v);
  }
}

/** `a|b|c` with no metacharacters → ['a','b','c']; anything else → undefined. */
function literalAlternation(pattern: string): string[] | undefined {
  if (pattern === '' || /[\\^$.*+?()[\]{}]/.test(pattern)) return undefined;
  return pattern.split('|');
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matchesLabels(labels)) return false;
  return true;
}
