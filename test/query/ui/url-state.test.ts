// The web UI's DOM-free logic: panel state in the URL, Prometheus-style durations and times, series names, and
// the chart's aligned/stacked columns.
import { describe, expect, it } from 'vitest';
import { alignSeries, stack } from '../../../web/src/chart-data.js';
import { formatSeries } from '../../../web/src/series-format.js';
import { defaultStepSeconds, formatDuration, formatTime, narrowerRange, parseDuration, parseTime, widerRange } from '../../../web/src/time.js';
import { DEFAULT_PANEL, decodePanels, encodePanels, thanosParams, type PanelOptions } from '../../../web/src/url-state.js';

describe('url state', () => {
  it('round-trips several panels through the query string', () => {
    const panels: PanelOptions[] = [
      { ...DEFAULT_PANEL, expr: 'rate(up[5m])', tab: 'graph', rangeMs: 5400_000, endMs: Date.UTC(2026, 0, 2, 3, 4, 5), stepSec: 15, stacked: true },
      { ...DEFAULT_PANEL, expr: 'up', dedup: false, partialResponse: true, maxSourceResolution: '5m' },
    ];
    const qs = encodePanels(panels).toString();
    expect(qs).toContain('g0.expr=rate%28up%5B5m%5D%29');
    expect(qs).toContain('g0.range_input=1h30m');
    expect(qs).toContain('g0.end_input=2026-01-02+03%3A04%3A05');
    expect(qs).toContain('g1.deduplicate=0');
    expect(decodePanels(new URLSearchParams(qs))).toEqual(panels);
  });

  it('reads links written by the Thanos UI and falls back to defaults', () => {
    const [p] = decodePanels(new URLSearchParams('g0.expr=up&g0.tab=1&g0.range_input=2d&g0.max_source_resolution=bogus&g0.step_input=-3'));
    expect(p).toEqual({ ...DEFAULT_PANEL, expr: 'up', tab: 'table', rangeMs: 2 * 86400_000 });
    expect(decodePanels(new URLSearchParams(''))).toEqual([DEFAULT_PANEL]);
  });

  it('turns options into the API\'s Thanos parameters', () => {
    expect(thanosParams({ ...DEFAULT_PANEL, dedup: false, maxSourceResolution: '1h' }))
      .toEqual({ dedup: 'false', partial_response: 'false', max_source_resolution: '1h' });
  });
});

describe('time', () => {
  it.each([
    { name: 'minutes', s: '5m', ms: 300_000 },
    { name: 'compound', s: '1h30m', ms: 5400_000 },
    { name: 'weeks and days', s: '1w2d', ms: 9 * 86400_000 },
    { name: 'millis', s: '1s500ms', ms: 1500 },
  ])('parses and formats $name', ({ s, ms }) => {
    expect(parseDuration(s)).toBe(ms);
    expect(formatDuration(ms)).toBe(s);
  });

  it('rejects malformed durations and times', () => {
    for (const s of ['', '5', 'm5', '1h 2m', '0s', '-1m']) expect(parseDuration(s), s).toBeNull();
    for (const s of ['2026-01-02', 'yesterday', '2026-13-02 25:00']) expect(parseTime(s), s).toBeNull();
  });

  it('formats times in UTC and steps ranges like Prometheus', () => {
    const t = Date.UTC(2026, 10, 21, 9, 8, 7);
    expect(formatTime(t)).toBe('2026-11-21 09:08:07');
    expect(parseTime('2026-11-21 09:08:07')).toBe(t);
    expect(parseTime('2026-11-21 09:08')).toBe(t - 7000);
    expect(widerRange(3600_000)).toBe(2 * 3600_000);
    expect(narrowerRange(3600_000)).toBe(30 * 60_000);
    expect(widerRange(45 * 60_000)).toBe(3600_000);
    expect(defaultStepSeconds(3600_000)).toBe(14);
    expect(defaultStepSeconds(60_000)).toBe(1);
  });
});

describe('series and chart data', () => {
  it('writes series as PromQL does', () => {
    expect(formatSeries({ __name__: 'up', job: 'a', instance: 'x"y' })).toBe('up{instance="x\\"y", job="a"}');
    expect(formatSeries({ __name__: 'up' })).toBe('up');
    expect(formatSeries({})).toBe('{}');
  });

  it('aligns series on one time axis with gaps, and stacks them', () => {
    const { xs, ys } = alignSeries([
      { metric: { k: 'a' }, values: [[1, '1'], [2, '2'], [3, 'NaN']] },
      { metric: { k: 'b' }, values: [[2, '10'], [4, '+Inf']] },
    ]);
    expect(xs).toEqual([1, 2, 3, 4]);
    expect(ys).toEqual([[1, 2, null, null], [null, 10, null, null]]);
    expect(stack([[1, 2, null], [5, null, 3]])).toEqual([[1, 2, null], [6, null, 3]]);
  });
});
