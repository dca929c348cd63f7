// Running the compactor as upstream's `compact` does: one iteration and exit (non-zero on any failure), or with
// --wait an iteration every --wait-interval (the next starts at once when one took longer), plus the background
// cleanup every --compact.cleanup-interval. In --wait mode halts and failures never end the process: halted groups
// are skipped, the rest goes on, and the caller is told of halts through the compactor's onHalt.

import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { BucketCompactor } from './bucket-compactor.js';

export interface RunCompactorOptions {
  readonly wait: boolean;
  readonly waitIntervalMs: number;
  /** 0 disables the background cleanup (it then runs only at the end of each iteration). */
  readonly cleanupIntervalMs: number;
  readonly logger: Logger;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(); return; }
    const t = setTimeout(() => { signal.removeEventListener('abort', done); resolve(); }, ms);
    const done = (): void => { clearTimeout(t); resolve(); };
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs until done (one-shot) or until `signal` aborts (--wait). One-shot rejects when anything failed or halted. */
export async function runCompactor(c: BucketCompactor, o: RunCompactorOptions, signal: AbortSignal): Promise<void> {
  if (!o.wait) {
    const r = await c.iterate(signal);
    const problems = [...r.halts.map((h) => `halted group ${h.group}: ${h.message} (to resolve: ${h.remedy})`), ...r.errors.map(errorMessage)];
    if (problems.length > 0) throw new Error(`compaction failed: ${problems.join('; ')}`);
    c.metrics.iterations.inc();
    o.logger.info('compaction iterations done', { compactions: r.compactions });
    return;
  }
  const background = o.cleanupIntervalMs > 0 ? (async () => {
    while (!signal.aborted) {
      await sleep(o.cleanupIntervalMs, signal);
      if (signal.aborted) break;
      try {
        await c.cleanup(signal);
      } catch (err) {
        if (!signal.aborted) o.logger.error('cleanup of marked blocks and partial uploads failed; will retry', { err: errorMessage(err) });
      }
    }
  })() : Promise.resolve();
  while (!signal.aborted) {
    const started = Date.now();
    try {
      const r = await c.iterate(signal);
      if (r.errors.length === 0 && r.halts.length === 0) c.metrics.iterations.inc();
      else if (r.errors.length > 0) c.metrics.retries.inc();
      o.logger.info('compaction iteration done', { compactions: r.compactions, failures: r.errors.length, halted_groups: c.halted.size });
    } catch (err) {
      if (signal.aborted) break;
      c.metrics.retries.inc();
      o.logger.error('retriable error', { err: errorMessage(err) });
    }
    await sleep(Math.max(0, o.waitIntervalMs - (Date.now() - started)), signal);
  }
  await background;
}
