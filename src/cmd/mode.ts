// Declaring a mode (a subcommand) with its flags, and the one error a mode that is not built yet raises.
import type { Command } from 'commander';
import type { FlagSpec } from './flags.js';
import { FlagReader, declareFlags } from './flags.js';
import { ThanosError } from '../runtime/errors.js';

/** Raised by a mode whose implementation has not landed yet: the CLI says so plainly and exits 1. */
export class NotBuiltError extends ThanosError {
  constructor(mode: string) {
    super('THANOS_UNAVAILABLE', `${mode} is not built yet in this version of thanos-ts`);
  }
}

export interface ModeDefinition {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  /** Reads the flags into typed options (validating them), then runs the mode until it stops. */
  readonly action: (flags: FlagReader) => Promise<void>;
}

export function defineMode(parent: Command, mode: ModeDefinition): Command {
  const cmd = parent.command(mode.name).description(mode.description).allowExcessArguments(false);
  declareFlags(cmd, mode.flags);
  cmd.action(async (_opts: unknown, self: Command) => {
    await mode.action(new FlagReader(self));
  });
  return cmd;
}
