// A counting gate bounding how many store calls one request runs at once (upstream's gate.Gate).
//
//   const gate = new Gate(4);
//   const release = await gate.acquire(signal);
//   try { await call(); } finally { release(); }

import { AbortError } from '../runtime/errors.js';

export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** `limit` <= 0 means unlimited. */
  constructor(private readonly limit: number) {}

  /** Resolves with a release function once a slot is free; rejects with AbortError if `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new AbortError('gate wait aborted'));
    if (this.limit <= 0 || this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortError('gate wait aborted'));
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(this.releaser());
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}
