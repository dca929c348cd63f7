// Go's filepath.Match patterns (Unix) for `tenant_matcher_type: glob`: `*` any run of non-'/' characters, `?` one
// non-'/' character, `[...]`/`[^...]` classes with ranges, `\` escapes. Compiled once to a RegExp; a malformed
// pattern (Go's ErrBadPattern) is refused when the hashrings file is read, not on the first matching request.

import { ConfigError } from '../../runtime/errors.js';

const lit = (ch: string): string => `\\u{${ch.codePointAt(0)!.toString(16)}}`;

/** Compiles a Go filepath.Match pattern; `where` names it in errors. */
export function compileGlob(pattern: string, where: string): RegExp {
  const chars = [...pattern];
  let i = 0;
  let out = '';
  const bad = (why: string): never => { throw new ConfigError(`syntax error in pattern ${JSON.stringify(pattern)}: ${why}`, { where }); };
  // One character of a class range (Go getEsc): '-' and ']' must be escaped; '\' escapes the next.
  const classChar = (): string => {
    let c = chars[i];
    if (c === undefined || c === '-' || c === ']') return bad('bad character range');
    if (c === '\\') {
      i++;
      c = chars[i];
      if (c === undefined) return bad('trailing backslash');
    }
    i++;
    return c;
  };
  while (i < chars.length) {
    const c = chars[i]!;
    if (c === '*') { out += '[^/]*'; i++; continue; }
    if (c === '?') { out += '[^/]'; i++; continue; }
    if (c === '\\') {
      const next = chars[i + 1];
      if (next === undefined) bad('trailing backslash');
      out += lit(next!);
      i += 2;
      continue;
    }
    if (c === '[') {
      i++;
      let negate = false;
      if (chars[i] === '^') { negate = true; i++; }
      let body = '';
      let ranges = 0;
      for (;;) {
        if (chars[i] === ']' && ranges > 0) { i++; break; }
        if (chars[i] === undefined) bad('unterminated character class');
        const lo = classChar();
        let hi = lo;
        if (chars[i] === '-') {
          i++;
          hi = classChar();
        }
        // Go accepts a reversed range and it matches nothing; a JS class would throw, so leave it out.
        if (lo.codePointAt(0)! <= hi.codePointAt(0)!) body += lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`;
        ranges++;
      }
      out += negate ? `[^${body}]` : `[${body}]`;
      continue;
    }
    out += lit(c);
    i++;
  }
  return new RegExp(`^${out}$`, 'u');
}
