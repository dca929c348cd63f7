// Label matchers with Prometheus semantics: =, !=, =~, !~; regexes fully anchored RE2; an empty value matches
// a missing label. Shared by the TSDB index, every StoreAPI implementation and the PromQL engine.

import type { Labels } from './labels.js';
import { getLabel } from './labels.js';
import { analyseFastRegex, type FastRegex } from './fast-regex.js';
import { compileAnchored, type AnchoredRegex } from './re2.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  readonly type: MatchType;
  readonly name: string;
  readonly value: string;
  /** The RE2 engine, compiled on first use when a fast path cannot answer alone. */
  private re: AnchoredRegex | undefined;
  /** String operations that answer common regex shapes without the engine (see fast-regex.ts). */
  private readonly fast: FastRegex | undefined;

  /** Throws InvalidArgumentError for a regex RE2 would reject. */
  constructor(type: MatchType, name: string, value: string) {
    this.type = type;
    this.name = name;
    this.value = value;
    if (type === '=~' || type === '!~') {
      this.fast = analyseFastRegex(value);
      // A fast-path shape is valid RE2 by construction; anything else is compiled now so errors surface here.
      if (this.fast === undefined) this.re = compileAnchored(value);
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
    return this.fast?.literals;
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }

  private regexMatches(v: string): boolean {
    const fast = this.fast?.test(v);
    if (fast !== undefined) return fast;
    this.re ??= compileAnchored(this.value);
    return this.re.test(v);
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: Labels): boolean {
  for (const m of matchers) if (!m.matchesLabels(labels)) return false;
  return true;
}
