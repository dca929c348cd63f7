// Checks upstream's sidecar makes before shipping blocks: Prometheus must not compact its own blocks (min and max
// block durations equal), or the shipper would upload overlapping data; a block duration other than 2h is warned about.
import type { Logger } from '../../runtime/logger.js';
import { ConfigError } from '../../runtime/errors.js';
import { parseDuration } from '../../runtime/duration.js';

const TWO_HOURS = 2 * 3600_000;

/** Throws ConfigError when Prometheus's flags allow local compaction; `flags` as GET /api/v1/status/flags returns them. */
export function validateBlockDurations(flags: Readonly<Record<string, string>>, logger: Logger): void {
  const minRaw = flags['storage.tsdb.min-block-duration'];
  const maxRaw = flags['storage.tsdb.max-block-duration'];
  if (minRaw === undefined || maxRaw === undefined) {
    throw new ConfigError('prometheus does not report storage.tsdb.min-block-duration / max-block-duration; cannot check that its compaction is disabled');
  }
  const min = parseDuration(minRaw);
  const max = parseDuration(maxRaw);
  if (min !== max) {
    throw new ConfigError(`found that TSDB Max time is ${maxRaw} and Min time is ${minRaw}. Compaction needs to be disabled (storage.tsdb.min-block-duration = storage.tsdb.max-block-duration)`);
  }
  if (min !== TWO_HOURS) logger.warn('found that TSDB block time is not 2h. Only 2h block time is recommended.', { block_time: minRaw });
}
