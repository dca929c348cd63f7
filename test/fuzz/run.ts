// `npm run fuzz`: the long fuzz run. FUZZ_RUNS inputs (default 1,000,000) per target, targets filtered by
// FUZZ_TARGETS (comma-separated names), FUZZ_SEED for the run seed, FUZZ_TARGET_LIMIT_S to cap each target's time. Prints one line per target (counts, failures,
// max per-input time, RSS) and exits 1 on any failure. A watchdog thread kills the process if one input runs past
// FUZZ_WATCHDOG_S seconds (an infinite loop never returns to be timed), printing the target and input index first.

import { Worker } from 'node:worker_threads';
import { formatReport, prepare, runTarget, type RunReport } from './driver.js';
import { TARGETS } from './targets.js';

const runs = Number(process.env.FUZZ_RUNS ?? 1_000_000);
const runSeed = Number(process.env.FUZZ_SEED ?? 0x7ea5) >>> 0;
const watchdogS = Number(process.env.FUZZ_WATCHDOG_S ?? 30);
/** Optional cap per target in seconds: the report then says how many inputs ran. */
const targetLimitS = process.env.FUZZ_TARGET_LIMIT_S ? Number(process.env.FUZZ_TARGET_LIMIT_S) : undefined;
const only = process.env.FUZZ_TARGETS?.split(',').map((s) => s.trim()).filter(Boolean);
if (!Number.isSafeInteger(runs) || runs <= 0) throw new Error(`FUZZ_RUNS=${process.env.FUZZ_RUNS} is not a positive integer`);
const unknown = only?.filter((n) => !TARGETS.some((t) => t.name === n)) ?? [];
if (unknown.length) throw new Error(`unknown FUZZ_TARGETS ${unknown.join(', ')} (known: ${TARGETS.map((t) => t.name).join(', ')})`);
const targets = TARGETS.filter((t) => !only || only.includes(t.name));

// Shared with the watchdog: [0] = index of the running input, [1] = position of the running target in `targets`.
const shared = new Int32Array(new SharedArrayBuffer(8));
const names = targets.map((t) => t.name);
const watchdog = new Worker(`
  const { workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  const cur = new Int32Array(workerData.sab);
  let last = -2, lastTarget = -2, since = Date.now();
  setInterval(() => {
    const i = Atomics.load(cur, 0), t = Atomics.load(cur, 1);
    if (i !== last || t !== lastTarget) { last = i; lastTarget = t; since = Date.now(); return; }
    if (Date.now() - since > workerData.limitMs) {
      fs.writeSync(2, 'HANG: target ' + workerData.names[t] + ' input ' + i + ' (seed ' + workerData.seed + ') made no progress for ' + (workerData.limitMs / 1000) + ' s; reproduce with FUZZ_TARGETS=' + workerData.names[t] + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }
  }, 500);
`, { eval: true, workerData: { sab: shared.buffer, names, seed: runSeed, limitMs: watchdogS * 1000 } });
watchdog.unref();

console.log(`fuzz: ${targets.length} targets x ${runs} inputs, seed ${runSeed}, pid ${process.pid}`);
const reports: RunReport[] = [];
for (const [k, t] of targets.entries()) {
  Atomics.store(shared, 1, k);
  const p = await prepare(t);
  const started = Date.now();
  const r = await runTarget(p, {
    runs, runSeed, current: shared,
    ...(targetLimitS !== undefined ? { deadline: Date.now() + targetLimitS * 1000 } : {}),
    onProgress: (done) => {
      if (done % (1 << 17) === 0 && done !== runs) {
        console.log(`  ${t.name}: ${done}/${runs} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      }
    },
  });
  reports.push(r);
  console.log(formatReport(r));
}
const bad = reports.filter((r) => r.failureCount > 0 || r.memoryFailure !== undefined);
const total = reports.reduce((a, r) => a + r.runs, 0);
console.log(`fuzz: ${total} inputs over ${reports.length} targets; ${bad.length === 0 ? 'no failures' : `FAILURES in ${bad.map((r) => r.target).join(', ')}`}`);
await watchdog.terminate();
process.exit(bad.length === 0 ? 0 : 1);
