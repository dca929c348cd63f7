// Runs the WAL replay worker (replay-worker.ts) and hands its messages over in order, as an async iterable: the
// replaying thread's event loop keeps turning while the WAL is read, decoded and its samples cut into chunks beside it.

import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeedMessage, FeedPart } from '../wal/replay-feed.js';
import { IN_FLIGHT, STOP } from '../wal/replay-feed.js';
import type { ReplayedChunks } from './replay-chunks.js';

/** What the worker sends: the feed without samples (applied there), and the chunks built before 'end'. */
export type WorkerMessage = Exclude<FeedMessage, { kind: 'samples' }> | ReplayedChunks;

/** The worker entry: the compiled replay-worker.js, or from TypeScript sources (tests) the .ts file through tsx. */
function startWorker(workerData: unknown): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./replay-worker.js', here), { workerData });
  const tsx = pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./replay-worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * The replay of `parts` on a worker thread (samples before `minValidTime` dropped, chunks of `chunkRange`). Each
 * message counts as applied once the next one is asked for; ending the iteration early (break or throw) stops the
 * worker.
 */
export async function* workerFeed(parts: readonly FeedPart[], minValidTime: number, chunkRange: number): AsyncGenerator<WorkerMessage> {
  const shared = new SharedArrayBuffer(8);
  const s = new Int32Array(shared);
  const worker = startWorker({ parts, shared, minValidTime, chunkRange });
  const queue: WorkerMessage[] = [];
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  const poke = (): void => { const w = wake; wake = undefined; w?.(); };
  worker.on('message', (m: WorkerMessage) => { queue.push(m); poke(); });
  worker.on('error', (err) => { failure = err; poke(); });
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0 && !failure) failure = new Error(`WAL feed worker exited with code ${code}`);
    poke();
  });
  try {
    for (;;) {
      const m = queue.shift();
      if (m) {
        yield m;
        Atomics.sub(s, IN_FLIGHT, 1);
        Atomics.notify(s, IN_FLIGHT);
        if (m.kind === 'end' || m.kind === 'malformed') return;
        continue;
      }
      if (failure) throw failure;
      if (exited) throw new Error('WAL feed worker stopped before the end of the WAL');
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  } finally {
    if (!exited) {
      Atomics.store(s, STOP, 1);
      Atomics.notify(s, IN_FLIGHT);
      await worker.terminate();
    }
  }
}
