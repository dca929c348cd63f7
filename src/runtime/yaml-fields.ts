// Reading fields of parsed YAML config documents strictly: mappings, known keys, typed values, every error naming
// the field's path (`file.section.key`), as upstream's UnmarshalStrict reports them.
import { parse } from 'yaml';
import { ConfigError, errorMessage } from './errors.js';

export type YamlMap = Record<string, unknown>;

/** Parses a config text whose top level must be a mapping (empty text reads as an empty one). */
export function parseYamlMap(text: string, source: string): YamlMap {
  let doc: unknown;
  try {
    doc = parse(text);
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
