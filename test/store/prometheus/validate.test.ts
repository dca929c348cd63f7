// validateBlockDurations: upstream's refusal to ship while Prometheus compacts its own blocks.
import { describe, expect, it } from 'vitest';
import { validateBlockDurations } from '../../../src/store/prometheus/validate.js';
import { ConfigError } from '../../../src/runtime/errors.js';
import type { LogFields, Logger } from '../../../src/runtime/logger.js';

function recorder(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    debug() {}, info() {}, error() {},
    warn(msg: string, _f?: LogFields) { warnings.push(msg); },
    with() { return logger; },
  };
  return { logger, warnings };
}

describe('validateBlockDurations', () => {
  it('accepts equal 2h durations silently', () => {
    const r = recorder();
    validateBlockDurations({ 'storage.tsdb.min-block-duration': '2h', 'storage.tsdb.max-block-duration': '2h' }, r.logger);
    expect(r.warnings).toEqual([]);
  });

  it('accepts equal non-2h durations with a warning', () => {
    const r = recorder();
    validateBlockDurations({ 'storage.tsdb.min-block-duration': '5m', 'storage.tsdb.max-block-duration': '5m' }, r.logger);
    expect(r.warnings).toEqual(['found that TSDB block time is not 2h. Only 2h block time is recommended.']);
  });

  it('rejects local compaction with upstream\'s message', () => {
    expect(() => validateBlockDurations({ 'storage.tsdb.min-block-duration': '2h', 'storage.tsdb.max-block-duration': '1d12h' }, recorder().logger))
      .toThrow(new ConfigError('found that TSDB Max time is 1d12h and Min time is 2h. Compaction needs to be disabled (storage.tsdb.min-block-duration = storage.tsdb.max-block-duration)'));
  });
});
