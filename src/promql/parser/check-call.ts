// Argument checks of a function call against its signature, with Prometheus's error texts (parser checkAST).

import type { Expr } from './ast.js';
import { documentedType } from './ast.js';
import { exprType } from './expr-type.js';
import type { FunctionSignature } from './functions.js';

/** A problem with a call's arguments; position -1 means "at the call itself". */
export interface CallProblem {
  readonly position: number;
  readonly message: string;
}

export function checkCallArgs(sig: FunctionSignature, args: readonly Expr[]): CallProblem | undefined {
  const name = sig.name;
  const nargs = sig.argTypes.length;
  if (sig.variadic === 0) {
    if (nargs !== args.length) return { position: -1, message: `expected ${nargs} argument(s) in call to "${name}", got ${args.length}` };
  } else {
    const na = nargs - 1;
    if (na > args.length) return { position: -1, message: `expected at least ${na} argument(s) in call to "${name}", got ${args.length}` };
    if (sig.variadic > 0 && na + sig.variadic < args.length) {
      return { position: -1, message: `expected at most ${na + sig.variadic} argument(s) in call to "${name}", got ${args.length}` };
    }
  }
  for (let i = 0; i < args.length; i++) {
    if (i >= nargs && sig.variadic === 0) break;
    const a = args[i]!;
    const want = sig.argTypes[Math.min(i, nargs - 1)]!;
    const got = exprType(a);
    if (got !== want) {
      return { position: a.pos.start, message: `expected type ${documentedType(want)} in call to function "${name}", got ${documentedType(got)}` };
    }
  }
  return undefined;
}
