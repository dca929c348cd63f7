// The Targets page: the scrape targets of the querier's endpoints (/api/v1/targets?state=active) by scrape pool,
// each with its health, labels, last scrape, scrape duration and error; "unhealthy only" hides the healthy ones.

import { apiGet } from './api.js';
import { dedupFromUrl, dedupParams, dedupToggle } from './dedup-toggle.js';
import { alertBox, h, replace } from './dom.js';
import { labelBadges } from './labels-view.js';
import { ago, asActiveTargets, seconds, type TargetView } from './rules-api.js';

export async function renderTargetsPage(root: HTMLElement): Promise<void> {
  const body = h('div', {}, 'Loading…');
  let dedup = dedupFromUrl();
  let unhealthyOnly = false;
  const load = async (): Promise<void> => {
    try {
      const r = await apiGet('targets', dedupParams(dedup, { state: 'active' }));
      const targets = asActiveTargets(r.data);
      const pools = [...new Set(targets.map((t) => t.scrapePool))].sort();
      const now = Date.now();
      replace(body, r.warnings.map((w) => alertBox('warning', w)),
        targets.length === 0 ? h('div', { class: 'empty' }, 'No targets.') : null,
        pools.map((p) => pool(p, targets.filter((t) => t.scrapePool === p), unhealthyOnly, now)));
    } catch (err) {
      replace(body, alertBox('error', `Error fetching targets: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  const onlyUnhealthy = h('label', { class: 'check' }, h('input', {
    type: 'checkbox', name: 'unhealthy',
    onchange: (ev: Event) => {
      unhealthyOnly = (ev.target as HTMLInputElement).checked;
      void load();
    },
  }), ' Unhealthy only');
  root.append(h('h2', {}, 'Targets'), h('div', { class: 'options-row' }, dedupToggle(dedup, (d) => {
    dedup = d;
    void load();
  }), onlyUnhealthy), body);
  await load();
}

function pool(name: string, targets: readonly TargetView[], unhealthyOnly: boolean, now: number): HTMLElement {
  const up = targets.filter((t) => t.health === 'up').length;
  const shown = unhealthyOnly ? targets.filter((t) => t.health !== 'up') : targets;
  return h('section', { class: 'scrape-pool', 'data-pool': name },
    h('h3', { class: 'pool-title' }, `${name} (${up}/${targets.length} up)`),
    h('table', { class: 'data-table targets' },
      h('thead', {}, h('tr', {}, ['Endpoint', 'State', 'Labels', 'Last Scrape', 'Scrape Duration', 'Error'].map((c) => h('th', {}, c)))),
      h('tbody', {}, shown.map((t) => h('tr', { class: 'target', 'data-url': t.scrapeUrl },
        h('td', { class: 'endpoint' }, h('a', { href: t.scrapeUrl }, t.scrapeUrl)),
        h('td', {}, h('span', { class: `badge ${t.health === 'up' ? 'up' : 'down'}` }, t.health.toUpperCase())),
        h('td', {}, labelBadges(t.labels)),
        h('td', {}, ago(t.lastScrape, now)),
        h('td', {}, seconds(t.lastScrapeDuration)),
        h('td', { class: 'last-error' }, t.lastError))))));
}
