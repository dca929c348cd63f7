// Entry of the WAL replay worker thread (feed-worker.ts starts it): reads the WAL (walFeed), applies samples to
// chunks itself (ChunkReplayer) and posts the series records, damage, and at the end the chunks built, to the
// replaying thread, transferring buffers and waiting while too many messages are unapplied.

import { parentPort, workerData } from 'node:worker_threads';
import { BugError } from '../../runtime/errors.js';
import type { FeedPart } from '../wal/replay-feed.js';
import { IN_FLIGHT, MAX_IN_FLIGHT, STOP, ownedBuffers, walFeed } from '../wal/replay-feed.js';
import { ChunkReplayer, chunksBuffers } from './replay-chunks.js';

const port = parentPort;
if (port) {
  const { parts, shared, minValidTime, chunkRange } = workerData as { parts: FeedPart[]; shared: SharedArrayBuffer; minValidTime: number; chunkRange: number };
  const s = new Int32Array(shared);
  const chunks = new ChunkReplayer(minValidTime, chunkRange);
  const post = (m: unknown, transfer: ArrayBuffer[]): boolean => {
    let v: number;
    while ((v = Atomics.load(s, IN_FLIGHT)) >= MAX_IN_FLIGHT && Atomics.load(s, STOP) === 0) Atomics.wait(s, IN_FLIGHT, v, 1000);
    if (Atomics.load(s, STOP) !== 0) return false;
    Atomics.add(s, IN_FLIGHT, 1);
    port.postMessage(m, transfer);
    return true;
  };
  for (const m of walFeed(parts)) {
    if (m.kind === 'samples') { chunks.apply(m); continue; }
    if (m.kind === 'series') chunks.series(m.rec);
    if (m.kind === 'end') {
      const c = chunks.finish();
      if (!post(c, chunksBuffers(c))) break;
    }
    if (!post(m, ownedBuffers(m))) break;
  }
} else {
  throw new BugError('replay-worker.ts runs as a worker thread only');
}
