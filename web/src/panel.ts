// One query panel of the Graph page: expression editor, Thanos options (dedup, partial response, max source
// resolution), Table and Graph tabs with their time controls, warnings and errors above the result.

import { ApiError, apiGet, asQueryData, type QueryData } from './api.js';
import { renderChart, type Chart } from './chart-view.js';
import { alertBox, h, replace } from './dom.js';
import { createEditor, type ExpressionEditor } from './editor.js';
import { renderTable } from './table-view.js';
import { defaultStepSeconds, formatDuration, formatTime, narrowerRange, parseDuration, parseTime, widerRange } from './time.js';
import { SOURCE_RESOLUTIONS, thanosParams, type PanelOptions, type SourceResolution } from './url-state.js';

export interface PanelHooks {
  readonly prefix: string;
  /** Called with the new settings whenever the user changes one (the page keeps them in the URL). */
  onChange(o: PanelOptions): void;
  /** Absent when this is the only panel. */
  onRemove?: () => void;
}

export class Panel {
  readonly element: HTMLElement;
  private options: PanelOptions;
  private readonly editor: ExpressionEditor;
  private readonly controls = h('div', { class: 'tab-controls' });
  private readonly messages = h('div', { class: 'messages' });
  private readonly stats = h('div', { class: 'stats' });
  private readonly result = h('div', { class: 'result' });
  private readonly tabButtons: Record<'table' | 'graph', HTMLButtonElement>;
  private chart: Chart | undefined;
  private inflight: AbortController | undefined;
  private lastData: { data: QueryData; tab: 'table' | 'graph' } | undefined;

  constructor(initial: PanelOptions, private readonly hooks: PanelHooks) {
    this.options = initial;
    const editorHost = h('div', { class: 'editor' });
    this.editor = createEditor(editorHost, initial.expr, hooks.prefix, () => void this.execute(), (expr) => this.set({ expr }, false));
    this.tabButtons = {
      table: h('button', { class: 'tab', type: 'button', 'data-tab': 'table', onclick: () => this.switchTab('table') }, 'Table'),
      graph: h('button', { class: 'tab', type: 'button', 'data-tab': 'graph', onclick: () => this.switchTab('graph') }, 'Graph'),
    };
    const check = (label: string, name: string, value: boolean, key: 'dedup' | 'partialResponse'): HTMLElement => h('label', { class: 'check' },
      h('input', {
        type: 'checkbox', name, checked: value,
        onchange: (e) => this.set({ [key]: (e.target as HTMLInputElement).checked }, true),
      }), ` ${label}`);
    const resolution = h('select', {
      name: 'max_source_resolution',
      onchange: (e) => this.set({ maxSourceResolution: (e.target as HTMLSelectElement).value as SourceResolution }, true),
    }, SOURCE_RESOLUTIONS.map((r) => h('option', { value: r.value, selected: r.value === initial.maxSourceResolution }, r.label)));

    this.element = h('div', { class: 'panel' },
      h('div', { class: 'expr-row' },
        editorHost,
        h('button', { class: 'execute', type: 'button', onclick: () => void this.execute() }, 'Execute')),
      h('div', { class: 'options-row' },
        check('Use Deduplication', 'dedup', initial.dedup, 'dedup'),
        check('Use Partial Response', 'partial_response', initial.partialResponse, 'partialResponse'),
        resolution,
        hooks.onRemove ? h('button', { class: 'remove', type: 'button', title: 'Remove panel', onclick: () => this.remove() }, 'Remove Panel') : null),
      h('div', { class: 'tabs' }, this.tabButtons.table, this.tabButtons.graph),
      this.controls,
      this.messages,
      this.stats,
      this.result);
    this.renderControls();
    if (initial.expr.trim() !== '') void this.execute();
  }

  get settings(): PanelOptions {
    return this.options;
  }

  /** Runs the expression: an instant query on the Table tab, a range query on the Graph tab. */
  async execute(): Promise<void> {
    const o = this.options;
    this.inflight?.abort();
    if (o.expr.trim() === '') {
      replace(this.messages, alertBox('warning', 'Please enter an expression.'));
      return;
    }
    const ac = new AbortController();
    this.inflight = ac;
    replace(this.messages);
    replace(this.stats, 'Loading…');
    const started = performance.now();
    const endMs = o.endMs ?? Date.now();
    const params = new URLSearchParams({ query: o.expr, ...thanosParams(o) });
    let path = 'query';
    if (o.tab === 'graph') {
      path = 'query_range';
      params.set('start', String((endMs - o.rangeMs) / 1000));
      params.set('end', String(endMs / 1000));
      params.set('step', String(o.stepSec ?? defaultStepSeconds(o.rangeMs)));
    } else {
      params.set('time', String(endMs / 1000));
    }
    try {
      const r = await apiGet(path, params, ac.signal);
      if (ac.signal.aborted) return;
      const data = asQueryData(r.data);
      replace(this.messages, r.warnings.map((w) => alertBox('warning', w)), r.infos.map((i) => alertBox('info', i)));
      const count = data.resultType === 'vector' || data.resultType === 'matrix' ? data.result.length : 1;
      replace(this.stats, `Load time: ${Math.round(performance.now() - started)}ms · Resolution: ${o.tab === 'graph' ? `${params.get('step')}s` : '-'} · Result series: ${count}`);
      this.lastData = { data, tab: o.tab };
      this.renderResult();
    } catch (err) {
      if (ac.signal.aborted) return;
      const msg = err instanceof ApiError || err instanceof Error ? err.message : String(err);
      replace(this.stats);
      replace(this.messages, alertBox('error', `Error executing query: ${msg}`));
      this.clearResult();
    }
  }

  destroy(): void {
    this.inflight?.abort();
    this.chart?.destroy();
    this.editor.destroy();
  }

  private remove(): void {
    this.destroy();
    this.hooks.onRemove?.();
  }

  private set(patch: Partial<PanelOptions>, rerun: boolean): void {
    this.options = { ...this.options, ...patch };
    this.hooks.onChange(this.options);
    if (rerun && this.options.expr.trim() !== '') void this.execute();
  }

  private switchTab(tab: 'table' | 'graph'): void {
    if (tab === this.options.tab) return;
    this.set({ tab }, false);
    this.renderControls();
    this.clearResult();
    if (this.options.expr.trim() !== '') void this.execute();
  }

  private clearResult(): void {
    this.chart?.destroy();
    this.chart = undefined;
    this.lastData = undefined;
    replace(this.result);
  }

  private renderResult(): void {
    this.chart?.destroy();
    this.chart = undefined;
    const last = this.lastData;
    if (!last) return replace(this.result);
    if (last.tab === 'table') return replace(this.result, renderTable(last.data));
    if (last.data.resultType !== 'matrix') {
      return replace(this.result, alertBox('error', `Error: the graph needs a range vector result, got ${last.data.resultType}`));
    }
    if (last.data.result.length === 0) return replace(this.result, h('div', { class: 'empty' }, 'Empty query result'));
    this.chart = renderChart(last.data.result, this.options.stacked, this.result.clientWidth || this.element.clientWidth - 24);
    replace(this.result, this.chart.element);
  }

  /** The time controls of the active tab. */
  private renderControls(): void {
    const o = this.options;
    for (const [t, b] of Object.entries(this.tabButtons)) b.classList.toggle('active', t === o.tab);
    const endInput = h('input', {
      type: 'text', name: 'end_input', class: 'time-input', placeholder: o.tab === 'graph' ? 'End time (UTC)' : 'Evaluation time (UTC)',
      value: o.endMs === null ? '' : formatTime(o.endMs),
      onchange: (e) => {
        const v = (e.target as HTMLInputElement).value;
        this.set({ endMs: v.trim() === '' ? null : parseTime(v) ?? o.endMs }, true);
        this.renderControls();
      },
    });
    const shiftEnd = (dir: number): void => {
      const base = this.options.endMs ?? Date.now();
      this.set({ endMs: base + dir * (this.options.tab === 'graph' ? this.options.rangeMs / 2 : 60_000) }, true);
      this.renderControls();
    };
    const endControls = [
      h('button', { type: 'button', title: 'Earlier', onclick: () => shiftEnd(-1) }, '‹'),
      endInput,
      h('button', { type: 'button', title: 'Later', onclick: () => shiftEnd(1) }, '›'),
      h('button', { type: 'button', title: 'Now', onclick: () => { this.set({ endMs: null }, true); this.renderControls(); } }, 'Now'),
    ];
    if (o.tab === 'table') return replace(this.controls, endControls);
    const setRange = (ms: number): void => {
      this.set({ rangeMs: ms }, true);
      this.renderControls();
    };
    replace(this.controls,
      h('button', { type: 'button', title: 'Shorter range', onclick: () => setRange(narrowerRange(this.options.rangeMs)) }, '−'),
      h('input', {
        type: 'text', name: 'range_input', class: 'range-input', value: formatDuration(o.rangeMs),
        onchange: (e) => setRange(parseDuration((e.target as HTMLInputElement).value) ?? this.options.rangeMs),
      }),
      h('button', { type: 'button', title: 'Longer range', onclick: () => setRange(widerRange(this.options.rangeMs)) }, '+'),
      endControls,
      h('input', {
        type: 'number', name: 'step_input', class: 'step-input', min: 1, placeholder: `Res. (${defaultStepSeconds(o.rangeMs)}s)`,
        value: o.stepSec === null ? undefined : o.stepSec,
        onchange: (e) => {
          const n = Number((e.target as HTMLInputElement).value);
          this.set({ stepSec: Number.isFinite(n) && n > 0 ? n : null }, true);
        },
      }),
      h('label', { class: 'check' }, h('input', {
        type: 'checkbox', name: 'stacked', checked: o.stacked,
        onchange: (e) => {
          this.options = { ...this.options, stacked: (e.target as HTMLInputElement).checked };
          this.hooks.onChange(this.options);
          this.renderResult();
        },
      }), ' Stacked'));
  }
}
