// Turns a syntax error found by the lezer grammar into the message Prometheus's own lexer/parser gives for it. A
// small lexer modelled on Prometheus's lex.go runs first (lexer errors win, as they do in Prometheus); otherwise the
// token at the lezer error position is described as yacc does (`unexpected <op:*>`, `unexpected identifier "x" in
// label matching, expected string`, …), with the context worked out from the preceding tokens.

import { FUNCTIONS } from './functions.js';

export interface SyntaxErrorDescription {
  readonly position: number;
  readonly message: string;
}

type Kind = 'ident' | 'keyword' | 'aggr' | 'op' | 'number' | 'duration' | 'string' | 'punct' | 'eof';

interface Token {
  readonly kind: Kind;
  readonly text: string;
  readonly pos: number;
}

const AGGREGATORS = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk',
  'count_values', 'quantile', 'limitk', 'limit_ratio']);
const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool']);
const WORD_OPS = new Set(['and', 'or', 'unless', 'atan2']);
const GROUPING_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

class LexError extends Error {
  constructor(readonly position: number, message: string) {
    super(message);
  }
}

/** Go's %q of one rune. */
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

function lex(q: string): Token[] {
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
    if (isAlpha(c) || c === ':') {
      const j0 = i;
      while (isAlnum(q[i]) || q[i] === ':') i++;
      const w = q.slice(j0, i);
      const lw = w.toLowerCase();
      const kind: Kind = lw === 'inf' || lw === 'nan' ? 'number' : AGGREGATORS.has(lw) ? 'aggr' : KEYWORDS.has(lw) ? 'keyword' : WORD_OPS.has(lw) ? 'op' : 'ident';
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
    if (c === ',' || (c === ':' && bracket)) { out.push({ kind: 'punct', text: c, pos: i }); i++; continue; }
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
      const op = q[i + 1] === '=' ? `${c}=` : c;
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

/** Prometheus's Item.desc(). */
function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    case 'ident': return `identifier ${JSON.stringify(t.text)}`;
    case 'keyword': return `<${t.text.toLowerCase()}>`;
    case 'aggr': return `<aggr:${t.text.toLowerCase()}>`;
    case 'op': return `<op:${t.text.toLowerCase()}>`;
    case 'number': return `number ${JSON.stringify(t.text)}`;
    case 'duration': return `duration ${JSON.stringify(t.text)}`;
    case 'string': return `string ${t.text.length > 10 ? `${JSON.stringify(t.text).slice(0, 11)}...` : JSON.stringify(t.text)}`;
    case 'punct': return JSON.stringify(t.text);
  }
}

/** The "in <context>, expected <what>" suffix yacc's error rules add, from the tokens before the bad one. */
function context(tokens: Token[], idx: number): string {
  const prev = tokens[idx - 1];
  const tok = tokens[idx]!;
  // Inside a label matcher list?
  let depth = 0;
  for (let k = idx - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.text === '}' && t.kind === 'punct') depth++;
    if (t.text === '{' && t.kind === 'punct') {
      if (depth === 0) {
        if (!prev) break;
        if (prev.text === '{' || prev.text === ',') return ' in label matching, expected identifier or "}"';
        if (prev.kind === 'op' && ['=', '!=', '=~', '!~'].includes(prev.text)) return ' in label matching, expected string';
        if (prev.kind === 'punct' && prev.text === '=') return ' in label matching, expected string';
        if (prev.kind === 'string' && ['=', '!=', '=~', '!~'].includes(tokens[idx - 2]?.text ?? '')) return ' in label matching, expected "," or "}"';
        return ' in label matching, expected label matching operator';
      }
      depth--;
    }
  }
  if (prev?.kind === 'keyword' && GROUPING_KEYWORDS.has(prev.text.toLowerCase()) && tok.text !== '(') {
    return ' in grouping opts, expected "("';
  }
  if ((prev?.text === '(' || prev?.text === ',') && prev.kind === 'punct') {
    // Is this a grouping list?
    let k = idx - 1;
    while (k >= 0 && tokens[k]!.text !== '(') k--;
    const before = tokens[k - 1];
    if (before?.kind === 'keyword' && GROUPING_KEYWORDS.has(before.text.toLowerCase())) return ' in grouping opts, expected label';
  }
  if (tok.kind === 'eof' && prev?.kind === 'keyword' && prev.text.toLowerCase() === 'offset') {
    return ' in offset, expected number, duration, step(), or range()';
  }
  if (tok.kind === 'eof' && prev?.kind === 'op' && prev.text === '@') return ' in @, expected timestamp';
  return '';
}

/** The lexer error Prometheus would report for `query`, if any. */
export function lexerError(query: string): SyntaxErrorDescription | undefined {
  try {
    lex(query);
    return undefined;
  } catch (e) {
    if (e instanceof LexError) return { position: e.position, message: e.message };
    throw e;
  }
}

export function describeSyntaxError(query: string, lezerPos: number): SyntaxErrorDescription {
  let tokens: Token[];
  try {
    tokens = lex(query);
  } catch (e) {
    if (e instanceof LexError) return { position: e.position, message: e.message };
    throw e;
  }
  if (tokens.length === 1) return { position: 0, message: 'no expression found in input' };
  let idx = tokens.findIndex((t) => t.pos >= lezerPos || (t.kind !== 'eof' && t.pos + t.text.length > lezerPos));
  if (idx < 0) idx = tokens.length - 1;
  const tok = tokens[idx]!;
  const prev = tokens[idx - 1];
  // `foo(…)` where foo is no function: Prometheus reports the unknown name.
  const fnIdx = tok.text === '(' ? idx - 1 : prev?.text === '(' ? idx - 2 : -1;
  const fn = tokens[fnIdx];
  if (fn?.kind === 'ident' && tokens[fnIdx + 1]?.text === '(' && !FUNCTIONS.has(fn.text)) {
    return { position: fn.pos, message: `unknown function with name ${JSON.stringify(fn.text)}` };
  }
  return { position: tok.pos, message: `unexpected ${describe(tok)}${context(tokens, idx)}` };
}
