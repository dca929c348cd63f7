// Executes a parsed template (Go text/template semantics with missingkey=zero): variables scoped to their
// control structure, Go truthiness, pipelines passing the previous value as the last argument, and the builtin
// and Prometheus functions (functions.ts). Asynchronous because `query` asks the querier.

import { GoInt, goTypeName, isSample, sprintValue, type GoValue } from './go-fmt.js';
import type { Arg, Command, Pipeline, TNode, Template } from './parse.js';
import { callFunction, type FuncEnv } from './functions.js';

export class ExecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecError';
  }
}

class BreakSignal { constructor(readonly kind: 'break' | 'continue') {} }

const MAX_DEPTH = 100_000;

interface Var { readonly name: string; value: GoValue }

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: GoValue): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof GoInt) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

export async function executeTemplate(t: Template, data: GoValue, env: FuncEnv): Promise<string> {
  const out: string[] = [];
  const vars: Var[] = [{ name: '$', value: data }];
  let steps = 0;
  const name = t.name;

  const fail = (p: { line: number; col: number } | undefined, at: string, msg: string): never => {
    const where = p ? `${name}:${p.line}:${p.col}` : name;
    throw new ExecError(`template: ${where}: executing "${name}" at <${at}>: ${msg}`);
  };

  const lookupVar = (n: string, p: Pipeline): GoValue => {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i]!.name === n) return vars[i]!.value;
    return fail(p, n, `undefined variable: ${n}`);
  };

  const field = (recv: GoValue, names: readonly string[], p: Pipeline, text: string): GoValue => {
    let v = recv;
    for (const n of names) {
      if (v instanceof Map) {
        v = v.has(n) ? (v.get(n) as GoValue) : (isStringMap(v) ? '' : undefined);
      } else if (isSample(v)) {
        if (n === 'Labels') v = v.Labels;
        else if (n === 'Value') v = v.Value;
        else return fail(p, text, `can't evaluate field ${n} in type *template.sample`);
      } else if (v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) && !(v instanceof GoInt) && Object.prototype.hasOwnProperty.call(v, n)) {
        v = (v as Record<string, GoValue>)[n];
      } else if (v === null || v === undefined) {
        return fail(p, text, `nil pointer evaluating interface {}.${n}`);
      } else {
        return fail(p, text, `can't evaluate field ${n} in type ${goTypeName(v)}`);
      }
    }
    return v;
  };

  const evalArg = async (a: Arg, dot: GoValue, p: Pipeline): Promise<GoValue> => {
    switch (a.t) {
      case 'dot': return dot;
      case 'var': return lookupVar(a.name, p);
      case 'string': return a.v;
      case 'number': return a.int ? new GoInt(a.v) : a.v;
      case 'bool': return a.v;
      case 'nil': return fail(p, 'nil', 'nil is not a command');
      case 'pipe': return evalPipeline(a.pipe, dot, false);
      case 'func': return callCmd({ args: [a], text: a.name }, dot, p, undefined);
      case 'field': {
        const base = a.base === undefined ? dot : await evalArg(a.base, dot, p);
        return field(base, a.names, p, (a.base && a.base.t === 'var' ? a.base.name : '') + a.names.map((n) => '.' + n).join(''));
      }
    }
  };

  const callCmd = async (cmd: Command, dot: GoValue, p: Pipeline, final: GoValue | typeof NONE): Promise<GoValue> => {
    const first = cmd.args[0]!;
    if (first.t === 'func') {
      const args: GoValue[] = [];
      // and/or stop at the first argument that decides (Go 1.18+).
      if (first.name === 'and' || first.name === 'or') {
        const rest = cmd.args.slice(1);
        const all = final === NONE ? rest.length : rest.length + 1;
        if (all === 0) return fail(p, cmd.text, `wrong number of args for ${first.name}: want at least 1 got 0`);
        let v: GoValue = undefined;
        for (let i = 0; i < all; i++) {
          v = i < rest.length ? await evalArg(rest[i]!, dot, p) : (final as GoValue);
          if (first.name === 'and' ? !truth(v) : truth(v)) return v;
        }
        return v;
      }
      for (const a of cmd.args.slice(1)) args.push(await evalArg(a, dot, p));
      if (final !== NONE) args.push(final as GoValue);
      try {
        return await callFunction(first.name, args, env);
      } catch (err) {
        return fail(p, cmd.text, `error calling ${first.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    if (cmd.args.length > 1 || final !== NONE) {
      if (first.t === 'field') return fail(p, cmd.text, `can't give argument to non-function ${cmd.text.split(' ')[0]!}`);
      return fail(p, cmd.text, `can't give argument to non-function ${cmd.text.split(' ')[0]!}`);
    }
    return evalArg(first, dot, p);
  };

  const evalPipeline = async (p: Pipeline, dot: GoValue, declare: boolean): Promise<GoValue> => {
    let v: GoValue | typeof NONE = NONE;
    for (const c of p.cmds) v = await callCmd(c, dot, p, v);
    const value = v === NONE ? undefined : v;
    if (declare && p.decl.length > 0) {
      if (p.assign) {
        const target = p.decl[0]!;
        const slot = [...vars].reverse().find((x) => x.name === target);
        if (!slot) return fail(p, target, `undefined variable: ${target}`);
        slot.value = value;
      } else {
        vars.push({ name: p.decl[0]!, value });
      }
    }
    return value;
  };

  const walk = async (nodes: readonly TNode[], dot: GoValue): Promise<void> => {
    for (const n of nodes) {
      if (++steps > MAX_DEPTH * 100) throw new ExecError(`template: ${name}: exceeded the maximum number of steps`);
      switch (n.t) {
        case 'text': out.push(n.text); break;
        case 'action': {
          const v = await evalPipeline(n.pipe, dot, true);
          if (n.pipe.decl.length === 0) out.push(printable(v));
          break;
        }
        case 'if': case 'with': {
          const mark = vars.length;
          const v = await evalPipeline(n.pipe, dot, true);
          if (truth(v)) await walk(n.list, n.t === 'with' ? v : dot);
          else if (n.elseList) await walk(n.elseList, dot);
          vars.length = mark;
          break;
        }
        case 'range': {
          const mark = vars.length;
          const v = await evalPipeline(n.pipe, dot, false);
          const entries = rangeEntries(v, n.pipe);
          if (entries.length === 0) {
            if (n.elseList) await walk(n.elseList, dot);
          } else {
            for (const [k, val] of entries) {
              const inner = vars.length;
              if (n.pipe.decl.length === 1) vars.push({ name: n.pipe.decl[0]!, value: val });
              else if (n.pipe.decl.length === 2) vars.push({ name: n.pipe.decl[0]!, value: k }, { name: n.pipe.decl[1]!, value: val });
              try {
                await walk(n.list, val);
              } catch (sig) {
                if (!(sig instanceof BreakSignal)) throw sig;
                vars.length = inner;
                if (sig.kind === 'break') break;
              }
              vars.length = inner;
            }
          }
          vars.length = mark;
          break;
        }
        case 'break': case 'continue': throw new BreakSignal(n.t);
        case 'template': {
          const body = t.defs.get(n.name);
          if (!body) throw new ExecError(`template: ${name}:${n.line}: no such template "${n.name}"`);
          const arg = n.pipe ? await evalPipeline(n.pipe, dot, false) : undefined;
          const saved = vars.splice(0, vars.length, { name: '$', value: arg });
          await walk(body, arg);
          vars.splice(0, vars.length, ...saved);
          break;
        }
      }
    }
  };

  const rangeEntries = (v: GoValue, p: Pipeline): [GoValue, GoValue][] => {
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return (v as readonly GoValue[]).map((x, i): [GoValue, GoValue] => [new GoInt(i), x]);
    if (v instanceof Map) { const m = v as ReadonlyMap<string, GoValue>; return [...m.keys()].sort().map((k): [GoValue, GoValue] => [k, m.get(k)]); }
    if (v instanceof GoInt) return Array.from({ length: Math.max(0, v.v) }, (_, i) => [new GoInt(i), new GoInt(i)]);
    return fail(p, 'range', `range can't iterate over ${sprintValue(v)}`);
  };

  const printable = (v: GoValue): string => {
    if (v === undefined) return '<no value>';
    return sprintValue(v);
  };

  await walk(t.root, data);
  return out.join('');
}

const NONE: unique symbol = Symbol('none');

function isStringMap(m: ReadonlyMap<string, unknown>): boolean {
  for (const v of m.values()) return typeof v === 'string';
  return true;
}
