// The Rules page: every rule group of the querier's rule endpoints (/api/v1/rules), with its file, interval and
// last evaluation, and per rule its definition, health, error and evaluation timings.

import { apiGet } from './api.js';
import { dedupFromUrl, dedupParams, dedupToggle } from './dedup-toggle.js';
import { alertBox, h, replace } from './dom.js';
import { labelBadges } from './labels-view.js';
import { ago, asRuleGroups, seconds, type GroupView, type RuleView } from './rules-api.js';
import { formatDuration } from './time.js';

export async function renderRulesPage(root: HTMLElement): Promise<void> {
  const body = h('div', {}, 'Loading…');
  const load = async (dedup: boolean): Promise<void> => {
    try {
      const r = await apiGet('rules', dedupParams(dedup));
      const groups = asRuleGroups(r.data);
      const now = Date.now();
      replace(body, r.warnings.map((w) => alertBox('warning', w)),
        groups.length === 0 ? h('div', { class: 'empty' }, 'No rule groups.') : groups.map((g) => group(g, now)));
    } catch (err) {
      replace(body, alertBox('error', `Error fetching rules: ${err instanceof Error ? err.message : String(err)}`));
    }
  };
  root.append(h('h2', {}, 'Rules'), h('div', { class: 'options-row' }, dedupToggle(dedupFromUrl(), (d) => void load(d))), body);
  await load(dedupFromUrl());
}

function group(g: GroupView, now: number): HTMLElement {
  return h('section', { class: 'rule-group', 'data-group': g.name },
    h('h3', { class: 'group-title' }, g.name),
    h('div', { class: 'muted' }, `${g.file} · every ${formatDuration(g.interval * 1000)} · last evaluation ${ago(g.lastEvaluation, now)} · took ${seconds(g.evaluationTime)}`),
    h('table', { class: 'data-table rules' },
      h('thead', {}, h('tr', {}, ['Rule', 'State', 'Error', 'Last Evaluation', 'Evaluation Time'].map((c) => h('th', {}, c)))),
      h('tbody', {}, g.rules.map((r) => rule(r, now)))));
}

function rule(r: RuleView, now: number): HTMLElement {
  const head = r.type === 'alerting' ? `alert: ${r.name}` : `record: ${r.name}`;
  const forLine = r.type === 'alerting' && r.duration > 0 ? `\nfor: ${formatDuration(r.duration * 1000)}` : '';
  return h('tr', { class: 'rule', 'data-rule': r.name, 'data-type': r.type },
    h('td', {}, h('pre', { class: 'expr' }, `${head}\nexpr: ${r.query}${forLine}`), labelBadges(r.labels)),
    h('td', {}, h('span', { class: `badge health-${r.health}` }, r.health.toUpperCase()),
      r.type === 'alerting' ? h('span', { class: `badge state-${r.state}` }, r.state.toUpperCase()) : null),
    h('td', { class: 'last-error' }, r.lastError),
    h('td', {}, ago(r.lastEvaluation, now)),
    h('td', {}, seconds(r.evaluationTime)));
}
