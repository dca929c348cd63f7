// Retention per resolution (upstream compact.ApplyRetentionPolicyByResolution): a block is marked for deletion once
// `now` is past its maxTime (at second precision) plus the retention of its resolution; 0 keeps it forever.

import type { Bucket } from '../objstore/bucket.js';
import { DELETION_MARK_FILENAME } from '../block/markers.js';
import { RESOLUTION_1H, RESOLUTION_5M, RESOLUTION_RAW, type ThanosMeta } from '../block/meta.js';
import type { Logger } from '../runtime/logger.js';
import { formatGoDuration } from '../runtime/duration.js';
import { markBlock } from './marks.js';
import type { CompactMetrics } from './metrics.js';

/** Retention in ms per resolution (ms); 0 = forever. */
export interface RetentionByResolution {
  readonly raw: number;
  readonly fiveMinutes: number;
  readonly oneHour: number;
}

export function retentionFor(r: RetentionByResolution, resolution: number): number {
  switch (resolution) {
    case RESOLUTION_RAW: return r.raw;
    case RESOLUTION_5M: return r.fiveMinutes;
    case RESOLUTION_1H: return r.oneHour;
    default: return 0;
  }
}

/** The blocks past their retention at `now`. */
export function blocksPastRetention(metas: Iterable<ThanosMeta>, r: RetentionByResolution, now: number): ThanosMeta[] {
  const out: ThanosMeta[] = [];
  for (const m of metas) {
    const keep = retentionFor(r, m.thanos.downsample.resolution);
    if (keep <= 0) continue;
    if (now > Math.trunc(m.maxTime / 1000) * 1000 + keep) out.push(m);
  }
  return out;
}

/** Marks every block past retention for deletion; returns the IDs newly marked. */
export async function applyRetention(
  bucket: Bucket, metas: Iterable<ThanosMeta>, r: RetentionByResolution,
  o: { now: number; logger: Logger; metrics?: CompactMetrics; signal?: AbortSignal },
): Promise<string[]> {
  const marked: string[] = [];
  for (const m of blocksPastRetention(metas, r, o.now)) {
    const keep = retentionFor(r, m.thanos.downsample.resolution);
    const details = `block exceeding retention of ${formatGoDuration(keep)}`;
    o.logger.info('applying retention: marking block for deletion', { id: m.ulid, maxTime: new Date(m.maxTime).toISOString(), details });
    const outcome = await markBlock(bucket, m.ulid, DELETION_MARK_FILENAME, { details, now: o.now, ...(o.signal ? { signal: o.signal } : {}) });
    if (outcome === 'written') {
      o.metrics?.blocksMarked.inc({ marker: DELETION_MARK_FILENAME, reason: '' });
      marked.push(m.ulid);
    }
  }
  return marked;
}
