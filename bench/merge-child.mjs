// One block merge in a process of its own, for bench/merge.ts: runs the compiled compactor (dist/) on the given
// blocks and prints JSON with the merge's wall and CPU time and this process's peak RSS (VmHWM) once it is done.
// Usage: node bench/merge-child.mjs DEST_DIR BLOCK_DIR...
import { readFileSync } from 'node:fs';
import { compactBlocks } from '../dist/tsdb/compact/compactor.js';

function status() {
  const out = {};
  for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
    const m = /^(Vm\w+|Rss\w+):\s+(\d+) kB/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * 1024;
  }
  return out;
}

const [dest, ...dirs] = process.argv.slice(2);
const before = status();
const cpu0 = process.cpuUsage();
const start = performance.now();
const meta = await compactBlocks(dest, dirs);
const seconds = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
const after = status();
process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, meta, rssBefore: before.VmRSS, peakRss: after.VmHWM }) + '\n');
