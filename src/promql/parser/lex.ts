// The PromQL lexer, modelled on Prometheus's lex.go: tokens with their kind and offset, and the lexer's own error
// texts (which win over grammar errors, as they do in Prometheus). The parser and the syntax-error texts share it.

export type TokenKind = 'ident' | 'keyword' | 'aggr' | 'op' | 'number' | 'duration' | 'string' | 'punct' | 'eof';

export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly pos: number;
}

export const AGGREGATORS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk',
  'count_values', 'quantile', 'limitk', 'limit_ratio']);
export const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool']);
export const WORD_OPS = new Set(['and', 'or', 'unless', 'atan2']);

export class LexError extends Error {
  constructor(readonly position: number, message: string) {
    super(message);
  }
}

/** Go's %q of a rune: printable runes as they are, the rest escaped (`'\\x00'`, `'\\n'`, `'\\u00a0'`). */
function quoteRune(c: string): string {
  if (c === '\'') return '\'\\\'\'';
  if (c === '\\') return '\'\\\\\'';
  const named: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };
  if (named[c] !== undefined) return `'${named[c]}'`;
  const cp = c.codePointAt(0) ?? 0;
  if (c !== ' ' && /^[\p{C}\p{Z}]/u.test(c)) {
    if (cp < 0x80) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
    if (cp < 0x10000) return `'\\u${cp.toString(16).padStart(4, '0')}'`;
    return `'\\U${cp.toString(16).padStart(8, '0')}'`;
  }
  return `'${c}'`;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isAlpha = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isAlnum = (c: string | undefined): boolean => isAlpha(c) || isDigit(c);

/** Splits a query into tokens as lex.go does; throws LexError with its texts. */
export function lex(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let parens = 0;
  let bracket = false;
  const n = q.length;
  const number = (start: number): void => {
    let j = start;
    const hex = q[j] === '0' && (q[j + 1] === 'x' || q[j + 1] === 'X');
    if (hex) j += 2;
    const digit = hex ? (c: string | undefined): boolean => c !== undefined && /[0-9a-fA-F_]/.test(c) : (c: string | undefined): boolean => c !== undefined && /[0-9_]/.test(c);
    while (digit(q[j])) j++;
    if (q[j] === '.') { j++; while (digit(q[j])) j++; }
    if (!hex && (q[j] === 'e' || q[j] === 'E') && (isDigit(q[j + 1]) || ((q[j + 1] === '+' || q[j + 1] === '-') && isDigit(q[j + 2])))) {
      j += 2;
      while (digit(q[j])) j++;
    }
    if (!isAlnum(q[j]) && q[j] !== '.') {
      out.push({ kind: 'number', text: q.slice(start, j), pos: start });
      i = j;
      return;
    }
    if (q[j] === '.') throw new LexError(start, `bad number or duration syntax: "${q.slice(start, j + 1)}"`);
    // A duration: units, optionally more number+unit pairs, then a non-alphanumeric.
    if (!/[smhdwy]/.test(q[j] ?? '')) throw new LexError(start, `bad number or duration syntax: "${q.slice(start, j + 1)}"`);
    j++;
    if (q[j] === 's') j++;
    while (isDigit(q[j])) {
      while (isDigit(q[j])) j++;
      if (!/[smhdw]/.test(q[j] ?? '')) throw new LexError(start, `bad number or duration syntax: "${q.slice(start, j)}"`);
      j++;
      if (q[j] === 's') j++;
    }
    if (isAlnum(q[j])) throw new LexError(start, `bad number or duration syntax: "${q.slice(start, j + 1)}"`);
    out.push({ kind: 'duration', text: q.slice(start, j), pos: start });
    i = j;
  };
  const string = (start: number): void => {
    const quote = q[start]!;
    let j = start + 1;
    for (;;) {
      const c = q[j];
      if (c === undefined || (c === '\n' && quote !== '`')) {
        throw new LexError(start, quote === '`' ? 'unterminated raw string' : 'unterminated quoted string');
      }
      if (c === '\\' && quote !== '`') {
        const e = q[j + 1];
        if (e === undefined) throw new LexError(start, 'escape sequence not terminated');
        if (!/[abfnrtv\\'"xuU0-7]/.test(e)) throw new LexError(start, `unknown escape sequence U+${e.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(e)}`);
        j += 2;
        continue;
      }
      if (c === quote) break;
      j++;
    }
    out.push({ kind: 'string', text: q.slice(start, j + 1), pos: start });
    i = j + 1;
  };
  const insideBraces = (): void => {
    for (;;) {
      while (i < n && /\s/.test(q[i]!)) i++;
      const c = q[i];
      if (c === undefined) throw new LexError(n, 'unexpected end of input inside braces');
      if (isAlpha(c)) {
        const j0 = i;
        while (isAlnum(q[i])) i++;
        out.push({ kind: 'ident', text: q.slice(j0, i), pos: j0 });
      } else if (c === '"' || c === '\'' || c === '`') string(i);
      else if (c === ',') { out.push({ kind: 'punct', text: ',', pos: i }); i++; }
      else if (c === '}') { out.push({ kind: 'punct', text: '}', pos: i }); i++; return; }
      else if (c === '=') {
        const t = q[i + 1] === '~' ? '=~' : '=';
        out.push({ kind: t === '=' ? 'punct' : 'op', text: t, pos: i });
        i += t.length;
      } else if (c === '!') {
        const t = q[i + 1];
        if (t !== '=' && t !== '~') throw new LexError(i, `unexpected character after '!' inside braces: ${quoteRune(t ?? '')}`);
        out.push({ kind: 'op', text: `!${t}`, pos: i });
        i += 2;
      } else throw new LexError(i, `unexpected character inside braces: ${quoteRune(c)}`);
    }
  };
  while (i < n) {
    const c = q[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '#') { while (i < n && q[i] !== '\n') i++; continue; }
    if (isDigit(c) || (c === '.' && isDigit(q[i + 1]))) { number(i); continue; }
    if (c === '"' || c === '\'' || c === '`') { string(i); continue; }
    // Inside `[…]` a colon separates a subquery's range and step; elsewhere it may start a metric name.
    if (c === ':' && bracket) { out.push({ kind: 'punct', text: c, pos: i }); i++; continue; }
    if (isAlpha(c) || c === ':') {
      const j0 = i;
      while (isAlnum(q[i]) || q[i] === ':') i++;
      const w = q.slice(j0, i);
      const lw = w.toLowerCase();
      const kind: TokenKind = lw === 'inf' || lw === 'nan' ? 'number' : AGGREGATORS.has(lw) ? 'aggr' : KEYWORDS.has(lw) ? 'keyword' : WORD_OPS.has(lw) ? 'op' : 'ident';
      out.push({ kind, text: w, pos: j0 });
      continue;
    }
    if (c === '{') { out.push({ kind: 'punct', text: '{', pos: i }); i++; insideBraces(); continue; }
    if (c === '(') { parens++; out.push({ kind: 'punct', text: '(', pos: i }); i++; continue; }
    if (c === ')') {
      out.push({ kind: 'punct', text: ')', pos: i });
      i++;
      if (--parens < 0) throw new LexError(i, 'unexpected right parenthesis \')\'');
      continue;
    }
    if (c === '[') {
      if (bracket) throw new LexError(i, 'unexpected left bracket \'[\'');
      bracket = true;
      out.push({ kind: 'punct', text: '[', pos: i });
      i++;
      continue;
    }
    if (c === ']') {
      if (!bracket) throw new LexError(i, 'unexpected right bracket \']\'');
      bracket = false;
      out.push({ kind: 'punct', text: ']', pos: i });
      i++;
      continue;
    }
    if (c === ',') { out.push({ kind: 'punct', text: c, pos: i }); i++; continue; }
    if (c === '=') {
      const t = q[i + 1];
      if (t === '~') throw new LexError(i, `unexpected character after '=': ${quoteRune(t)}`);
      const op = t === '=' ? '==' : '=';
      out.push({ kind: op === '==' ? 'op' : 'punct', text: op, pos: i });
      i += op.length;
      continue;
    }
    if (c === '!') {
      const t = q[i + 1];
      if (t !== '=') throw new LexError(i, `unexpected character after '!': ${quoteRune(t ?? '')}`);
      out.push({ kind: 'op', text: '!=', pos: i });
      i += 2;
      continue;
    }
    if (c === '<' || c === '>') {
      // `</` and `>/` are the native-histogram trim operators of Prometheus 3.
      const op = q[i + 1] === '=' || q[i + 1] === '/' ? `${c}${q[i + 1]}` : c;
      out.push({ kind: 'op', text: op, pos: i });
      i += op.length;
      continue;
    }
    if ('+-*/%^@'.includes(c)) { out.push({ kind: 'op', text: c, pos: i }); i++; continue; }
    throw new LexError(i, `unexpected character: ${quoteRune(c)}`);
  }
  if (bracket) throw new LexError(n, out[out.length - 1]?.text === '[' ? 'unexpected end of input in duration expression' : 'unclosed left bracket');
  if (parens > 0) throw new LexError(n, 'unclosed left parenthesis');
  out.push({ kind: 'eof', text: '', pos: n });
  return out;
}

