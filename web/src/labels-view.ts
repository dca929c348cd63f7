// Label sets as badges, the way the Prometheus UI shows rule, alert and target labels.

import { h } from './dom.js';
import type { LabelMap } from './rules-api.js';

export function labelBadges(labels: LabelMap): HTMLElement {
  return h('span', { class: 'label-set' }, Object.entries(labels).map(([k, v]) => h('span', { class: 'label' }, `${k}="${v}"`)));
}
