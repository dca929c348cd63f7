// Output memory for the sidecar's Series answers, reused across calls: a 10k-series answer is ~14 MB of messages,
// and allocating that fresh per call made V8 run a full mark-compact every call or two (external memory pressure).
// A slab goes back to the pool only once it is sealed (no more writes) and every message cut from it is released.

/** Size of a pooled slab; a message that does not fit one gets memory of its own. */
export const SLAB_BYTES = 1 << 20;
/** Idle slabs kept for reuse (8 MB at most). */
const MAX_IDLE = 8;

interface SlabState {
  /** Messages handed out and not yet released. */
  outstanding: number;
  /** No more messages will be cut from it. */
  sealed: boolean;
  readonly pooled: boolean;
}

export class SlabPool {
  private readonly idle: Buffer[] = [];
  private readonly states = new WeakMap<ArrayBufferLike, SlabState>();
  /** Slabs allocated so far (the rest of take() calls were served from the pool). */
  allocations = 0;

  /** A slab of at least `min` bytes. */
  take(min = SLAB_BYTES): Buffer {
    const pooled = min <= SLAB_BYTES;
    let slab = pooled ? this.idle.pop() : undefined;
    if (slab === undefined) {
      slab = Buffer.allocUnsafeSlow(pooled ? SLAB_BYTES : min);
      this.allocations++;
    }
    this.states.set(slab.buffer, { outstanding: 0, sealed: false, pooled });
    return slab;
  }

  /** Counts a message cut from `slab`; it must be released once (see release). */
  handOut(slab: Buffer): void {
    this.states.get(slab.buffer)!.outstanding++;
  }

  /** The writer is done with `slab`. */
  seal(slab: Buffer): void {
    const s = this.states.get(slab.buffer);
    if (s === undefined || s.sealed) return;
    s.sealed = true;
    this.maybeReuse(slab.buffer, s);
  }

  /** The consumer is done with `message` (its bytes are not read again); messages from other memory are ignored. */
  release(message: Uint8Array): void {
    const s = this.states.get(message.buffer);
    if (s === undefined || s.outstanding === 0) return;
    s.outstanding--;
    this.maybeReuse(message.buffer, s);
  }

  private maybeReuse(buffer: ArrayBufferLike, s: SlabState): void {
    if (!s.sealed || s.outstanding > 0) return;
    this.states.delete(buffer);
    if (s.pooled && this.idle.length < MAX_IDLE) this.idle.push(Buffer.from(buffer as ArrayBuffer, 0, SLAB_BYTES));
  }
}

/** The pool of the process: every sidecar Series call draws from it. */
export const seriesSlabs = new SlabPool();
