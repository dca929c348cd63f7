// The one place YAML from outside is parsed (every parse is depth-checked first), and reading fields of parsed
// config documents strictly: mappings, known keys, typed values, every error naming the field's path
// (`file.section.key`), as upstream's UnmarshalStrict reports them.
import { CST, Lexer, parse, parseDocument, type DocumentOptions, type ParseOptions, type SchemaOptions, type ToJSOptions } from 'yaml';
import { ConfigError, ParseError, errorMessage } from './errors.js';

/**
 * Deepest nesting of collections accepted in a YAML text. The yaml package composes recursively: a few hundred
 * levels take it a tenth of a second and more, a few thousand overflow the stack (fuzzing found 4 KB inputs taking
 * over a second). No config of ours nests past a dozen levels.
 */
export const MAX_YAML_DEPTH = 100;

// The lexer's synthetic markers (they take no place in the source): document mode, flow error end, scalar follows.
const DOC_MODE = '\x02';
const FLOW_ERROR_END = '\x18';
const SCALAR_FOLLOWS = '\x1f';

/**
 * Refuses a text whose collections nest deeper than `max`, before the recursive parser sees it. One linear pass of
 * yaml's own lexer (iterative): flow brackets count one level each; in block context each node start (`-`, `?`, a key
 * or value) opens a level at its column, closed by any later node starting at or left of that column.
 */
export function checkYamlDepth(text: string, max = MAX_YAML_DEPTH): void {
  let flow = 0;
  const block: number[] = [];
  let line = 1;
  let col = 0;
  let scalarNext = false;
  const tooDeep = (): never => {
    throw new ParseError(`YAML nested deeper than ${max} levels (line ${line}, column ${col + 1})`);
  };
  for (const tok of new Lexer().lex(text)) {
    if (tok === DOC_MODE || tok === FLOW_ERROR_END) continue;
    if (tok === SCALAR_FOLLOWS) {
      scalarNext = true;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(tok);
    scalarNext = false;
    switch (type) {
      case 'doc-start':
        flow = 0;
        block.length = 0;
        break;
      case 'flow-map-start':
      case 'flow-seq-start':
        if (++flow + block.length > max) tooDeep();
        break;
      case 'flow-map-end':
      case 'flow-seq-end':
        if (flow > 0) flow--;
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar-header':
      case 'alias':
        if (flow === 0) {
          while (block.length > 0 && block[block.length - 1]! >= col) block.pop();
          block.push(col);
          if (block.length > max) tooDeep();
        }
        break;
      default:
        break;
    }
    const nl = tok.lastIndexOf('\n');
    if (nl < 0) {
      col += tok.length;
    } else {
      for (let i = 0; i <= nl; i++) if (tok.charCodeAt(i) === 10) line++;
      col = tok.length - nl - 1;
    }
  }
}

/** yaml's parse() after the depth check: what every reader of outside YAML calls. Throws as parse() does. */
export function parseYaml(text: string, options?: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions): unknown {
  checkYamlDepth(text);
  return parse(text, options);
}

/** yaml's parseDocument() after the depth check (a too deep text throws ParseError; other errors are in .errors). */
export function parseYamlDocument(text: string, options?: ParseOptions & DocumentOptions & SchemaOptions): ReturnType<typeof parseDocument> {
  checkYamlDepth(text);
  return parseDocument(text, options);
}

export type YamlMap = Record<string, unknown>;

/** Parses a config text whose top level must be a mapping (empty text reads as an empty one). */
export function parseYamlMap(text: string, source: string): YamlMap {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${errorMessage(err)}`, { where: source });
  }
  return yamlMap(doc, source);
}

/** A mapping node (absent or null reads as empty). */
export function yamlMap(v: unknown, where: string): YamlMap {
  if (v === null || v === undefined) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('must be a mapping', { where });
  return v as YamlMap;
}

/** Refuses keys outside `allowed`: a misspelt field would otherwise be ignored silently. */
export function onlyKeys(m: YamlMap, allowed: readonly string[], where: string): void {
  for (const k of Object.keys(m)) {
    if (!allowed.includes(k)) throw new ConfigError(`unknown field ${JSON.stringify(k)} (known: ${allowed.join(', ')})`, { where });
  }
}

/** A string field; absent, null and '' read as undefined. */
export function yamlString(m: YamlMap, key: string, where: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new ConfigError('must be a string', { where: `${where}.${key}` });
  return v;
}

/** A boolean field; absent and null read as undefined. */
export function yamlBool(m: YamlMap, key: string, where: string): boolean | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError('must be true or false', { where: `${where}.${key}` });
  return v;
}
