// The logger's line format: logfmt as go-kit writes it (level, ts, caller, msg, then fields), and JSON.
import { describe, expect, it } from 'vitest';
import { createLogger, logfmtValue } from '../../src/runtime/logger.js';

const fixed = () => new Date(Date.UTC(2026, 10, 21, 10, 0, 0, 123));

function capture(format: 'logfmt' | 'json', level: 'debug' | 'info' = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ format, level, now: fixed, write: (l) => lines.push(l) });
  return { logger, lines };
}

describe('logger', () => {
  it('writes logfmt with level, ts, caller, msg and fields in order', () => {
    const { logger, lines } = capture('logfmt');
    logger.info('starting sidecar', { component: 'sidecar', blocks: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^level=info ts=2026-11-21T10:00:00\.123Z caller=logger\.test\.ts:\d+ msg="starting sidecar" component=sidecar blocks=3$/);
  });

  it('quotes values as logfmt does', () => {
    expect(logfmtValue('simple')).toBe('simple');
    expect(logfmtValue('')).toBe('""');
    expect(logfmtValue('two words')).toBe('"two words"');
    expect(logfmtValue('a=b')).toBe('"a=b"');
    expect(logfmtValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(logfmtValue('line\nbreak')).toBe('"line\\nbreak"');
  });

  it('adds fields from with() to every line, before the message', () => {
    const { logger, lines } = capture('logfmt');
    logger.with({ component: 'shipper' }).warn('upload failed', { block: '01ABC', err: new Error('timeout') });
    expect(lines[0]).toMatch(/^level=warn ts=\S+ caller=\S+ component=shipper msg="upload failed" block=01ABC err=timeout$/);
  });

  it('drops lines below the configured level', () => {
    const { logger, lines } = capture('logfmt', 'info');
    logger.debug('hidden');
    logger.error('shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('level=error');
  });

  it('writes JSON objects with the same keys', () => {
    const { logger, lines } = capture('json');
    logger.info('ready', { port: 10902 });
    const obj = JSON.parse(lines[0]!) as Record<string, string>;
    expect(obj).toMatchObject({ level: 'info', ts: '2026-11-21T10:00:00.123Z', msg: 'ready', port: '10902' });
    expect(obj['caller']).toMatch(/^logger\.test\.ts:\d+$/);
  });
});
