// Parses a series selector (`metric{a="b", c=~"d"}` or `{...}`) into label matchers, for tools that take
// --match without depending on the PromQL layer. Strings use Go quoting ("…", '…' or `…`).

import { ParseError } from '../../runtime/errors.js';
import { Matcher } from '../labels/matcher.js';
import type { MatchType } from '../labels/matcher.js';

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL = /[a-zA-Z_][a-zA-Z0-9_]*/y;

export function parseSelector(input: string): Matcher[] {
  let i = 0;
  const fail = (why: string): never => { throw new ParseError(`1:${i + 1}: parse error: ${why}`, { position: i }); };
  const ws = (): void => { while (i < input.length && /\s/.test(input[i]!)) i++; };
  const matchers: Matcher[] = [];
  ws();
  NAME.lastIndex = i;
  const nm = NAME.exec(input);
  if (nm) { matchers.push(new Matcher('=', '__name__', nm[0])); i += nm[0].length; ws(); }
  if (input[i] === '{') {
    i++;
    ws();
    while (input[i] !== '}') {
      LABEL.lastIndex = i;
      const ln = LABEL.exec(input);
      if (!ln) fail(`unexpected character inside braces: ${JSON.stringify(input[i] ?? 'end of input')}`);
      i += ln![0].length;
      ws();
      const op = ['=~', '!~', '!=', '='].find((o) => input.startsWith(o, i));
      if (!op) fail('expected a label matching operator');
      i += op!.length;
      ws();
      const value = readString();
      matchers.push(new Matcher(op as MatchType, ln![0], value));
      ws();
      if (input[i] === ',') { i++; ws(); continue; }
      if (input[i] !== '}') fail('expected "," or "}"');
    }
    i++;
    ws();
  }
  if (i !== input.length) fail(`unexpected ${JSON.stringify(input.slice(i))}`);
  if (matchers.length === 0) fail('vector selector must contain at least one matcher');
  return matchers;

  function readString(): string {
    const q = input[i];
    if (q !== '"' && q !== "'" && q !== '`') return fail('expected a quoted string');
    i++;
    let out = '';
    while (i < input.length && input[i] !== q) {
      const c = input[i]!;
      if (c === '\\' && q !== '`') {
        const n = input[i + 1];
        i += 2;
        switch (n) {
          case 'n': out += '\n'; break;
          case 't': out += '\t'; break;
          case 'r': out += '\r'; break;
          case 'a': out += '\x07'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'v': out += '\v'; break;
          case '\\': case '"': case "'": out += n; break;
          case 'x': out += String.fromCharCode(parseInt(input.slice(i, i + 2), 16)); i += 2; break;
          case 'u': out += String.fromCodePoint(parseInt(input.slice(i, i + 4), 16)); i += 4; break;
          case 'U': out += String.fromCodePoint(parseInt(input.slice(i, i + 8), 16)); i += 8; break;
          default: fail(`unknown escape sequence \\${n ?? ''}`);
        }
        continue;
      }
      out += c;
      i++;
    }
    if (input[i] !== q) fail('unterminated quoted string');
    i++;
    return out;
  }
}
