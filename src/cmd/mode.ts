// Declaring a mode (a subcommand) with its flags: how they are read into typed options and how the mode runs.
import type { Command } from 'commander';
import type { FlagSpec } from './flags.js';
import { FlagReader, declareFlags } from './flags.js';
import { createLogger } from '../runtime/logger.js';

export interface ModeDefinition<T = unknown> {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  /** Reads every flag the mode implements into typed options, validating them (no side effects). */
  readonly read: (flags: FlagReader) => T;
  /** Runs the mode with those options until it stops. */
  readonly run: (options: T) => Promise<void>;
}

/** Every mode defined so far, by name, so tests can check each flag table against what its reader reads. */
export type ModeRegistry = Map<string, ModeDefinition>;

export function defineMode<T>(parent: Command, mode: ModeDefinition<T>, registry?: ModeRegistry): Command {
  registry?.set(mode.name, mode as ModeDefinition);
  const cmd = parent.command(mode.name).description(mode.description).allowExcessArguments(false);
  declareFlags(cmd, mode.flags);
  cmd.action(async (_opts: unknown, self: Command) => {
    const flags = new FlagReader(self);
    // Warnings go out before the mode reads its options (which may fail), once each, as --log.format asks.
    const format = flags.declared('log.format') && flags.string('log.format') === 'json' ? 'json' : 'logfmt';
    const warn = (lines: readonly string[]): void => {
      if (lines.length === 0) return;
      const logger = createLogger({ format, caller: false });
      for (const line of lines) logger.warn(line);
    };
    warn(flags.checkSupport(mode.flags));
    const options = mode.read(flags);
    warn(flags.warnings);
    await mode.run(options);
  });
  return cmd;
}
