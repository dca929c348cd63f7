// Token-level helpers shared by the parser and the test-script runner: Go string unquoting, PromQL numbers and
// durations, with the error texts Prometheus's lexer and parser use.

import { tryParseDuration } from '../../runtime/duration.js';

/** Whether a number token is written as a duration (has a unit). */
export function isDurationToken(s: string): boolean {
  return /^[0-9]+(?:y|w|d|h|m|s|ms)/.test(s) && /[a-z]$/i.test(s) && !/^0x/i.test(s) && !/e/i.test(s.replace(/ms$/, ''));
}

/**
 * Parses a number token as Prometheus does: Go's ParseInt with base prefix (hex, octal, binary, underscores), then
 * ParseFloat; `Inf`/`NaN` in any case; a duration token gives seconds. Returns undefined when malformed.
 */
export function parseNumberToken(raw: string): number | undefined {
  const s = raw;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  const d = tryParseDuration(s);
  if (d !== undefined && /[a-z]/i.test(s)) return d / 1000;
  const intVal = parseGoInt(s);
  if (intVal !== undefined) return intVal;
  if (!/^[0-9]*(?:_[0-9]+)*\.?[0-9]*(?:_[0-9]+)*(?:[eE][+-]?[0-9]+(?:_[0-9]+)*)?$/.test(s)) return undefined;
  const v = Number(s.replace(/_/g, ''));
  return Number.isNaN(v) ? undefined : v;
}

function parseGoInt(s: string): number | undefined {
  // Go (base 0) takes underscores only between digits or after the base prefix: `1_000`, `0x_1f`, not `7_`.
  if (!/^(?:0[xXoObB]_?)?[0-9a-fA-F]+(?:_[0-9a-fA-F]+)*$/.test(s)) return undefined;
  const c = s.replace(/_/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(c)) return parseInt(c.slice(2), 16);
  if (/^0[oO][0-7]+$/.test(c)) return parseInt(c.slice(2), 8);
  if (/^0[bB][01]+$/.test(c)) return parseInt(c.slice(2), 2);
  if (/^0[0-7]+$/.test(c)) return parseInt(c.slice(1), 8);
  if (/^[0-9]+$/.test(c)) return Number(c);
  return undefined;
}

/**
 * Go's strconv.Unquote for `"…"`, `'…'` and raw `` `…` `` literals; throws Error with Go's texts on bad input.
 * `\x` and octal escapes are bytes, as in Go; bytes that do not form valid UTF-8 become U+DC80–U+DCFF (lone
 * surrogates) so that "invalid UTF-8" stays detectable, e.g. for label-name validation.
 */
export function unquoteString(lit: string): string {
  const q = lit[0];
  if (lit.length < 2 || lit[lit.length - 1] !== q) throw new Error('unterminated quoted string');
  const body = lit.slice(1, -1);
  if (q === '`') return body;
  const bytes: number[] = [];
  const pushStr = (str: string): void => {
    for (const b of utf8.encode(str)) bytes.push(b);
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      const str = String.fromCodePoint(cp);
      pushStr(str);
      i += str.length - 1;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'a': bytes.push(7); break;
      case 'b': bytes.push(8); break;
      case 'f': bytes.push(12); break;
      case 'n': bytes.push(10); break;
      case 'r': bytes.push(13); break;
      case 't': bytes.push(9); break;
      case 'v': bytes.push(11); break;
      case '\\': bytes.push(92); break;
      case '"': case '\'': bytes.push(e.charCodeAt(0)); break;
      case 'x': bytes.push(hexAt(body, i + 1, 2)); i += 2; break;
      case 'u': pushStr(String.fromCodePoint(hexAt(body, i + 1, 4))); i += 4; break;
      case 'U': pushStr(String.fromCodePoint(hexAt(body, i + 1, 8))); i += 8; break;
      default:
        if (e !== undefined && e >= '0' && e <= '7') {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
          bytes.push(parseInt(oct, 8) & 0xff);
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
    }
  }
  return decodeBytes(Uint8Array.from(bytes));
}

const utf8 = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true });

function decodeBytes(b: Uint8Array): string {
  try {
    return strict.decode(b);
  } catch {
    let out = '';
    let i = 0;
    while (i < b.length) {
      let done = false;
      for (let len = 1; len <= 4 && i + len <= b.length && !done; len++) {
        try {
          out += strict.decode(b.subarray(i, i + len));
          i += len;
          done = true;
        } catch { /* try a longer sequence */ }
      }
      if (!done) {
        out += String.fromCharCode(0xdc00 + b[i]!);
        i++;
      }
    }
    return out;
  }
}

function hexAt(s: string, at: number, n: number): number {
  const h = s.slice(at, at + n);
  if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) throw new Error('invalid syntax');
  return parseInt(h, 16);
}
