// The "Use Deduplication" checkbox of the Alerts, Rules and Targets pages, kept in the URL (?dedup=0) so a
// reload shows the same view; the pages re-read their API when it changes.

import { h } from './dom.js';

export function dedupFromUrl(): boolean {
  return new URLSearchParams(window.location.search).get('dedup') !== '0';
}

export function dedupToggle(initial: boolean, onChange: (dedup: boolean) => void): HTMLElement {
  return h('label', { class: 'check dedup-toggle' },
    h('input', {
      type: 'checkbox', name: 'dedup', checked: initial,
      onchange: (ev: Event) => {
        const on = (ev.target as HTMLInputElement).checked;
        const url = new URL(window.location.href);
        if (on) url.searchParams.delete('dedup');
        else url.searchParams.set('dedup', '0');
        window.history.replaceState(null, '', url);
        onChange(on);
      },
    }),
    ' Use Deduplication');
}

export function dedupParams(dedup: boolean, extra: Record<string, string> = {}): URLSearchParams {
  const p = new URLSearchParams(extra);
  if (!dedup) p.set('dedup', 'false');
  return p;
}
