// A parser for the part of Go's text/template that Prometheus alert templates use: text and actions with trim
// markers and comments, pipelines with variables (declare :=, assign =), fields, functions, parenthesised
// pipelines and literals; if / else if / else, range (with $k, $v :=), with, define / template, break, continue.
// Errors read as Go's: `template: NAME:LINE: message`.

export type Arg =
  | { readonly t: 'dot' }
  | { readonly t: 'field'; readonly base: Arg | undefined; readonly names: readonly string[] }
  | { readonly t: 'var'; readonly name: string }
  | { readonly t: 'func'; readonly name: string }
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'number'; readonly v: number; readonly int: boolean }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'nil' }
  | { readonly t: 'pipe'; readonly pipe: Pipeline };

export interface Command {
  readonly args: readonly Arg[];
  /** Source text of the command, for error messages (`at <humanize "x">`). */
  readonly text: string;
}

export interface Pipeline {
  readonly decl: readonly string[];
  readonly assign: boolean;
  readonly cmds: readonly Command[];
  readonly line: number;
  readonly col: number;
}

export type TNode =
  | { readonly t: 'text'; readonly text: string }
  | { readonly t: 'action'; readonly pipe: Pipeline }
  | { readonly t: 'if' | 'with' | 'range'; readonly pipe: Pipeline; readonly list: readonly TNode[]; readonly elseList: readonly TNode[] | undefined }
  | { readonly t: 'template'; readonly name: string; readonly pipe: Pipeline | undefined; readonly line: number }
  | { readonly t: 'break' | 'continue' };

export interface Template {
  readonly name: string;
  readonly root: readonly TNode[];
  /** {{define "x"}} blocks (and the root under its own name). */
  readonly defs: ReadonlyMap<string, readonly TNode[]>;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Names that parse as functions; the executor supplies the implementations (Go checks them at parse time). */
export const KNOWN_FUNCTIONS: ReadonlySet<string> = new Set([
  // text/template builtins
  'and', 'or', 'not', 'len', 'index', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'html', 'js',
  'urlquery', 'slice', 'call',
  // Prometheus's template functions
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper',
  'toLower', 'graphLink', 'tableLink', 'sortByLabel', 'humanize', 'humanize1024', 'humanizeDuration',
  'humanizePercentage', 'humanizeTimestamp', 'toTime', 'toDuration', 'pathPrefix', 'externalURL', 'parseDuration',
  'now', 'urlQueryEscape', 'stripPort', 'stripDomain',
]);

type Tok =
  | { k: 'text'; v: string }
  | { k: 'action'; v: string; line: number; col: number; off: number };

/** Splits the source into text and action bodies (trim markers applied, comments dropped). */
function scan(src: string, name: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  let line = 1;
  const countLines = (s: string): void => { for (const c of s) if (c === '\n') line++; };
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    countLines(text);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (open < 0) {
      if (text !== '') out.push({ k: 'text', v: text });
      break;
    }
    let j = open + 2;
    if (src.startsWith('- ', j) || src.startsWith('-\t', j) || src.startsWith('-\n', j) || src.startsWith('-\r', j)) {
      text = text.replace(/[ \t\r\n]+$/, '');
      j += 1;
    }
    if (text !== '') out.push({ k: 'text', v: text });
    // Find the end of the action, skipping quoted strings and comments.
    const body0 = j;
    const actionLine = line;
    let k = j;
    let close = -1;
    while (k < src.length) {
      const c = src[k]!;
      if (src.startsWith('/*', k)) {
        const e = src.indexOf('*/', k + 2);
        if (e < 0) throw new TemplateError(`template: ${name}:${actionLine}: unclosed comment`);
        k = e + 2;
        continue;
      }
      if (c === '"' || c === '\'') {
        k++;
        while (k < src.length && src[k] !== c) {
          if (src[k] === '\\') k++;
          if (src[k] === '\n') throw new TemplateError(`template: ${name}:${actionLine}: unterminated quoted string`);
          k++;
        }
        if (k >= src.length) throw new TemplateError(`template: ${name}:${actionLine}: unterminated quoted string`);
        k++;
        continue;
      }
      if (c === '`') {
        const e = src.indexOf('`', k + 1);
        if (e < 0) throw new TemplateError(`template: ${name}:${actionLine}: unterminated raw quoted string`);
        k = e + 1;
        continue;
      }
      if (src.startsWith('}}', k)) { close = k; break; }
      k++;
    }
    if (close < 0) throw new TemplateError(`template: ${name}:${actionLine}: unclosed action`);
    let body = src.slice(body0, close);
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    countLines(src.slice(open, close + 2));
    const trimmed = body.trim();
    if (!(trimmed.startsWith('/*') && trimmed.endsWith('*/'))) {
      out.push({ k: 'action', v: body, line: actionLine, col: body0 - (src.lastIndexOf('\n', open) + 1), off: body0 });
    }
    i = close + 2;
  }
  return out;
}

type Item =
  | { k: 'ident' | 'field' | 'var' | 'string' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'; v: string };

function lexAction(body: string, fail: (m: string) => never): Item[] {
  const items: Item[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '|') { items.push({ k: 'pipe', v: c }); i++; continue; }
    if (c === '(') { items.push({ k: 'lparen', v: c }); i++; continue; }
    if (c === ')') {
      items.push({ k: 'rparen', v: c });
      i++;
      // A field chain may follow a parenthesised pipeline: (...).Field
      continue;
    }
    if (c === ',') { items.push({ k: 'comma', v: c }); i++; continue; }
    if (body.startsWith(':=', i)) { items.push({ k: 'declare', v: ':=' }); i += 2; continue; }
    if (c === '=') { items.push({ k: 'assign', v: '=' }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < body.length && body[j] !== '"') { if (body[j] === '\\') j++; j++; }
      items.push({ k: 'string', v: unquote(body.slice(i, j + 1), fail) });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = body.indexOf('`', i + 1);
      items.push({ k: 'string', v: body.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === '\'') {
      let j = i + 1;
      while (j < body.length && body[j] !== '\'') { if (body[j] === '\\') j++; j++; }
      const s = unquote('"' + body.slice(i + 1, j) + '"', fail);
      items.push({ k: 'number', v: String(s.codePointAt(0) ?? 0) });
      i = j + 1;
      continue;
    }
    if (c === '$') {
      const m = /^\$[\p{L}\p{Nd}_]*/u.exec(body.slice(i))!;
      items.push({ k: 'var', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '.') {
      const m = /^\.[\p{L}_][\p{L}\p{Nd}_]*/u.exec(body.slice(i));
      if (m) { items.push({ k: 'field', v: m[0].slice(1) }); i += m[0].length; continue; }
      if (/^\.\d/.test(body.slice(i))) {
        const n = /^\.\d+(?:[eE][+-]?\d+)?/.exec(body.slice(i))!;
        items.push({ k: 'number', v: n[0] });
        i += n[0].length;
        continue;
      }
      items.push({ k: 'dot', v: '.' });
      i++;
      continue;
    }
    const num = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)/.exec(body.slice(i));
    if (num && (c !== '+' && c !== '-' || /\d/.test(body[i + 1] ?? ''))) {
      items.push({ k: 'number', v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[\p{L}_][\p{L}\p{Nd}_]*/u.exec(body.slice(i));
    if (id) {
      const w = id[0];
      if (w === 'true' || w === 'false') items.push({ k: 'bool', v: w });
      else if (w === 'nil') items.push({ k: 'nil', v: w });
      else items.push({ k: 'ident', v: w });
      i += w.length;
      continue;
    }
    fail(`unexpected ${JSON.stringify(c)} in command`);
  }
  return items;
}

function unquote(q: string, fail: (m: string) => never): string {
  try {
    // Go's escapes are a superset of JSON's for practical templates (\a \v \x.. are rare): translate the common ones.
    const js = q.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b').replace(/\\'/g, '\'');
    return JSON.parse(js) as string;
  } catch {
    return fail(`invalid syntax: ${q}`);
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);

/** Parses a template; throws TemplateError worded as Go's parser. */
export function parseTemplate(src: string, name: string): Template {
  const toks = scan(src, name);
  const defs = new Map<string, TNode[]>();
  let pos = 0;
  let rangeDepth = 0;

  const errAt = (line: number, m: string): never => { throw new TemplateError(`template: ${name}:${line}: ${m}`); };

  function parsePipeline(body: string, line: number, col: number, ctx: string): Pipeline {
    const fail = (m: string): never => errAt(line, m);
    const items = lexAction(body, fail);
    let p = 0;
    const decl: string[] = [];
    let assign = false;
    // Variable declarations: $x := / $x, $y := / $x =
    if (items[0]?.k === 'var') {
      if (items[1]?.k === 'declare' || items[1]?.k === 'assign') {
        decl.push(items[0].v);
        assign = items[1].k === 'assign';
        p = 2;
      } else if (items[1]?.k === 'comma' && items[2]?.k === 'var' && (items[3]?.k === 'declare' || items[3]?.k === 'assign')) {
        if (ctx !== 'range') fail('too many declarations in ' + ctx);
        decl.push(items[0].v, items[2].v);
        assign = items[3].k === 'assign';
        p = 4;
      }
    }
    const parseCmds = (closing: boolean): Command[] => {
      const cmds: Command[] = [];
      let args: Arg[] = [];
      const flush = (): void => {
        if (args.length === 0) fail(`missing value for ${ctx}`);
        cmds.push({ args, text: args.map(argText).join(' ') });
        args = [];
      };
      while (p < items.length) {
        const it = items[p]!;
        if (it.k === 'rparen') {
          if (!closing) fail('unexpected right paren');
          break;
        }
        p++;
        switch (it.k) {
          case 'pipe': flush(); break;
          case 'lparen': {
            const inner = parseCmds(true);
            if (items[p]?.k !== 'rparen') fail('unclosed left paren');
            p++;
            let a: Arg = { t: 'pipe', pipe: { decl: [], assign: false, cmds: inner, line, col } };
            const chain: string[] = [];
            while (items[p]?.k === 'field') chain.push(items[p++]!.v);
            if (chain.length > 0) a = { t: 'field', base: a, names: chain };
            args.push(a);
            break;
          }
          case 'ident':
            if (!KNOWN_FUNCTIONS.has(it.v)) fail(`function ${JSON.stringify(it.v)} not defined`);
            args.push({ t: 'func', name: it.v });
            break;
          case 'field': {
            const chain = [it.v];
            while (items[p]?.k === 'field') chain.push(items[p++]!.v);
            args.push({ t: 'field', base: undefined, names: chain });
            break;
          }
          case 'var': {
            const chain: string[] = [];
            while (items[p]?.k === 'field') chain.push(items[p++]!.v);
            const v: Arg = { t: 'var', name: it.v };
            args.push(chain.length > 0 ? { t: 'field', base: v, names: chain } : v);
            break;
          }
          case 'dot': args.push({ t: 'dot' }); break;
          case 'string': args.push({ t: 'string', v: it.v }); break;
          case 'bool': args.push({ t: 'bool', v: it.v === 'true' }); break;
          case 'nil': args.push({ t: 'nil' }); break;
          case 'number': {
            const s = it.v.replaceAll('_', '');
            const isInt = /^[+-]?(?:0[xXoObB][0-9a-fA-F]+|\d+)$/.test(s);
            let v: number;
            if (/^[+-]?0[oO]/.test(s)) v = parseInt(s.replace(/0[oO]/, ''), 8);
            else if (/^[+-]?0[bB]/.test(s)) v = parseInt(s.replace(/0[bB]/, ''), 2);
            else if (/^[+-]?0\d+$/.test(s)) v = parseInt(s, 8);
            else v = Number(s);
            if (Number.isNaN(v)) fail(`bad number syntax: "${it.v}"`);
            args.push({ t: 'number', v, int: isInt });
            break;
          }
          case 'declare': case 'assign': fail(`unexpected "${it.v}" in operand`); break;
          case 'comma': fail('unexpected "," in command'); break;
        }
      }
      if (args.length > 0 || cmds.length > 0) flush();
      return cmds;
    };
    const cmds = parseCmds(false);
    if (p < items.length) fail('unexpected right paren');
    if (cmds.length === 0) fail(`missing value for ${ctx}`);
    for (let i = 1; i < cmds.length; i++) {
      const first = cmds[i]!.args[0]!;
      if (first.t !== 'func' && first.t !== 'field' && !(first.t === 'pipe')) fail(`non executable command in pipeline stage ${i + 1}`);
    }
    return { decl, assign, cmds, line, col };
  }

  function keyword(body: string): { kw: string; rest: string } | undefined {
    const m = /^\s*([a-z]+)\b/.exec(body);
    if (!m || !KEYWORDS.has(m[1]!)) return undefined;
    return { kw: m[1]!, rest: body.slice(m[0].length) };
  }

  /** Parses nodes until {{end}} / {{else}} (returned as the stop reason) or EOF. */
  function parseList(inside: string | undefined): { nodes: TNode[]; stop: 'end' | 'else' | 'eof'; elseRest?: string; line: number } {
    const nodes: TNode[] = [];
    while (pos < toks.length) {
      const tok = toks[pos++]!;
      if (tok.k === 'text') { nodes.push({ t: 'text', text: tok.v }); continue; }
      const kw = keyword(tok.v);
      if (kw === undefined) {
        nodes.push({ t: 'action', pipe: parsePipeline(tok.v, tok.line, tok.col, 'command') });
        continue;
      }
      switch (kw.kw) {
        case 'end':
          if (inside === undefined) errAt(tok.line, 'unexpected {{end}}');
          if (kw.rest.trim() !== '') errAt(tok.line, `unexpected ${JSON.stringify(kw.rest.trim())} in end`);
          return { nodes, stop: 'end', line: tok.line };
        case 'else':
          if (inside === undefined || inside === 'define') errAt(tok.line, 'unexpected {{else}}');
          return { nodes, stop: 'else', elseRest: kw.rest, line: tok.line };
        case 'if': case 'with': case 'range':
          nodes.push(parseControl(kw.kw, kw.rest, tok.line, tok.col));
          break;
        case 'break': case 'continue':
          if (rangeDepth === 0) errAt(tok.line, `{{${kw.kw}}} outside {{range}}`);
          nodes.push({ t: kw.kw });
          break;
        case 'template': {
          const m = /^\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(.*)$/s.exec(kw.rest);
          if (!m) errAt(tok.line, 'unexpected "' + kw.rest.trim() + '" in template clause');
          const tname = m![1]!.startsWith('`') ? m![1]!.slice(1, -1) : JSON.parse(m![1]!) as string;
          const rest = m![2]!.trim();
          nodes.push({ t: 'template', name: tname, pipe: rest === '' ? undefined : parsePipeline(rest, tok.line, tok.col, 'template clause'), line: tok.line });
          break;
        }
        case 'define': case 'block': {
          const m = /^\s*("(?:[^"\\]|\\.)*"|`[^`]*`)\s*(.*)$/s.exec(kw.rest);
          if (!m) errAt(tok.line, `unexpected "${kw.rest.trim()}" in ${kw.kw} clause`);
          const dname = m![1]!.startsWith('`') ? m![1]!.slice(1, -1) : JSON.parse(m![1]!) as string;
          const body = parseList('define');
          if (body.stop !== 'end') errAt(tok.line, 'unexpected EOF');
          defs.set(dname, body.nodes);
          if (kw.kw === 'block') {
            const rest = m![2]!.trim();
            nodes.push({ t: 'template', name: dname, pipe: rest === '' ? undefined : parsePipeline(rest, tok.line, tok.col, 'block clause'), line: tok.line });
          }
          break;
        }
      }
    }
    if (inside !== undefined) errAt(toks.length > 0 ? lastLine() : 1, 'unexpected EOF');
    return { nodes, stop: 'eof', line: 0 };
  }

  function lastLine(): number {
    let n = 1;
    for (const c of src) if (c === '\n') n++;
    return n;
  }

  function parseControl(kind: 'if' | 'with' | 'range', rest: string, line: number, col: number): TNode {
    const pipe = parsePipeline(rest, line, col, kind);
    if (kind === 'range') rangeDepth++;
    const body = parseList(kind);
    if (kind === 'range') rangeDepth--;
    let elseList: TNode[] | undefined;
    if (body.stop === 'else') {
      const er = (body.elseRest ?? '').trim();
      const chained = /^(if|with)\b/.exec(er);
      if (chained && chained[1] === kind) {
        // {{else if x}} … is {{else}}{{if x}} … {{end}}{{end}} sharing the outer {{end}}.
        elseList = [parseControl(kind, er.slice(kind.length), body.line, col)];
        return { t: kind, pipe, list: body.nodes, elseList };
      }
      if (er !== '') errAt(body.line, `unexpected ${JSON.stringify(er)} in else`);
      const e = parseList(kind);
      if (e.stop !== 'end') errAt(e.line, 'expected end; found {{else}}');
      elseList = e.nodes;
    }
    return { t: kind, pipe, list: body.nodes, elseList };
  }

  const root = parseList(undefined);
  defs.set(name, root.nodes);
  return { name, root: root.nodes, defs };
}

function argText(a: Arg): string {
  switch (a.t) {
    case 'dot': return '.';
    case 'field': return (a.base ? argText(a.base) : '') + a.names.map((n) => '.' + n).join('');
    case 'var': return a.name;
    case 'func': return a.name;
    case 'string': return JSON.stringify(a.v);
    case 'number': return String(a.v);
    case 'bool': return String(a.v);
    case 'nil': return 'nil';
    case 'pipe': return '(' + a.pipe.cmds.map((c) => c.text).join(' | ') + ')';
  }
}
