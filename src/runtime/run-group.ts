// Lifecycle of a mode, after oklog/run as upstream uses it: actors start together; when the first one returns
// (or fails, or the group is interrupted by a signal), every actor is stopped in reverse order of registration.
import type { Logger } from './logger.js';
import { errorMessage } from './errors.js';

export interface Actor {
  readonly name: string;
  /** Runs until done or until `signal` aborts; resolving early stops the whole group. */
  run(signal: AbortSignal): Promise<void>;
  /** Stops the actor; called once, in reverse order of registration. */
  stop?(reason: unknown): Promise<void>;
}

export class RunGroup {
  private readonly actors: Actor[] = [];
  private readonly controller = new AbortController();

  constructor(private readonly logger: Logger) {}

  add(actor: Actor): void {
    this.actors.push(actor);
  }

  /** Stops the group from outside (a signal handler). */
  interrupt(reason: unknown): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /**
   * Runs every actor; resolves with the reason the group stopped (the first actor's error, or the interrupt reason)
   * once every actor has been stopped.
   */
  async run(): Promise<unknown> {
    const signal = this.controller.signal;
    const runs = this.actors.map((actor) =>
      actor.run(signal).then(
        () => this.interrupt(new Error(`${actor.name} exited`)),
        (err: unknown) => this.interrupt(err),
      ),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const reason: unknown = signal.reason;
    for (const actor of [...this.actors].reverse()) {
      try {
        await actor.stop?.(reason);
      } catch (err) {
        this.logger.error('stopping actor', { actor: actor.name, err: errorMessage(err) });
      }
    }
    await Promise.allSettled(runs);
    return reason;
  }
}

/** Resolves when `signal` aborts; the run body of actors that only serve until stopped. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
