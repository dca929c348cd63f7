// Rule files in Prometheus's format (model/rulefmt): groups of recording and alerting rules, plus Thanos's
// per-group `partial_response_strategy`. Parsing is strict (unknown fields are errors) and every problem is
// reported with file:line:column where Prometheus reports one, in Prometheus's words, so `tools rules-check`
// agrees with `promtool check rules`.

import { isMap, isScalar, isSeq, LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { parseDuration } from '../runtime/duration.js';
import { errorMessage } from '../runtime/errors.js';
import { parseYamlDocument } from '../runtime/yaml-fields.js';
import { parseExpr } from '../promql/parser/parse.js';
import type { Expr } from '../promql/parser/ast.js';
import { parseTemplate } from './template/parse.js';

export type PartialResponseStrategy = 'ABORT' | 'WARN';

/** An ordered name → value map (labels, annotations), in the file's order. */
export type StringMap = ReadonlyMap<string, string>;

interface RuleCommon {
  readonly name: string;
  /** The PromQL text as written. */
  readonly expr: string;
  readonly parsed: Expr;
  readonly labels: StringMap;
  /** 1-based line of the rule in its file. */
  readonly line: number;
}

export interface RecordingRuleConfig extends RuleCommon {
  readonly kind: 'record';
}

export interface AlertingRuleConfig extends RuleCommon {
  readonly kind: 'alert';
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly annotations: StringMap;
}

export type RuleConfig = RecordingRuleConfig | AlertingRuleConfig;

export interface RuleGroupConfig {
  readonly name: string;
  readonly file: string;
  /** Undefined: the ruler's --eval-interval. */
  readonly intervalMs: number | undefined;
  /** Undefined: the ruler's --rule-query-offset. */
  readonly queryOffsetMs: number | undefined;
  readonly limit: number;
  /** Group labels (Prometheus 3): added to every rule's labels, the rule's own winning. */
  readonly labels: StringMap;
  readonly partialResponseStrategy: PartialResponseStrategy;
  readonly rules: readonly RuleConfig[];
}

/** One problem in a rule file, already worded as Prometheus words it (without the file name). */
export class RuleFileError extends Error {
  constructor(readonly file: string, readonly detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'RuleFileError';
  }
}

const GROUP_FIELDS = new Set(['name', 'interval', 'query_offset', 'limit', 'labels', 'rules', 'partial_response_strategy']);
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

interface Pos { line: number; col: number }

/** Parses and validates one rule file; throws an AggregateError of RuleFileError listing every problem found. */
export function parseRuleFile(text: string, file: string): RuleGroupConfig[] {
  const r = checkRuleFile(text, file);
  if (r.errors.length > 0) throw new AggregateError(r.errors, r.errors.map((e) => e.message).join('\n'));
  return r.groups;
}

/** Parses one rule file, collecting every problem (as `promtool check rules` lists them) instead of stopping. */
export function checkRuleFile(text: string, file: string): { groups: RuleGroupConfig[]; errors: RuleFileError[] } {
  const lc = new LineCounter();
  const errors: RuleFileError[] = [];
  const fail = (detail: string): void => { errors.push(new RuleFileError(file, detail)); };
  let doc: ReturnType<typeof parseYamlDocument>;
  try {
    doc = parseYamlDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  } catch (err) {
    // Nesting past MAX_YAML_DEPTH is refused before the (recursive) parser runs; a stack overflow stays covered.
    fail(`yaml: cannot parse: ${err instanceof RangeError ? 'nested too deeply' : errorMessage(err)}`);
    return { groups: [], errors };
  }
  if (doc.errors.length > 0) {
    for (const e of doc.errors) fail(`yaml: line ${lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0] ?? ''}`);
    return { groups: [], errors };
  }
  const pos = (n: Node | null | undefined): Pos => {
    const off = n?.range?.[0];
    if (off === undefined) return { line: 0, col: 0 };
    const p = lc.linePos(off);
    return { line: p.line, col: p.col };
  };
  const at = (p: Pos): string => `${p.line}:${p.col}`;
  // Decoding errors (unknown fields, wrong types) stop the file, as yaml.Unmarshal does before validation.
  const decodeErrors: string[] = [];
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { groups: [], errors };
  if (!isMap(root)) {
    fail(`yaml: unmarshal errors:\n  line ${pos(root).line}: cannot unmarshal ${kindOf(root)} into rulefmt.RuleGroups`);
    return { groups: [], errors };
  }
  let groupsNode: Node | null = null;
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key === 'groups') groupsNode = pair.value as Node | null;
    else decodeErrors.push(`  line ${pos(pair.key as Node).line}: field ${key} not found in type rulefmt.RuleGroups`);
  }
  const groupNodes: YAMLMap[] = [];
  if (groupsNode !== null && !(isScalar(groupsNode) && groupsNode.value === null)) {
    if (!isSeq(groupsNode)) {
      decodeErrors.push(`  line ${pos(groupsNode).line}: cannot unmarshal ${kindOf(groupsNode)} into []rulefmt.RuleGroup`);
    } else {
      for (const g of groupsNode.items) {
        if (isMap(g)) groupNodes.push(g);
        else decodeErrors.push(`  line ${pos(g as Node).line}: cannot unmarshal ${kindOf(g as Node)} into rulefmt.RuleGroup`);
      }
    }
  }

  const groups: RuleGroupConfig[] = [];
  const seen = new Set<string>();
  const validation: string[] = [];
  for (const gNode of groupNodes) {
    let name = '';
    let intervalMs: number | undefined;
    let queryOffsetMs: number | undefined;
    let limit = 0;
    let strategy: PartialResponseStrategy = 'ABORT';
    let groupLabels: StringMap = new Map();
    let ruleNodes: YAMLMap[] = [];
    for (const pair of gNode.items) {
      const key = keyOf(pair);
      const v = pair.value as Node | null;
      if (!GROUP_FIELDS.has(key)) {
        decodeErrors.push(`  line ${pos(pair.key as Node).line}: field ${key} not found in type rulefmt.RuleGroup`);
        continue;
      }
      try {
        switch (key) {
          case 'name': name = scalarString(v); break;
          case 'interval': intervalMs = durationOf(v); break;
          case 'query_offset': queryOffsetMs = durationOf(v); break;
          case 'limit': limit = intOf(v); break;
          case 'labels': groupLabels = stringMap(v); break;
          case 'partial_response_strategy': strategy = strategyOf(v); break;
          case 'rules':
            if (v === null || (isScalar(v) && v.value === null)) ruleNodes = [];
            else if (!isSeq(v)) throw new Error(`cannot unmarshal ${kindOf(v)} into []rulefmt.RuleNode`);
            else ruleNodes = v.items.filter((x): x is YAMLMap => { if (isMap(x)) return true; throw new Error(`cannot unmarshal ${kindOf(x as Node)} into rulefmt.RuleNode`); });
            break;
        }
      } catch (err) {
        validation.push(errorMessage(err));
      }
    }
    if (name === '') validation.push(`${at(pos(gNode))}: Groupname must not be empty`);
    if (seen.has(name)) {
      validation.push(`${at(pos(gNode))}: groupname: "${name}" is repeated in the same file`);
    }
    seen.add(name);
    for (const [k, v] of groupLabels) {
      if (!LABEL_NAME.test(k) || k === '__name__') validation.push(`group "${name}": invalid label name: ${k}`);
      if (!wellFormed(v)) validation.push(`group "${name}": invalid label value: ${v}`);
    }

    const rules: RuleConfig[] = [];
    ruleNodes.forEach((rNode, i) => {
      const f = new Map<string, Node | null>();
      for (const pair of rNode.items) {
        const key = keyOf(pair);
        if (!RULE_FIELDS.has(key)) decodeErrors.push(`  line ${pos(pair.key as Node).line}: field ${key} not found in type rulefmt.RuleNode`);
        else f.set(key, pair.value as Node | null);
      }
      const problems: { msg: string; where?: string }[] = [];
      let fields: { record: string; alert: string; expr: string; forMs: number; keepFiringForMs: number; labels: StringMap; annotations: StringMap };
      try {
        fields = {
          record: scalarString(f.get('record')),
          alert: scalarString(f.get('alert')),
          expr: scalarString(f.get('expr')),
          forMs: durationOf(f.get('for')),
          keepFiringForMs: durationOf(f.get('keep_firing_for')),
          labels: stringMap(f.get('labels')),
          annotations: stringMap(f.get('annotations')),
        };
      } catch (err) {
        validation.push(errorMessage(err));
        return;
      }
      const { record, alert, expr, forMs, keepFiringForMs, labels, annotations } = fields;
      const recordPos = pos(f.get('record'));
      const alertPos = pos(f.get('alert'));
      const exprPos = pos(f.get('expr'));
      if (record !== '' && alert !== '') problems.push({ msg: "only one of 'record' and 'alert' must be set", where: `${at(recordPos)}: ${at(alertPos)}` });
      if (record === '' && alert === '') problems.push({ msg: "one of 'record' or 'alert' must be set", where: at(recordPos) });
      let parsed: Expr | undefined;
      if (expr === '') problems.push({ msg: "field 'expr' must be set in rule", where: at(exprPos) });
      else {
        try {
          parsed = parseExpr(expr);
        } catch (err) {
          problems.push({ msg: `could not parse expression: ${errorMessage(err)}`, where: at(exprPos) });
        }
      }
      if (record !== '') {
        if (annotations.size > 0) problems.push({ msg: "invalid field 'annotations' in recording rule", where: at(recordPos) });
        if (forMs !== 0) problems.push({ msg: "invalid field 'for' in recording rule", where: at(recordPos) });
        if (keepFiringForMs !== 0) problems.push({ msg: "invalid field 'keep_firing_for' in recording rule", where: at(recordPos) });
        if (!METRIC_NAME.test(record)) problems.push({ msg: `invalid recording rule name: ${record}`, where: at(recordPos) });
      }
      for (const [k, v] of labels) {
        if (!LABEL_NAME.test(k) || k === '__name__') problems.push({ msg: `invalid label name: ${k}` });
        if (!wellFormed(v)) problems.push({ msg: `invalid label value: ${v}` });
      }
      for (const k of annotations.keys()) if (!LABEL_NAME.test(k)) problems.push({ msg: `invalid annotation name: ${k}` });
      if (alert !== '') {
        const tmplName = `__alert_${alert}`;
        for (const [what, m] of [['label', labels], ['annotation', annotations]] as const) {
          for (const [k, v] of m) {
            try {
              parseTemplate(v, tmplName);
            } catch (err) {
              problems.push({ msg: `${what} "${k}": ${errorMessage(err)}` });
            }
          }
        }
      }
      const ruleName = alert !== '' ? alert : record;
      for (const p of problems) {
        validation.push(`${p.where !== undefined ? p.where + ': ' : ''}group "${name}", rule ${i + 1}, "${ruleName}": ${p.msg}`);
      }
      if (problems.length === 0 && parsed !== undefined) {
        const line = pos(rNode).line;
        rules.push(record !== ''
          ? { kind: 'record', name: record, expr, parsed, labels, line }
          : { kind: 'alert', name: alert, expr, parsed, labels, line, forMs, keepFiringForMs, annotations });
      }
    });
    groups.push({ name, file, intervalMs, queryOffsetMs, limit, labels: groupLabels, partialResponseStrategy: strategy, rules });
  }
  if (decodeErrors.length > 0) {
    fail(`yaml: unmarshal errors:\n${decodeErrors.join('\n')}`);
    return { groups: [], errors };
  }
  for (const v of validation) fail(v);
  return { groups: errors.length > 0 ? [] : groups, errors };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Valid UTF-8 once encoded (Prometheus's LabelValue.IsValid). */
function wellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function keyOf(pair: Pair): string {
  const k = pair.key;
  if (isScalar(k)) return String(k.value);
  return String(k);
}

function kindOf(n: Node | null): string {
  if (n === null) return '!!null';
  if (isMap(n)) return '!!map';
  if (isSeq(n)) return '!!seq';
  if (isScalar(n)) {
    const v = n.value;
    const src = n.source ?? String(v);
    if (typeof v === 'number') return `${Number.isInteger(v) ? '!!int' : '!!float'} \`${src}\``;
    if (typeof v === 'boolean') return `!!bool \`${src}\``;
    return `!!str \`${src}\``;
  }
  return '!!unknown';
}

/** A scalar as Go's yaml decodes it into a string (numbers and booleans keep their source text; null is ""). */
function scalarString(n: Node | null | undefined): string {
  if (n === undefined || n === null) return '';
  if (!isScalar(n)) throw new Error(`yaml: unmarshal errors:\n  cannot unmarshal ${kindOf(n)} into string`);
  if (n.value === null) return '';
  if (typeof n.value === 'string') return n.value;
  return n.source ?? JSON.stringify(n.value);
}

function durationOf(n: Node | null | undefined): number {
  const s = scalarString(n);
  if (s === '') return 0;
  return parseDuration(s);
}

function intOf(n: Node | null | undefined): number {
  const s = scalarString(n);
  if (s === '') return 0;
  if (!/^[+-]?\d+$/.test(s)) throw new Error(`yaml: unmarshal errors:\n  cannot unmarshal !!str \`${s}\` into int`);
  return Number(s);
}

function strategyOf(n: Node | null | undefined): PartialResponseStrategy {
  const s = scalarString(n).toUpperCase();
  if (s === '' || s === 'ABORT') return 'ABORT';
  if (s === 'WARN') return 'WARN';
  throw new Error(`failed to unmarshal "partial_response_strategy": unknown strategy ${JSON.stringify(scalarString(n))}, want warn or abort`);
}

function stringMap(n: Node | null | undefined): StringMap {
  const out = new Map<string, string>();
  if (n === undefined || n === null || (isScalar(n) && n.value === null)) return out;
  if (!isMap(n)) throw new Error(`yaml: unmarshal errors:\n  cannot unmarshal ${kindOf(n)} into map[string]string`);
  for (const pair of n.items) out.set(keyOf(pair), scalarString(pair.value as Node | null));
  return out;
}
