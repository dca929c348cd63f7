// The Stores page: every endpoint of the querier from /api/v1/stores, grouped by component type, with health, last
// check, last error, announced label sets and the time range it covers.

import { apiGet, asStores, type StoreStatus } from './api.js';
import { alertBox, h, replace } from './dom.js';
import { formatTime } from './time.js';

/** Types in upstream's order; any other type follows alphabetically. */
const TYPE_ORDER = ['sidecar', 'store', 'receive', 'rule', 'query'];

/** Min/max times beyond these mean "unbounded" (math.MinInt64 / MaxInt64 lose precision in JSON). */
const UNBOUNDED_MS = 8.64e15;

export function formatBound(ms: number): string {
  if (ms <= -UNBOUNDED_MS) return '-Infinity';
  if (ms >= UNBOUNDED_MS) return '+Infinity';
  return formatTime(ms);
}

export async function renderStoresPage(root: HTMLElement): Promise<void> {
  const body = h('div', {}, 'Loading…');
  root.append(h('h2', {}, 'Stores'), body);
  try {
    const stores = asStores((await apiGet('stores', undefined)).data);
    const types = Object.keys(stores).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    if (types.length === 0) return replace(body, alertBox('info', 'No endpoints configured or discovered yet.'));
    replace(body, types.map((t) => section(t, stores[t] ?? [])));
  } catch (err) {
    replace(body, alertBox('error', `Error fetching stores: ${err instanceof Error ? err.message : String(err)}`));
  }
}

function rank(type: string): number {
  const i = TYPE_ORDER.indexOf(type);
  return i < 0 ? TYPE_ORDER.length : i;
}

function section(type: string, stores: readonly StoreStatus[]): HTMLElement {
  return h('section', { class: 'store-type', 'data-type': type },
    h('h3', {}, type),
    h('table', { class: 'data-table stores' },
      h('thead', {}, h('tr', {}, ['Endpoint', 'Status', 'Announced Label Sets', 'Min Time (UTC)', 'Max Time (UTC)', 'Last Check', 'Last Message'].map((c) => h('th', {}, c)))),
      h('tbody', {}, stores.map((s) => {
        const up = s.lastError === null;
        return h('tr', { class: 'store', 'data-endpoint': s.name },
          h('td', { class: 'endpoint' }, s.name),
          h('td', {}, h('span', { class: `badge ${up ? 'up' : 'down'}` }, up ? 'UP' : 'DOWN')),
          h('td', { class: 'label-sets' }, s.labelSets.map((set) => h('div', { class: 'label-set' },
            Object.entries(set).map(([k, v]) => h('span', { class: 'label' }, `${k}="${v}"`))))),
          h('td', {}, formatBound(s.minTime)),
          h('td', {}, formatBound(s.maxTime)),
          h('td', {}, s.lastCheck === '' ? '' : formatTime(Date.parse(s.lastCheck))),
          h('td', { class: 'last-error' }, s.lastError ?? ''));
      }))));
}
