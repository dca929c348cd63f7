// Entry point of the thanos-ts executable (bin/thanos-ts imports the compiled form of this file).
import { main } from './program.js';

const code = await main(process.argv);
// Modes that keep serving never reach here until they stop; setting exitCode lets pending writes flush first.
process.exitCode = code;
