// The Graph page: several query panels, their settings mirrored in the URL (g0.expr=…&g1.expr=…).

import { h } from './dom.js';
import { Panel } from './panel.js';
import { DEFAULT_PANEL, decodePanels, encodePanels } from './url-state.js';

export function renderGraphPage(root: HTMLElement, prefix: string): void {
  const list = h('div', { class: 'panels' });
  const panels: Panel[] = [];

  const syncUrl = (): void => {
    const qs = encodePanels(panels.map((p) => p.settings)).toString();
    window.history.replaceState(null, '', `${window.location.pathname}?${qs}`);
  };
  const add = (o = DEFAULT_PANEL): void => {
    const panel: Panel = new Panel(o, {
      prefix,
      onChange: syncUrl,
      onRemove: () => {
        panels.splice(panels.indexOf(panel), 1);
        panel.element.remove();
        // The page always keeps one panel to type into.
        if (panels.length === 0) add();
        syncUrl();
      },
    });
    panels.push(panel);
    list.append(panel.element);
  };

  for (const o of decodePanels(new URLSearchParams(window.location.search))) add(o);
  root.append(list, h('button', { class: 'add-panel', type: 'button', onclick: () => { add(); syncUrl(); } }, 'Add Panel'));
}
