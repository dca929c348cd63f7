// Reads a Node stream through 'data' events and yields what a synchronous step makes of each chunk. The remote
// read answer arrives as one HTTP chunk per frame (~10k per query), and an async iterator per chunk costs more than
// the work done on it; here chunks are handled as they come and only the (batched) output crosses an await.
import type { Readable } from 'node:stream';
import { finished } from 'node:stream';

/**
 * `step` appends its output for a chunk to `out` and returns false to stop reading (the stream is then destroyed).
 * Reading pauses while `highWater` outputs wait for the consumer. A stream error or premature close is thrown.
 */
export async function* pumpStream<T>(stream: Readable, step: (chunk: Buffer, out: T[]) => boolean, highWater = 16): AsyncGenerator<T> {
  for await (const group of pumpStreamGroups(stream, step, highWater)) yield* group;
}

/**
 * Like pumpStream, but yields everything made since the consumer last asked as one array: one await per group
 * instead of per output, which matters when outputs are small and many (one gRPC message per series).
 */
export async function* pumpStreamGroups<T>(stream: Readable, step: (chunk: Buffer, out: T[]) => boolean, highWater = 16): AsyncGenerator<T[]> {
  let queue: T[] = [];
  let ended = false;
  let failed = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = (err?: unknown): void => {
    if (ended) return;
    ended = true;
    if (err !== undefined) {
      failed = true;
      failure = err;
    }
    notify();
  };
  const onData = (chunk: Buffer): void => {
    if (ended) return;
    try {
      if (!step(chunk, queue)) {
        stop();
        stream.destroy();
      }
    } catch (err) {
      stop(err);
      stream.destroy();
    }
    if (queue.length >= highWater) stream.pause();
    notify();
  };
  const cleanup = finished(stream, (err) => stop(err ?? undefined));
  stream.on('data', onData);
  try {
    for (;;) {
      if (queue.length > 0) {
        const group = queue;
        queue = [];
        if (!ended && stream.isPaused()) stream.resume();
        yield group;
        continue;
      }
      if (failed) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('data', onData);
    cleanup();
    if (!stream.destroyed) stream.destroy();
  }
}
