// Start-up benchmark: times `thanos-ts --help` over several runs and prints the median (target: under 250 ms).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve(import.meta.dirname, '..', 'bin', 'thanos-ts');
const runs = Number(process.env.RUNS ?? 21);
const times = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`thanos-ts --help exited ${r.status}: ${r.stderr}`);
  times.push(ms);
}
// The bare Node start-up on the same machine, as the floor the CLI cannot go under.
const floor = [];
for (let i = 0; i < runs; i++) {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
  floor.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const m = median(times);
const f = median(floor);
console.log(`thanos-ts --help: median ${m.toFixed(1)} ms over ${runs} runs (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`);
console.log(`node -e 0 (floor): median ${f.toFixed(1)} ms; thanos-ts/floor ratio ${(m / f).toFixed(2)}`);
console.log(`target < 250 ms: ${m < 250 ? 'met' : 'NOT met'}`);
