// Table tests of the duration parser and printers against what Prometheus's model.Duration and Go's
// time.Duration.String() produce.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatGoDuration, formatGoDurationNs, parseDuration, tryParseDuration } from '../../src/runtime/duration.js';

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H, W = 7 * D, Y = 365 * D;

describe('parseDuration', () => {
  it.each([
    { name: 'zero alone', in: '0', ms: 0 },
    { name: 'zero seconds', in: '0s', ms: 0 },
    { name: 'milliseconds', in: '324ms', ms: 324 },
    { name: 'seconds', in: '3s', ms: 3 * S },
    { name: 'minutes', in: '5m', ms: 5 * M },
    { name: 'hours', in: '1h', ms: H },
    { name: 'days', in: '4d', ms: 4 * D },
    { name: 'days and hours', in: '4d1h', ms: 4 * D + H },
    { name: 'weeks', in: '3w', ms: 3 * W },
    { name: 'weeks and days', in: '1w2d', ms: W + 2 * D },
    { name: 'years', in: '10y', ms: 10 * Y },
    { name: 'every unit', in: '1y1w1d1h1m1s1ms', ms: Y + W + D + H + M + S + 1 },
    { name: 'hours and minutes', in: '1h30m', ms: H + 30 * M },
    { name: 'retention default', in: '0d', ms: 0 },
    { name: 'two minutes grace', in: '2m', ms: 2 * M },
  ])('parses $name ($in)', ({ in: s, ms }) => {
    expect(parseDuration(s)).toBe(ms);
  });

  it.each([
    { name: 'empty', in: '', err: 'empty duration string' },
    { name: 'unknown unit', in: '5x', err: 'not a valid duration string: "5x"' },
    { name: 'fraction', in: '1.5h', err: 'not a valid duration string' },
    { name: 'negative', in: '-1s', err: 'not a valid duration string' },
    { name: 'units out of order', in: '1m1h', err: 'not a valid duration string' },
    { name: 'unit repeated', in: '1h1h', err: 'not a valid duration string' },
    { name: 'no number', in: 'h', err: 'not a valid duration string' },
    { name: 'spaces', in: '1h 30m', err: 'not a valid duration string' },
  ])('rejects $name ($in)', ({ in: s, err }) => {
    expect(() => parseDuration(s)).toThrow(err);
  });

  it.each([
    { ms: 0, out: '0s' }, { ms: 90 * M, out: '1h30m' }, { ms: 2 * W, out: '2w' }, { ms: 1500, out: '1s500ms' },
  ])('formats $ms ms as $out', ({ ms, out }) => {
    expect(formatDuration(ms)).toBe(out);
  });
});

describe('tryParseDuration', () => {
  it('answers undefined instead of throwing', () => {
    expect(tryParseDuration('1h30m')).toBe(90 * M);
    expect(tryParseDuration('1.5h')).toBeUndefined();
    expect(tryParseDuration('')).toBeUndefined();
  });
});

describe("Go's time.Duration.String()", () => {
  // Expected strings as Go prints time.Duration(x).String() for the same spans.
  it.each([
    { ms: 0, out: '0s' }, { ms: 1, out: '1ms' }, { ms: 500, out: '500ms' }, { ms: S, out: '1s' },
    { ms: 1500, out: '1.5s' }, { ms: 90 * S, out: '1m30s' }, { ms: 2 * H, out: '2h0m0s' },
    { ms: 2 * H - M + 1, out: '1h59m0.001s' }, { ms: 48 * H, out: '48h0m0s' }, { ms: -5 * M, out: '-5m0s' },
    { ms: 10 * Y, out: '87600h0m0s' },
  ])('formats $ms ms as $out', ({ ms, out }) => {
    expect(formatGoDuration(ms)).toBe(out);
    if (Math.abs(ms) * 1e6 < 2 ** 53) expect(formatGoDurationNs(ms * 1e6)).toBe(out);
  });

  it.each([
    { ns: 250, out: '250ns' }, { ns: 1500, out: '1.5µs' }, { ns: 1_500_000, out: '1.5ms' }, { ns: 1_000_000_001, out: '1.000000001s' },
  ])('formats $ns ns as $out', ({ ns, out }) => {
    expect(formatGoDurationNs(ns)).toBe(out);
  });
});
