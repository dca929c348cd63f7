// Prometheus relabel configs as Thanos uses them to select blocks (--selector.relabel-config): parsing the YAML list
// and applying it to a label set. Every Prometheus action is parsed; keep, drop, hashmod, replace, labelmap,
// labeldrop and labelkeep are applied (the ones that make sense on external labels + __block_id).

import { createHash } from 'node:crypto';
import { parseYaml } from '../runtime/yaml-fields.js';
import { ConfigError } from '../runtime/errors.js';
import { sortLabels, type Label, type Labels } from '../tsdb/labels/labels.js';
import { compileAnchored, expandTemplate, type AnchoredRegex } from '../tsdb/labels/re2.js';

export const RELABEL_ACTIONS = ['replace', 'keep', 'drop', 'hashmod', 'labelmap', 'labeldrop', 'labelkeep', 'keepequal', 'dropequal', 'lowercase', 'uppercase'] as const;
export type RelabelAction = (typeof RELABEL_ACTIONS)[number];

export interface RelabelConfig {
  readonly sourceLabels: readonly string[];
  readonly separator: string;
  /** `^(?s:regex)$`, RE2 (linear time), as Prometheus compiles relabel regexes. */
  readonly regex: AnchoredRegex;
  /** The regex as written, for messages. */
  readonly regexSource: string;
  readonly modulus: number;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly action: RelabelAction;
}

const KEYS = new Set(['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action']);

function field<T>(raw: Record<string, unknown>, key: string, where: string, check: (v: unknown) => v is T, what: string, dflt: T): T {
  const v = raw[key];
  if (v === undefined || v === null) return dflt;
  if (!check(v)) throw new ConfigError(`${key} must be ${what}`, { where });
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses a YAML relabel config list (`where` names the flag or file). An empty document means "no relabelling". */
export function parseRelabelConfigs(text: string, where: string): RelabelConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${err instanceof Error ? err.message : String(err)}`, { where });
  }
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new ConfigError('relabel config must be a list', { where });
  return doc.map((item, i) => parseOne(item, `${where}: relabel config #${i + 1}`));
}

function parseOne(item: unknown, where: string): RelabelConfig {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new ConfigError('must be a mapping', { where });
  const raw = item as Record<string, unknown>;
  for (const k of Object.keys(raw)) if (!KEYS.has(k)) throw new ConfigError(`field ${k} not found in type relabel.Config`, { where });
  const actionRaw = field(raw, 'action', where, isString, 'a string', 'replace').toLowerCase();
  const action = RELABEL_ACTIONS.find((a) => a === actionRaw);
  if (!action) throw new ConfigError(`unknown relabel action "${actionRaw}" (one of ${RELABEL_ACTIONS.join(', ')})`, { where });
  const regexSource = field(raw, 'regex', where, isString, 'a string', '(.*)');
  let regex: AnchoredRegex;
  try {
    regex = compileAnchored(regexSource);
  } catch (err) {
    throw new ConfigError(`invalid regex ${JSON.stringify(regexSource)}: ${err instanceof Error ? err.message : String(err)}`, { where });
  }
  const cfg: RelabelConfig = {
    sourceLabels: field(raw, 'source_labels', where, isStrings, 'a list of strings', []),
    separator: field(raw, 'separator', where, isString, 'a string', ';'),
    regex,
    regexSource,
    modulus: field(raw, 'modulus', where, isUint, 'a non-negative integer', 0),
    targetLabel: field(raw, 'target_label', where, isString, 'a string', ''),
    replacement: field(raw, 'replacement', where, isString, 'a string', '$1'),
    action,
  };
  if (action === 'hashmod' && cfg.modulus === 0) throw new ConfigError('relabel configuration for hashmod requires non-zero modulus', { where });
  if ((action === 'replace' || action === 'hashmod' || action === 'lowercase' || action === 'uppercase') && cfg.targetLabel === '') {
    throw new ConfigError(`relabel configuration for ${action} action requires 'target_label' value`, { where });
  }
  return cfg;
}

/** md5 of the value, last 8 bytes as a big-endian uint64, modulo `modulus` (Prometheus's hashmod). */
export function hashMod(value: string, modulus: number): number {
  const h = createHash('md5').update(value).digest();
  return Number(h.readBigUInt64BE(8) % BigInt(modulus));
}

/**
 * Applies the configs in order. Returns undefined when the set was dropped (a keep/drop decided so, or nothing is
 * left), else the resulting sorted labels.
 */
export function relabel(input: Labels, configs: readonly RelabelConfig[]): Labels | undefined {
  const lb = new Map<string, string>(input.map((l) => [l.name, l.value]));
  for (const c of configs) {
    const val = c.sourceLabels.map((n) => lb.get(n) ?? '').join(c.separator);
    switch (c.action) {
      case 'keep': if (!c.regex.test(val)) return undefined; break;
      case 'drop': if (c.regex.test(val)) return undefined; break;
      case 'keepequal': if (lb.get(c.targetLabel) !== val) return undefined; break;
      case 'dropequal': if (lb.get(c.targetLabel) === val) return undefined; break;
      case 'hashmod': lb.set(c.targetLabel, String(hashMod(val, c.modulus))); break;
      case 'lowercase': lb.set(c.targetLabel, val.toLowerCase()); break;
      case 'uppercase': lb.set(c.targetLabel, val.toUpperCase()); break;
      case 'replace': {
        const m = c.regex.exec(val);
        if (!m) break;
        const target = expandTemplate(c.targetLabel, m);
        const value = expandTemplate(c.replacement, m);
        if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(target)) break;
        if (value === '') lb.delete(target); else lb.set(target, value);
        break;
      }
      case 'labelmap':
        for (const [n, v] of [...lb]) {
          const m = c.regex.exec(n);
          if (m) lb.set(expandTemplate(c.replacement, m), v);
        }
        break;
      case 'labeldrop': for (const n of [...lb.keys()]) if (c.regex.test(n)) lb.delete(n); break;
      case 'labelkeep': for (const n of [...lb.keys()]) if (!c.regex.test(n)) lb.delete(n); break;
      default: {
        const never: never = c.action;
        throw new Error(`unhandled relabel action ${String(never)}`);
      }
    }
  }
  const out: Label[] = [];
  for (const [name, value] of lb) if (value !== '') out.push({ name, value });
  return out.length === 0 ? undefined : sortLabels(out);
}
