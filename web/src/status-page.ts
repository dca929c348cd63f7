// The Status page: build information and the command-line flags of this querier.

import { apiGet, asStringMap } from './api.js';
import { alertBox, h, replace } from './dom.js';

export async function renderStatusPage(root: HTMLElement): Promise<void> {
  const build = h('div', {}, 'Loading…');
  const flags = h('div', {}, 'Loading…');
  root.append(h('h2', {}, 'Build Information'), build, h('h2', {}, 'Command-Line Flags'), flags);
  const [b, f] = await Promise.allSettled([apiGet('status/buildinfo', undefined), apiGet('status/flags', undefined)]);
  fill(build, b, 'build information');
  fill(flags, f, 'flags');
}

function fill(el: HTMLElement, r: PromiseSettledResult<{ data: unknown }>, what: string): void {
  if (r.status === 'rejected') {
    replace(el, alertBox('error', `Error fetching ${what}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`));
    return;
  }
  const rows = Object.entries(asStringMap(r.value.data)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  replace(el, h('table', { class: 'data-table kv' }, h('tbody', {}, rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', {}, v))))));
}
