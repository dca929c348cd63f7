// Translates an RE2 pattern (the syntax Prometheus regex matchers use) into a JavaScript RegExp, fully anchored.
// JavaScript on Node 20 rejects RE2's inline flags `(?i)` / `(?i:...)`, `\z`, `\A`, `\Q...\E`, `(?P<name>` and
// POSIX classes; those are rewritten here. Prometheus wraps every matcher regex as `^(?s:...)$`, so `.` matches `\n`.

import { InvalidArgumentError } from '../../runtime/errors.js';

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

interface Flags { i: boolean }

/** Both cases of a letter as a class body fragment, or the escaped character itself. */
function caseFold(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  return lo !== up ? `${lo}${up}` : '';
}

function escapeLiteral(ch: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(ch) ? `\\${ch}` : ch;
}

/** Error in RE2's words so users recognise it from Prometheus. */
function fail(pattern: string, why: string): never {
  throw new InvalidArgumentError(`error parsing regexp: ${why}: \`${pattern}\``);
}

/** Converts an RE2 pattern to a JavaScript source string (not anchored) and whether it needs the `u` flag. */
export function translateRE2(pattern: string): { source: string; unicode: boolean } {
  let i = 0;
  let unicode = false;
  const n = pattern.length;

  // Reads one class body `[...]` starting after '[' and returns the JS class.
  const readClass = (flags: Flags): string => {
    let out = '[';
    if (pattern[i] === '^') { out += '^'; i++; }
    let first = true;
    while (i < n && (pattern[i] !== ']' || first)) {
      first = false;
      const ch = pattern[i]!;
      if (ch === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end < 0) fail(pattern, 'missing closing ]');
        let name = pattern.slice(i + 2, end);
        const negated = name.startsWith('^');
        if (negated) name = name.slice(1);
        const body = POSIX_CLASSES[name];
        if (body === undefined) fail(pattern, `invalid character class range: [:${name}:]`);
        if (negated) fail(pattern, `negated POSIX class inside a class is not supported: [:^${name}:]`);
        out += body;
        i = end + 2;
        continue;
      }
      if (ch === '\\') {
        const next = pattern[i + 1];
        if (next === undefined) fail(pattern, 'trailing backslash at end of expression');
        if (next === 'p' || next === 'P') { unicode = true; const [esc, len] = readUnicodeClass(i); out += esc; i += len; continue; }
        out += ch + next;
        i += 2;
        continue;
      }
      // A range a-z: fold both ends when case-insensitive.
      if (pattern[i + 1] === '-' && pattern[i + 2] !== undefined && pattern[i + 2] !== ']') {
        const lo = ch;
        let hi = pattern[i + 2]!;
        let len = 3;
        if (hi === '\\') { hi = pattern[i + 3] ?? ''; len = 4; }
        out += `${escapeLiteral(lo)}-${escapeLiteral(hi)}`;
        if (flags.i && /[a-zA-Z]/.test(lo) && /[a-zA-Z]/.test(hi)) {
          out += `${escapeLiteral(lo.toLowerCase() === lo ? lo.toUpperCase() : lo.toLowerCase())}-${escapeLiteral(hi.toLowerCase() === hi ? hi.toUpperCase() : hi.toLowerCase())}`;
        }
        i += len;
        continue;
      }
      out += escapeLiteral(ch);
      if (flags.i) out += caseFold(ch);
      i++;
    }
    if (i >= n) fail(pattern, 'missing closing ]');
    i++; // ']'
    return out + ']';
  };

  const readUnicodeClass = (at: number): [string, number] => {
    const kind = pattern[at + 1]!;
    if (pattern[at + 2] === '{') {
      const end = pattern.indexOf('}', at + 3);
      if (end < 0) fail(pattern, 'invalid character class range');
      return [`\\${kind}{${pattern.slice(at + 3, end)}}`, end + 1 - at];
    }
    const name = pattern[at + 2];
    if (name === undefined) fail(pattern, 'invalid character class range');
    return [`\\${kind}{${name}}`, 3];
  };

  // Reads a sequence until ')' or end, with the flags in force; returns JS source.
  const readSeq = (outer: Flags): string => {
    const flags: Flags = { ...outer };
    let out = '';
    while (i < n) {
      const ch = pattern[i]!;
      if (ch === ')') return out;
      if (ch === '(') {
        if (pattern[i + 1] === '?') {
          // (?flags) or (?flags:...) or (?P<name>...) or (?<name>...)
          if (pattern[i + 2] === 'P' && pattern[i + 3] === '<') { i += 4; const close = pattern.indexOf('>', i); if (close < 0) fail(pattern, 'invalid named capture'); out += `(?<${pattern.slice(i, close)}>`; i = close + 1; out += readSeq(flags) + ')'; expectClose(); continue; }
          if (pattern[i + 2] === '<') { i += 3; const close = pattern.indexOf('>', i); if (close < 0) fail(pattern, 'invalid named capture'); out += `(?<${pattern.slice(i, close)}>`; i = close + 1; out += readSeq(flags) + ')'; expectClose(); continue; }
          let j = i + 2;
          const inner: Flags = { ...flags };
          let neg = false;
          while (j < n && pattern[j] !== ')' && pattern[j] !== ':') {
            const f = pattern[j]!;
            if (f === '-') neg = true;
            else if (f === 'i') inner.i = !neg;
            else if (f === 's' || f === 'm' || f === 'U') {
              if (f !== 's') fail(pattern, `unsupported flag (?${f}) in matcher regexp`);
            } else fail(pattern, `invalid or unsupported Perl syntax: \`(?${f}\``);
            j++;
          }
          if (j >= n) fail(pattern, 'missing closing )');
          if (pattern[j] === ')') { flags.i = inner.i; i = j + 1; continue; }
          i = j + 1;
          out += '(?:' + readSeq(inner) + ')';
          expectClose();
          continue;
        }
        i++;
        out += '(' + readSeq(flags) + ')';
        expectClose();
        continue;
      }
      if (ch === '[') { i++; out += readClass(flags); continue; }
      if (ch === '\\') {
        const next = pattern[i + 1];
        if (next === undefined) fail(pattern, 'trailing backslash at end of expression');
        if (next === 'Q') {
          const end = pattern.indexOf('\\E', i + 2);
          const lit = pattern.slice(i + 2, end < 0 ? n : end);
          for (const c of lit) out += flags.i && caseFold(c) ? `[${caseFold(c)}]` : escapeLiteral(c);
          i = end < 0 ? n : end + 2;
          continue;
        }
        if (next === 'z') { out += '$'; i += 2; continue; }
        if (next === 'A') { out += '^'; i += 2; continue; }
        if (next === 'C') { out += '[^]'; i += 2; continue; }
        if (next === 'p' || next === 'P') { unicode = true; const [esc, len] = readUnicodeClass(i); out += esc; i += len; continue; }
        if (/[a-zA-Z]/.test(next) && !'dDsSwWbBtnrfvx0123456789'.includes(next)) fail(pattern, `invalid escape sequence: \`\\${next}\``);
        out += ch + next;
        i += 2;
        continue;
      }
      if (flags.i && caseFold(ch)) { out += `[${caseFold(ch)}]`; i++; continue; }
      out += ch === '/' ? '\\/' : ch;
      i++;
    }
    return out;
  };

  const expectClose = (): void => {
    if (pattern[i] !== ')') fail(pattern, 'missing closing )');
    i++;
  };

  const source = readSeq({ i: false });
  if (i < n) fail(pattern, 'unexpected )');
  return { source, unicode };
}

/** Compiles a fully anchored matcher regex, `^(?s:pattern)$` as Prometheus does. */
export function compileAnchored(pattern: string): RegExp {
  const { source, unicode } = translateRE2(pattern);
  try {
    return new RegExp(`^(?:${source})$`, unicode ? 'su' : 's');
  } catch (err) {
    return fail(pattern, err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err));
  }
}
