// The error type of PromQL parsing and type checking, printed as Prometheus's ParseErr: `line:col: parse error: …`.

import { ParseError } from '../../runtime/errors.js';

/** A PromQL parse or type error, printed as Prometheus prints it: `1:14: parse error: …`. */
export class PromQLParseError extends ParseError {
  readonly detail: string;
  constructor(query: string, position: number, detail: string) {
    super(`${lineCol(query, position)}: parse error: ${detail}`, { position });
    this.detail = detail;
  }
}

function lineCol(query: string, pos: number): string {
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < pos && i < query.length; i++) {
    if (query[i] === '\n') {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${pos - lastBreak}`;
}
