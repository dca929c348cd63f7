// Panel settings ⇄ URL query parameters (g0.expr, g0.tab, g0.range_input, ...), as the Thanos/Prometheus UI writes
// them, so a copied link reproduces the view. DOM-free.

import { formatDuration, formatTime, parseDuration, parseTime } from './time.js';

export type Tab = 'graph' | 'table';
export type SourceResolution = 'auto' | '0s' | '5m' | '1h';
export const SOURCE_RESOLUTIONS: readonly { value: SourceResolution; label: string }[] = [
  { value: 'auto', label: 'Auto downsampling' },
  { value: '0s', label: 'Only raw data' },
  { value: '5m', label: 'Max 5m downsampling' },
  { value: '1h', label: 'Max 1h downsampling' },
];

export interface PanelOptions {
  readonly expr: string;
  readonly tab: Tab;
  readonly rangeMs: number;
  /** null: now. */
  readonly endMs: number | null;
  /** null: picked from the range. */
  readonly stepSec: number | null;
  readonly stacked: boolean;
  readonly dedup: boolean;
  readonly partialResponse: boolean;
  readonly maxSourceResolution: SourceResolution;
}

export const DEFAULT_PANEL: PanelOptions = {
  expr: '', tab: 'table', rangeMs: 3600_000, endMs: null, stepSec: null, stacked: false,
  dedup: true, partialResponse: false, maxSourceResolution: 'auto',
};

const MAX_PANELS = 50;

/** Reads g0.*, g1.*, … from a query string; no panels there means one default panel. */
export function decodePanels(params: URLSearchParams): PanelOptions[] {
  const out: PanelOptions[] = [];
  for (let i = 0; i < MAX_PANELS; i++) {
    const g = (k: string): string | null => params.get(`g${i}.${k}`);
    if (g('expr') === null && g('tab') === null) break;
    const res = g('max_source_resolution');
    const step = Number(g('step_input'));
    out.push({
      expr: g('expr') ?? '',
      tab: g('tab') === '0' ? 'graph' : 'table',
      rangeMs: parseDuration(g('range_input') ?? '') ?? DEFAULT_PANEL.rangeMs,
      endMs: parseTime(g('end_input') ?? ''),
      stepSec: Number.isFinite(step) && step > 0 ? step : null,
      stacked: g('stacked') === '1',
      dedup: g('deduplicate') !== '0',
      partialResponse: g('partial_response') === '1',
      maxSourceResolution: SOURCE_RESOLUTIONS.some((r) => r.value === res) ? res as SourceResolution : 'auto',
    });
  }
  return out.length > 0 ? out : [DEFAULT_PANEL];
}

/** The query string for `panels`, in a stable order. */
export function encodePanels(panels: readonly PanelOptions[]): URLSearchParams {
  const p = new URLSearchParams();
  panels.forEach((o, i) => {
    const s = (k: string, v: string): void => p.set(`g${i}.${k}`, v);
    s('expr', o.expr);
    s('tab', o.tab === 'graph' ? '0' : '1');
    s('stacked', o.stacked ? '1' : '0');
    s('range_input', formatDuration(o.rangeMs));
    if (o.endMs !== null) s('end_input', formatTime(o.endMs));
    if (o.stepSec !== null) s('step_input', String(o.stepSec));
    s('deduplicate', o.dedup ? '1' : '0');
    s('partial_response', o.partialResponse ? '1' : '0');
    s('max_source_resolution', o.maxSourceResolution);
  });
  return p;
}

/** The Thanos parameters of a query request for these options. */
export function thanosParams(o: PanelOptions): Record<string, string> {
  return {
    dedup: String(o.dedup),
    partial_response: String(o.partialResponse),
    max_source_resolution: o.maxSourceResolution,
  };
}
