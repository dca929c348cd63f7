// Entry of the WAL feed worker thread (feed-worker.ts starts it): posts walFeed's messages to the replaying
// thread, transferring their buffers, and waits while too many are unapplied so a large WAL is never all in memory.

import { parentPort, workerData } from 'node:worker_threads';
import { BugError } from '../../runtime/errors.js';
import type { FeedPart } from './replay-feed.js';
import { IN_FLIGHT, MAX_IN_FLIGHT, STOP, ownedBuffers, walFeed } from './replay-feed.js';

const port = parentPort;
if (port) {
  const { parts, shared } = workerData as { parts: FeedPart[]; shared: SharedArrayBuffer };
  const s = new Int32Array(shared);
  for (const m of walFeed(parts)) {
    let v: number;
    while ((v = Atomics.load(s, IN_FLIGHT)) >= MAX_IN_FLIGHT && Atomics.load(s, STOP) === 0) Atomics.wait(s, IN_FLIGHT, v, 1000);
    if (Atomics.load(s, STOP) !== 0) break;
    Atomics.add(s, IN_FLIGHT, 1);
    port.postMessage(m, ownedBuffers(m));
  }
} else {
  throw new BugError('replay-worker.ts runs as a worker thread only');
}
