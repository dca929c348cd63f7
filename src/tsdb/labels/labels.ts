// Label sets as Prometheus models them: name/value pairs sorted by name, compared pairwise.

export interface Label {
  readonly name: string;
  readonly value: string;
}

/** A label set, always sorted by name with unique names (the invariant every series stream relies on). */
export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

/** Builds a sorted label set from a plain object; empty values are dropped, as Prometheus does. */
export function labelsFromRecord(record: Readonly<Record<string, string>>): Labels {
  return sortLabels(Object.entries(record).filter(([, v]) => v !== '').map(([name, value]) => ({ name, value })));
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

export function sortLabels(labels: Label[]): Label[] {
  return labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Orders label sets as Prometheus's labels.Compare: pairwise by name then value, then by length. */
export function compareLabels(a: Labels, b: Labels): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.value !== y.value) return x.value < y.value ? -1 : 1;
  }
  return a.length - b.length;
}

export function labelsEqual(a: Labels, b: Labels): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]!.name !== b[i]!.name || a[i]!.value !== b[i]!.value) return false;
  }
  return true;
}

export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

/** Returns a new sorted set with `extra` added; a name already present keeps the value from `labels`. */
export function mergeLabels(labels: Labels, extra: Labels): Labels {
  if (extra.length === 0) return labels;
  const names = new Set(labels.map((l) => l.name));
  return sortLabels([...labels, ...extra.filter((l) => !names.has(l.name))]);
}

export function withoutLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

/** Formats as Prometheus prints a series: `{__name__="x", a="b"}`, values escaped as Go's %q does for ASCII. */
export function formatLabels(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${quoteGo(l.value)}`).join(', ')}}`;
}

/** Go's strconv.Quote for the characters that label values commonly hold. */
export function quoteGo(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      case '\x07': out += '\\a'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\v': out += '\\v'; break;
      default:
        if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
        else out += ch;
    }
  }
  return out + '"';
}
