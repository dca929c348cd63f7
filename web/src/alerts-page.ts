// The Alerts page: every alerting rule of the querier's rule endpoints (/api/v1/rules?type=alert), the firing ones
// first, each with its state, query, labels and active alerts, and a count per state as the Prometheus UI shows.

import { apiGet } from './api.js';
import { dedupFromUrl, dedupParams, dedupToggle } from './dedup-toggle.js';
import { alertBox, h, replace } from './dom.js';
import { labelBadges } from './labels-view.js';
import { ago, asRuleGroups, type RuleView } from './rules-api.js';
import { formatDuration } from './time.js';

const STATES = ['firing', 'pending', 'inactive'] as const;

export async function renderAlertsPage(root: HTMLElement): Promise<void> {
  const body = h('div', {}, 'Loading…');
  const load = async (dedup: boolean): Promise<void> => {
    try {
      const r = await apiGet('rules', dedupParams(dedup, { type: 'alert' }));
      const rules = asRuleGroups(r.data).flatMap((g) => g.rules.filter((x) => x.type === 'alerting').map((rule) => ({ rule, group: g.name })));
      const now = Date.now();
      const counts = STATES.map((st) => h('span', { class: `badge state-${st}` }, `${st} (${rules.filter((x) => x.rule.state === st).length})`));
      replace(body,
        r.warnings.map((w) => alertBox('warning', w)),
        h('div', { class: 'state-counts' }, counts),
        rules.length === 0 ? h('div', { class: 'empty' }, 'No alerting rules.') : null,
        STATES.flatMap((st) => rules.filter((x) => x.rule.state === st).map((x) => alertRule(x.rule, x.group, now))));
    } catch (err) {
      replace(body, alertBox('error', `Error fetching alerts: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  root.append(h('h2', {}, 'Alerts'), h('div', { class: 'options-row' }, dedupToggle(dedupFromUrl(), (d) => void load(d))), body);
  await load(dedupFromUrl());
}

function alertRule(r: RuleView, group: string, now: number): HTMLElement {
  return h('details', { class: `alert-rule state-${r.state}`, 'data-rule': r.name, open: r.state === 'firing' },
    h('summary', {},
      h('span', { class: `badge state-${r.state}` }, r.state.toUpperCase()), ' ',
      h('strong', { class: 'rule-name' }, r.name), ` (${r.alerts.length} active)`, h('span', { class: 'muted' }, ` — group ${group}`)),
    h('div', { class: 'rule-body' },
      h('pre', { class: 'expr' }, `alert: ${r.name}\nexpr: ${r.query}${r.duration > 0 ? `\nfor: ${formatDuration(r.duration * 1000)}` : ''}`),
      h('div', {}, 'Labels: ', labelBadges(r.labels)),
      Object.keys(r.annotations).length > 0 ? h('div', {}, 'Annotations: ', labelBadges(r.annotations)) : null,
      r.alerts.length === 0 ? null : h('table', { class: 'data-table alerts' },
        h('thead', {}, h('tr', {}, ['Labels', 'State', 'Active Since', 'Value'].map((c) => h('th', {}, c)))),
        h('tbody', {}, r.alerts.map((a) => h('tr', { class: 'alert-instance' },
          h('td', {}, labelBadges(a.labels)),
          h('td', {}, h('span', { class: `badge state-${a.state}` }, a.state.toUpperCase())),
          h('td', {}, a.activeAt === '' ? '' : `${a.activeAt} (${ago(a.activeAt, now)})`),
          h('td', { class: 'value' }, a.value)))))));
}
