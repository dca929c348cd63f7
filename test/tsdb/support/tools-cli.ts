// Runs `thanos-ts tools tsdb ...` from source through the real registerToolsTsdb, with main.ts's exit-code mapping,
// so the TSDB tests do not depend on a build or on other modes compiling. Started by run-tools.ts.
import { Command } from 'commander';
import { registerToolsTsdb } from '../../../src/cmd/tools-tsdb.js';
import { ConfigError, InvalidArgumentError, ParseError, errorMessage } from '../../../src/runtime/errors.js';

const program = new Command('thanos-ts').exitOverride();
registerToolsTsdb(program.command('tools'));
try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`thanos-ts: ${errorMessage(err)}\n`);
  process.exitCode = err instanceof ConfigError || err instanceof ParseError || err instanceof InvalidArgumentError ? 2 : 1;
}
