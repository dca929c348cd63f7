// The Graph tab: a range query's matrix drawn with uPlot (time axis in UTC, a legend with the values under the
// cursor, optional stacking).

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { alignSeries, stack, type ChartSeries } from './chart-data.js';
import { h } from './dom.js';
import { formatSeries } from './series-format.js';

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export interface Chart {
  readonly element: HTMLElement;
  destroy(): void;
}

export function renderChart(series: readonly ChartSeries[], stacked: boolean, width: number): Chart {
  const { xs, ys } = alignSeries(series);
  const drawn = stacked ? stack(ys) : ys;
  const element = h('div', { class: 'chart' });
  const opts: uPlot.Options = {
    width: Math.max(width, 300),
    height: 400,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: true, y: false } },
    legend: { live: true },
    scales: { x: { time: true } },
    series: [
      { label: 'Time (UTC)' },
      ...series.map((s, i) => {
        const color = PALETTE[i % PALETTE.length]!;
        return {
          label: formatSeries(s.metric),
          stroke: color,
          width: 1.5,
          spanGaps: false,
          ...(stacked ? { fill: `${color}55` } : {}),
          // The legend shows each series' own value, not the stacked sum.
          value: (_u: uPlot, _v: number | null, _si: number, idx: number | null): string => {
            const raw = idx === null ? null : ys[i]?.[idx];
            return raw === null || raw === undefined ? '—' : String(raw);
          },
        } satisfies uPlot.Series;
      }),
    ],
    ...(stacked && series.length > 1 ? { bands: series.slice(1).map((_, i) => ({ series: [i + 2, i + 1] as [number, number] })) } : {}),
  };
  const plot = new uPlot(opts, [xs, ...drawn] as uPlot.AlignedData, element);
  const onResize = (): void => plot.setSize({ width: Math.max(element.clientWidth, 300), height: 400 });
  window.addEventListener('resize', onResize);
  return {
    element,
    destroy: () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    },
  };
}
