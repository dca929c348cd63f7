// The store gateway's background work: sync the bucket every --sync-block-duration (the first sync decides
// readiness) and unload lazily loaded index-headers that went idle.

import { AbortError, errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { BucketStore } from './bucket-store.js';
import { pause } from '../../runtime/async.js';

export interface SyncLoopOptions {
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Called once after the first successful sync (readiness). */
  readonly onFirstSync?: () => void;
  /** How often to look for idle index-headers; 0 = never (eager mode). */
  readonly idleCheckMs?: number;
}


/** Runs until `signal` aborts. The first sync is retried until it succeeds; later failures are logged and retried. */
export async function runSyncLoop(store: BucketStore, options: SyncLoopOptions, signal: AbortSignal): Promise<void> {
  let first = true;
  let lastSync = 0;
  const tick = Math.max(1, Math.min(options.intervalMs, options.idleCheckMs && options.idleCheckMs > 0 ? options.idleCheckMs : options.intervalMs));
  while (!signal.aborted) {
    if (first || Date.now() - lastSync >= options.intervalMs) {
      try {
        await store.sync(signal);
        lastSync = Date.now();
        if (first) {
          first = false;
          options.logger.info('initial synchronization done', { blocks: store.blockIds().length });
          options.onFirstSync?.();
        }
      } catch (err) {
        if (err instanceof AbortError || signal.aborted) break;
        options.logger.warn('syncing blocks failed', { err: errorMessage(err) });
        if (first) { await pause(Math.min(5000, options.intervalMs), signal); continue; }
        lastSync = Date.now();
      }
    }
    if (options.idleCheckMs && options.idleCheckMs > 0) {
      const n = await store.unloadIdle();
      if (n > 0) options.logger.debug('unloaded idle index-headers', { count: n });
    }
    await pause(tick, signal);
  }
}
