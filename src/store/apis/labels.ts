// Label sets inside the component APIs' messages (thanos.ZLabelSet / LabelSet, both `repeated Label labels = 1`) and
// the external labels a component adds to what it relays, as upstream's ExtendSortedLabels: the external value wins.

import { sortLabels, type Labels } from '../../tsdb/labels/labels.js';
import { decodeLabels, encodeLabels } from '../codec.js';
import { optObj } from '../codec-values.js';

export function encodeLabelSet(ls: Labels): { labels: { name: string; value: string }[] } {
  return { labels: encodeLabels(ls) };
}

/** An absent set and an empty one are the same (gogo nullable=false makes Go always send it). */
export function decodeLabelSet(v: unknown, where: string): Labels {
  const o = optObj(v, where);
  return o ? sortLabels(decodeLabels(o['labels'], `${where}.labels`)) : [];
}

/** `labels` with `ext` added; where both name a label, `ext`'s value is kept. */
export function extendLabels(labels: Labels, ext: Labels): Labels {
  if (ext.length === 0) return labels;
  const names = new Set(ext.map((l) => l.name));
  return sortLabels([...labels.filter((l) => !names.has(l.name)), ...ext]);
}
