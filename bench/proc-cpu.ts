// CPU time of other processes from Linux /proc (utime + stime, in USER_HZ ticks of 10 ms), for the benchmarks that
// say where a call's time went across the processes taking part.
import { readFileSync, readdirSync } from 'node:fs';

/** User+system CPU ms recorded in a /proc .../stat file. */
function statCpuMs(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // Fields after the command name, which is in parentheses and may itself hold spaces.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** User+system CPU ms of a process so far. */
export function processCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/stat`);
}

/** CPU ms of a process's main thread and of its other threads together (V8's GC and compiler helpers). */
export function threadCpuMs(pid: number): { main: number; helpers: number } {
  const out = { main: 0, helpers: 0 };
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const ms = statCpuMs(`/proc/${pid}/task/${t}/stat`);
    if (t === String(pid)) out.main += ms;
    else out.helpers += ms;
  }
  return out;
}
