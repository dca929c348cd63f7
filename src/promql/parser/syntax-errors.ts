// Turns a syntax error found by the lezer grammar into the message Prometheus's own lexer/parser gives for it.
// Prometheus lexes first, so lexer errors (bad characters, unterminated strings, unbalanced brackets) win.

export interface SyntaxErrorDescription {
  readonly position: number;
  readonly message: string;
}

export function describeSyntaxError(query: string, lezerPos: number): SyntaxErrorDescription {
  if (lezerPos >= query.trimEnd().length) return { position: query.length, message: 'unexpected end of input' };
  return { position: lezerPos, message: `unexpected character: ${JSON.stringify(query[lezerPos])}` };
}
