// The thanos-ts command line: builds the commander program, dispatches to a mode, and turns errors into one
// line and an exit code (2 for bad flags or config, 1 for everything else).
import { Command, CommanderError } from 'commander';
import { ConfigError, InvalidArgumentError, ParseError, errorMessage } from '../runtime/errors.js';
import { buildInfo } from '../runtime/version.js';
import type { ModeRegistry } from './mode.js';
import { registerCompact } from './compact.js';
import { registerQuery } from './query.js';
import { registerReceive } from './receive.js';
import { registerRule } from './rule.js';
import { registerSidecar } from './sidecar.js';
import { registerStandalone } from './standalone.js';
import { registerStore } from './store.js';
import { registerTools } from './tools.js';

/** The program; `registry`, when given, collects every mode's definition (tests read the flag tables through it). */
export function buildProgram(registry?: ModeRegistry): Command {
  const program = new Command('thanos-ts')
    .description('A block storage based long-term storage for Prometheus.')
    .version(buildInfo().version, '--version', 'Show application version.')
    .showSuggestionAfterError(true);
  registerSidecar(program, registry);
  registerStore(program, registry);
  registerQuery(program, registry);
  registerCompact(program, registry);
  registerReceive(program, registry);
  registerRule(program, registry);
  registerTools(program);
  registerStandalone(program, registry);
  // Commander's own errors (unknown flag, missing value) also exit 2 with one line.
  const exitOverride = (err: CommanderError): never => { throw err; };
  const apply = (cmd: Command): void => {
    cmd.exitOverride(exitOverride).configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `thanos-ts: ${s.slice(7)}` : s) });
    for (const sub of cmd.commands) apply(sub);
  };
  apply(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are "errors" to commander; they already printed what they had to.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      if (err.code === 'commander.executeSubCommandAsync') return 1;
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`thanos-ts: ${errorMessage(err)}\n`);
    if (err instanceof ConfigError || err instanceof ParseError || err instanceof InvalidArgumentError) return 2;
    return 1;
  }
}
