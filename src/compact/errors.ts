// The compactor's error classes (upstream pkg/compact HaltError / RetryError): a halt means continuing could damage
// the bucket (overlaps, a broken result), so the group stops until an operator acts; a retry is an object-storage
// hiccup that the next iteration redoes. Anything else is an ordinary failure of that group's run.

/** Compaction of a group must stop; `remedy` is the command line that resolves it. */
export class HaltError extends Error {
  constructor(message: string, readonly group: string, readonly blocks: readonly string[], readonly remedy: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HaltError';
  }
}

/** A failure the next iteration retries (download, upload, mark, delete). */
export class RetryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryError';
  }
}

export const isHalt = (err: unknown): err is HaltError => err instanceof HaltError;
export const isRetry = (err: unknown): err is RetryError => err instanceof RetryError;
