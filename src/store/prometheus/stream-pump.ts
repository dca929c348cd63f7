// Turns a pushed HTTP body into batches for an async consumer: each piece is handled by a synchronous step as it
// arrives (the piece is borrowed, so the step copies what it keeps), and only the step's output crosses an await,
// in groups: one await per group instead of per output (one gRPC message per series, ~10k a query).
import type { BodySink } from './http-stream.js';

/** A body that pushes borrowed pieces into a sink, with flow control (an http-stream response). */
export interface PushedBody {
  readonly readBody: (sink: BodySink) => void;
  readonly pause: () => void;
  readonly resume: () => void;
  readonly destroy: () => void;
}

/**
 * `step` appends its output for a piece to `out` and returns false to stop reading (the body is then dropped).
 * Yields everything made since the consumer last asked as one array; reading pauses while `highWater` outputs wait.
 * A failure of the body or of `step` is thrown to the consumer.
 */
export async function* pumpBodyGroups<T>(body: PushedBody, step: (piece: Buffer, out: T[]) => boolean, highWater = 16): AsyncGenerator<T[]> {
  let queue: T[] = [];
  let ended = false;
  let failed = false;
  let failure: unknown;
  let paused = false;
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
  body.readBody({
    data: (piece) => {
      if (ended) return;
      try {
        if (!step(piece, queue)) {
          stop();
          body.destroy();
        }
      } catch (err) {
        stop(err);
        body.destroy();
      }
      if (!ended && queue.length >= highWater && !paused) {
        paused = true;
        body.pause();
      }
      notify();
    },
    end: () => stop(),
    error: (err) => stop(err),
  });
  try {
    for (;;) {
      if (queue.length > 0) {
        const group = queue;
        queue = [];
        if (paused && !ended) {
          paused = false;
          body.resume();
        }
        yield group;
        continue;
      }
      if (failed) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    if (!ended) {
      ended = true;
      body.destroy();
    }
  }
}
