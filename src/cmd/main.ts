// Entry point of the thanos-ts executable (bin/thanos-ts imports the compiled form of this file).
import { main } from './program.js';

const code = await main(process.argv);
// Modes that keep serving never reach here until they stop; setting exitCode lets pending writes flush first.
process.exitCode = code;
// A mode that failed (a taken port, a bad data dir) may leave handles (clients, timers) that would keep the process
// alive for minutes; exit now so systemd and Kubernetes see the failure and restart it. stderr is synchronous for
// files and pipes, so the error line is already written.
if (code !== 0) process.exit(code);
