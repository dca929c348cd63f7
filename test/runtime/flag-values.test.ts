// Table tests of the flag value parsers against the examples Prometheus and Thanos document.
import { describe, expect, it } from 'vitest';
import { parseBytes, parseGoBool, parseHostPort, parseTimeOrDuration } from '../../src/runtime/flag-values.js';

const S = 1000, M = 60 * S, H = 60 * M, D = 24 * H, W = 7 * D;

describe('parseBytes', () => {
  it.each([
    { name: 'index cache default', in: '250MB', bytes: 250 * 2 ** 20 },
    { name: 'chunk pool default', in: '2GB', bytes: 2 * 2 ** 30 },
    { name: 'megabytes', in: '500MB', bytes: 500 * 2 ** 20 },
    { name: 'IEC gibibytes', in: '1GiB', bytes: 2 ** 30 },
    { name: 'kilobytes', in: '250KB', bytes: 250 * 1024 },
    { name: 'plain bytes', in: '512B', bytes: 512 },
    { name: 'zero', in: '0', bytes: 0 },
    { name: 'block max index size default', in: '64GB', bytes: 64 * 2 ** 30 },
    { name: 'lower-case unit', in: '10mb', bytes: 10 * 2 ** 20 },
    { name: 'compound', in: '1GB512MB', bytes: 2 ** 30 + 512 * 2 ** 20 },
  ])('parses $name ($in)', ({ in: s, bytes }) => {
    expect(parseBytes(s)).toBe(bytes);
  });

  it.each([
    { name: 'unknown unit', in: '5XB' },
    { name: 'empty', in: '' },
    { name: 'garbage', in: 'lots' },
    { name: 'trailing junk', in: '5MB!' },
  ])('rejects $name ($in)', ({ in: s }) => {
    expect(() => parseBytes(s)).toThrow();
  });
});

describe('parseTimeOrDuration', () => {
  const now = () => Date.UTC(2026, 10, 21, 12, 0, 0);
  it.each([
    { name: 'RFC3339', in: '2026-01-02T15:04:05Z', ms: Date.UTC(2026, 0, 2, 15, 4, 5) },
    { name: 'RFC3339 with offset', in: '2026-01-02T15:04:05+02:00', ms: Date.UTC(2026, 0, 2, 13, 4, 5) },
    { name: 'relative past', in: '-2w', ms: now() - 2 * W },
    { name: 'relative compound', in: '-6h30m', ms: now() - 6 * H - 30 * M },
    { name: 'relative future without sign', in: '2h45m', ms: now() + 2 * H + 45 * M },
    { name: 'far future default', in: '9999-12-31T23:59:59Z', ms: Date.UTC(9999, 11, 31, 23, 59, 59) },
  ])('parses $name ($in)', ({ in: s, ms }) => {
    expect(parseTimeOrDuration(s, now)).toBe(ms);
  });

  it('rejects a value that is neither', () => {
    expect(() => parseTimeOrDuration('yesterday', now)).toThrow('not a valid duration string');
  });
});

describe('parseGoBool and parseHostPort', () => {
  it.each(['1', 't', 'true', 'TRUE', 'True'])('reads %s as true', (s) => expect(parseGoBool(s)).toBe(true));
  it.each(['0', 'f', 'false', 'FALSE'])('reads %s as false', (s) => expect(parseGoBool(s)).toBe(false));
  it('rejects yes', () => expect(() => parseGoBool('yes')).toThrow('invalid syntax'));
  it.each([
    { in: '0.0.0.0:10902', host: '0.0.0.0', port: 10902 },
    { in: ':9090', host: '0.0.0.0', port: 9090 },
    { in: '[::1]:10901', host: '::1', port: 10901 },
  ])('splits $in', ({ in: s, host, port }) => expect(parseHostPort(s)).toEqual({ host, port }));
  it('rejects an address without port', () => expect(() => parseHostPort('localhost')).toThrow('not host:port'));
});
