// Turns a syntax error (the offset of the first token the grammar cannot take) into the message Prometheus's own
// lexer/parser gives for it. Lexer errors win, as they do in Prometheus; otherwise the token at the error
// position is described as yacc does (`unexpected <op:*>`, `unexpected identifier "x" in
// label matching, expected string`, …), with the context worked out from the preceding tokens.

import { lex, LexError, type Token } from './lex.js';
import { FUNCTIONS } from './functions.js';

export interface SyntaxErrorDescription {
  readonly position: number;
  readonly message: string;
}

const GROUPING_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

/** Prometheus's Item.desc(). */
function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of input';
    // lex.go calls a name with a colon a METRIC_IDENTIFIER.
    case 'ident': return `${t.text.includes(':') ? 'metric identifier' : 'identifier'} ${JSON.stringify(t.text)}`;
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

export function describeSyntaxError(query: string, errorPos: number): SyntaxErrorDescription {
  let tokens: Token[];
  try {
    tokens = lex(query);
  } catch (e) {
    if (e instanceof LexError) return { position: e.position, message: e.message };
    throw e;
  }
  if (tokens.length === 1) return { position: 0, message: 'no expression found in input' };
  let idx = tokens.findIndex((t) => t.pos >= errorPos || (t.kind !== 'eof' && t.pos + t.text.length > errorPos));
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
