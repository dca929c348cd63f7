// Small named async primitives shared by the long-running loops of every mode.
import { AbortError } from './errors.js';

/**
 * Each item as a one-item group: adapts a stream made one item at a time to a consumer that takes groups (one
 * await per group), e.g. stores without grouped Series.
 */
export async function* groupsOfOne<T>(items: AsyncIterable<T>): AsyncGenerator<T[]> {
  for await (const x of items) yield [x];
}

/** Resolves after `ms`; rejects with AbortError as soon as `signal` aborts (for calls that must not go on). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError());
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new AbortError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Resolves after `ms`, or at once when `signal` aborts: the wait between rounds of a loop that checks
 * `signal.aborted` itself, e.g. `while (!signal.aborted) { await work(); await pause(interval, signal); }`.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
