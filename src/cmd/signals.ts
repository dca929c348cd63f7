// Runs a mode's RunGroup until an actor stops or SIGINT/SIGTERM arrives; signals are handled only here (and main).
import type { Logger } from '../runtime/logger.js';
import type { RunGroup } from '../runtime/run-group.js';

class SignalReceived extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`received ${signal}`);
  }
}

/** Thrown by the actor of a mode that finishes its work and exits 0 (one-shot `compact`), ending the group cleanly. */
export class ModeCompleted extends Error {}

/** Resolves once the group has stopped because of a signal; rejects with the actor error that stopped it otherwise. */
export async function runUntilSignal(group: RunGroup, logger: Logger): Promise<void> {
  const onSignal = (signal: NodeJS.Signals): void => {
    logger.info('caught signal. Exiting.', { signal });
    group.interrupt(new SignalReceived(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const reason = await group.run();
    if (reason instanceof SignalReceived || reason instanceof ModeCompleted) return;
    throw reason;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
