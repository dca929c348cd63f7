// Expands an alerting rule's label and annotation templates as Prometheus does: `$labels`, `$externalLabels`,
// `$externalURL` and `$value` are declared in front of the text, the template is named `__alert_<rule>`, and a
// failure becomes the text `<error expanding template: …>` (the alert still fires).

import { errorMessage } from '../../runtime/errors.js';
import { executeTemplate } from './exec.js';
import type { FuncEnv } from './functions.js';
import type { GoValue } from './go-fmt.js';
import { parseTemplate, type Template } from './parse.js';

const DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

export interface AlertTemplateData {
  readonly labels: ReadonlyMap<string, string>;
  readonly externalLabels: ReadonlyMap<string, string>;
  readonly externalUrl: string;
  readonly value: number;
}

/** Parsed templates by (name, text); rules re-expand the same few texts every evaluation. */
export class TemplateCache {
  private readonly cache = new Map<string, Template | Error>();

  get(name: string, text: string): Template {
    const key = name + '\u0000' + text;
    let t = this.cache.get(key);
    if (t === undefined) {
      try {
        t = parseTemplate(DEFS + text, name);
      } catch (err) {
        t = err instanceof Error ? err : new Error(String(err));
      }
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, t);
    }
    if (t instanceof Error) throw t;
    return t;
  }
}

/** Whether the text holds no template action at all (then it is its own expansion). */
export function isPlainText(text: string): boolean {
  return !text.includes('{{');
}

/** Expands `text`; never throws: errors become `<error expanding template: …>`, as in Prometheus. */
export async function expandAlertTemplate(
  cache: TemplateCache, ruleName: string, text: string, data: AlertTemplateData, env: FuncEnv,
): Promise<{ text: string; error?: string }> {
  if (isPlainText(text)) return { text };
  const name = `__alert_${ruleName}`;
  let tmpl: Template;
  try {
    tmpl = cache.get(name, text);
  } catch (err) {
    const error = `error parsing template ${name}: ${errorMessage(err)}`;
    return { text: `<error expanding template: ${error}>`, error };
  }
  const dot: GoValue = {
    Labels: data.labels, ExternalLabels: data.externalLabels, ExternalURL: data.externalUrl, Value: data.value,
  };
  try {
    return { text: await executeTemplate(tmpl, dot, env) };
  } catch (err) {
    const error = `error executing template ${name}: ${errorMessage(err)}`;
    return { text: `<error expanding template: ${error}>`, error };
  }
}
