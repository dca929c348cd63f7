// `tools rules-check`: validates rule files as `promtool check rules` does (same verdicts and, for validation
// problems, the same lines), with Thanos's partial_response_strategy allowed.

import { readFile } from 'node:fs/promises';
import { errorMessage } from '../runtime/errors.js';
import { expandGlob } from '../query/file-sd.js';
import { checkRuleFile } from './rule-file.js';

export interface RulesCheckResult {
  /** What goes to stdout. */
  readonly out: string;
  /** What goes to stderr (the failures). */
  readonly err: string;
  readonly ok: boolean;
}

/** Expands the globs (duplicates removed, as upstream) and checks every file. */
export async function checkRules(globs: readonly string[]): Promise<RulesCheckResult> {
  const files: string[] = [];
  for (const g of globs) for (const f of await expandGlob(g)) if (!files.includes(f)) files.push(f);
  let out = '';
  let err = '';
  let ok = true;
  if (files.length === 0) {
    return { out, err: `no rule files match ${globs.join(', ')}\n`, ok: false };
  }
  for (const f of files) {
    out += `Checking ${f}\n`;
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch (e) {
      ok = false;
      err += `  FAILED:\n${f}: ${errorMessage(e)}\n`;
      out += '\n';
      continue;
    }
    const r = checkRuleFile(text, f);
    if (r.errors.length > 0) {
      ok = false;
      err += `  FAILED:\n${r.errors.map((e) => e.message).join('\n')}\n`;
    } else {
      const n = r.groups.reduce((s, g) => s + g.rules.length, 0);
      out += `  SUCCESS: ${n} rules found\n`;
    }
    out += '\n';
  }
  return { out, err, ok };
}
