// The Table tab: an instant query's result as rows of series and values (matrix rows list their samples).

import type { QueryData } from './api.js';
import { h } from './dom.js';
import { formatSeries } from './series-format.js';

/** Rows beyond this are not rendered; the count is still shown. */
const MAX_ROWS = 10_000;

export function renderTable(data: QueryData): HTMLElement {
  switch (data.resultType) {
    case 'scalar':
    case 'string':
      return table([[data.resultType, data.result[1]]]);
    case 'vector':
      if (data.result.length === 0) return h('div', { class: 'empty' }, 'Empty query result');
      return table(data.result.slice(0, MAX_ROWS).map((s) => [formatSeries(s.metric), s.value[1]]), data.result.length);
    case 'matrix':
      if (data.result.length === 0) return h('div', { class: 'empty' }, 'Empty query result');
      return table(data.result.slice(0, MAX_ROWS).map((s) => [
        formatSeries(s.metric),
        s.values.map(([t, v]) => `${v} @${t}`).join('\n'),
      ]), data.result.length);
  }
}

function table(rows: readonly (readonly [string, string])[], total = rows.length): HTMLElement {
  return h('div', {},
    total > rows.length ? h('div', { class: 'alert alert-warning' }, `Showing ${rows.length} of ${total} series`) : null,
    h('table', { class: 'data-table' },
      h('tbody', {}, rows.map(([series, value]) => h('tr', {},
        h('td', { class: 'series' }, series),
        h('td', { class: 'value' }, value))))));
}
