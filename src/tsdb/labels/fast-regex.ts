// Matcher regexes answered with string operations instead of the RE2 engine, as Prometheus's FastRegexMatcher
// does: literals, sets of literals (`a|b|c`), prefix/suffix/contains (`foo.*`, `.*foo`, `.*foo.*`, `foo.+bar`) and
// alternations of those, optionally case-insensitive via a leading `(?i)` for ASCII literals.

/**
 * One alternative as literal parts joined by wildcards: parts[0] gap[0] parts[1] ... where gap[k] is the least
 * number of characters between the parts (0 for `.*`, 1 for `.+`). A single part is an exact literal.
 */
interface Glob {
  readonly parts: readonly string[];
  readonly gaps: readonly number[];
}

export interface FastRegex {
  /** The value matches the whole regex; undefined when only the regex engine can tell (non-ASCII under (?i)). */
  test(value: string): boolean | undefined;
  /** When every alternative is a plain literal and case matters: those literals (the index looks them up). */
  readonly literals: readonly string[] | undefined;
}

/** True for ASCII characters RE2 gives meaning to outside a class; an unescaped one ends the fast path. */
const META = new Set(['\\', '.', '+', '*', '?', '(', ')', '|', '[', ']', '{', '}', '^', '$']);

/** Splits on top-level `|`, returning undefined if anything other than literals, `.*` and `.+` appears. */
function parseAlternatives(body: string): Glob[] | undefined {
  const globs: Glob[] = [];
  let parts: string[] = [''];
  let gaps: number[] = [];
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    const code = ch.charCodeAt(0);
    // Lone or paired surrogates make UTF-16 lengths differ from RE2's rune counts: leave those to the engine.
    if (code >= 0xd800 && code <= 0xdfff) return undefined;
    if (ch === '|') {
      globs.push({ parts, gaps });
      parts = [''];
      gaps = [];
    } else if (ch === '.' && (body[i + 1] === '*' || body[i + 1] === '+')) {
      const gap = body[i + 1] === '+' ? 1 : 0;
      i++;
      if (parts[parts.length - 1] === '' && parts.length > 1) {
        // Two wildcards in a row: `.*.*` is `.*`, `.*.+` is `.+`; `.+.+` needs two runes, which UTF-16 cannot count.
        const prev = gaps[gaps.length - 1]!;
        if (prev + gap > 1) return undefined;
        gaps[gaps.length - 1] = prev + gap;
      } else {
        gaps.push(gap);
        parts.push('');
      }
    } else if (ch === '\\') {
      // RE2 reads a backslash before ASCII punctuation as that character; letters and digits are escapes.
      const next = body[i + 1];
      if (next === undefined || !/^[!-/:-@[-`{-~ ]$/.test(next)) return undefined;
      parts[parts.length - 1] += next;
      i++;
    } else if (META.has(ch)) {
      return undefined;
    } else {
      parts[parts.length - 1] += ch;
    }
  }
  globs.push({ parts, gaps });
  return globs;
}

/** Strips one group around the whole pattern, `(...)` or `(?:...)`, if it really spans the whole pattern. */
function unwrapGroup(p: string): string {
  const open = p.startsWith('(?:') ? 3 : p.startsWith('(') && !p.startsWith('(?') ? 1 : 0;
  if (open === 0 || !p.endsWith(')')) return p;
  const inner = p.slice(open, -1);
  // Only unwrap when the inner text holds no other parenthesis, so `(a)|(b)` stays as it is.
  return /[()]/.test(inner.replace(/\\./g, '')) ? p : inner;
}

function globMatches(g: Glob, v: string): boolean {
  const { parts, gaps } = g;
  const first = parts[0]!;
  if (parts.length === 1) return v === first;
  if (!v.startsWith(first)) return false;
  let pos = first.length;
  const lastIdx = parts.length - 1;
  for (let k = 1; k < lastIdx; k++) {
    // The earliest place of each middle part leaves the most room for the rest, so greedy search is exact.
    const at = v.indexOf(parts[k]!, pos + gaps[k - 1]!);
    if (at < 0) return false;
    pos = at + parts[k]!.length;
  }
  const last = parts[lastIdx]!;
  return v.length - last.length >= pos + gaps[lastIdx - 1]! && v.endsWith(last);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** The string-operation form of a matcher regex, or undefined when it needs the RE2 engine. */
export function analyseFastRegex(pattern: string): FastRegex | undefined {
  let body = pattern;
  let fold = false;
  if (body.startsWith('(?i)')) {
    fold = true;
    body = body.slice(4);
  } else if (body.startsWith('(?i:') && body.endsWith(')') && !/[()]/.test(body.slice(4, -1).replace(/\\./g, ''))) {
    fold = true;
    body = body.slice(4, -1);
  }
  const globs = parseAlternatives(unwrapGroup(body));
  if (globs === undefined) return undefined;
  if (!fold) {
    if (globs.every((g) => g.parts.length === 1)) {
      const set = new Set(globs.map((g) => g.parts[0]!));
      if (set.size === 1) {
        const only = globs[0]!.parts[0]!;
        return { test: (v) => v === only, literals: [only] };
      }
      return { test: (v) => set.has(v), literals: [...set] };
    }
    if (globs.length === 1) {
      const g = globs[0]!;
      return { test: (v) => globMatches(g, v), literals: undefined };
    }
    return { test: (v) => globs.some((g) => globMatches(g, v)), literals: undefined };
  }
  // Case-insensitive: RE2 folds `k` with U+212A KELVIN SIGN and `s` with U+017F, so only ASCII on both sides is
  // decided here by lower-casing; anything else goes to the engine.
  if (!globs.every((g) => g.parts.every(isAscii))) return undefined;
  const lowered = globs.map((g) => ({ parts: g.parts.map((p) => p.toLowerCase()), gaps: g.gaps }));
  if (lowered.every((g) => g.parts.length === 1)) {
    const set = new Set(lowered.map((g) => g.parts[0]!));
    return { test: (v) => (isAscii(v) ? set.has(v.toLowerCase()) : undefined), literals: undefined };
  }
  return {
    test: (v) => {
      if (!isAscii(v)) return undefined;
      const lv = v.toLowerCase();
      return lowered.some((g) => globMatches(g, lv));
    },
    literals: undefined,
  };
}
