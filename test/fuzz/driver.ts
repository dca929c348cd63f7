// Runs one fuzz target over N mutated inputs and records what went wrong: any throw that is not a thanos-ts typed
// error (or is a BugError), any input slower than the hang limit (in wall and in CPU time), and RSS growth past a bound.

import { BugError, errorMessage, isThanosError } from '../../src/runtime/errors.js';
import { mutateBytes, mutateText } from './mutate.js';

interface TargetBase {
  /** Unique name, used by FUZZ_TARGETS and in reports. */
  readonly name: string;
  /** Longest generated input. */
  readonly maxLen: number;
}

export interface BytesTarget extends TargetBase {
  readonly kind: 'bytes';
  seeds(): Promise<Uint8Array[]>;
  run(input: Uint8Array): unknown;
  /** Inputs (hex) that once crashed this target: replayed by the smoke test. */
  readonly regressions?: readonly string[];
}

export interface TextTarget extends TargetBase {
  readonly kind: 'text';
  seeds(): Promise<string[]>;
  run(input: string): unknown;
  readonly regressions?: readonly string[];
}

export type FuzzTarget = BytesTarget | TextTarget;

/** A target with its seeds loaded: a function from input index to input, and the runner of one input. */
export interface PreparedTarget {
  readonly name: string;
  readonly seedCount: number;
  input(runSeed: number, i: number): Uint8Array | string;
  run(input: Uint8Array | string): Promise<void>;
  readonly regressions: readonly (Uint8Array | string)[];
}

export async function prepare(t: FuzzTarget): Promise<PreparedTarget> {
  if (t.kind === 'bytes') {
    const seeds = await t.seeds();
    if (seeds.length === 0) throw new Error(`fuzz target ${t.name} has no seeds`);
    return {
      name: t.name, seedCount: seeds.length,
      input: (runSeed, i) => mutateBytes(seeds, runSeed, i, { maxLen: t.maxLen }),
      run: async (x) => { await t.run(x as Uint8Array); },
      regressions: (t.regressions ?? []).map((h) => Uint8Array.from(Buffer.from(h, 'hex'))),
    };
  }
  const seeds = await t.seeds();
  if (seeds.length === 0) throw new Error(`fuzz target ${t.name} has no seeds`);
  return {
    name: t.name, seedCount: seeds.length,
    input: (runSeed, i) => mutateText(seeds, runSeed, i, { maxLen: t.maxLen }),
    run: async (x) => { await t.run(x as string); },
    regressions: t.regressions ?? [],
  };
}

export function inputHex(x: Uint8Array | string): string {
  return Buffer.from(typeof x === 'string' ? Buffer.from(x, 'utf8') : x).toString('hex');
}

/** Why an outcome counts as a bug; undefined when the input was handled (accepted or refused with a typed error). */
export function classify(err: unknown): string | undefined {
  if (err === undefined) return undefined;
  if (isThanosError(err) && !(err instanceof BugError)) return undefined;
  const e = err instanceof Error ? err : undefined;
  const where = e?.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' | ') ?? '';
  return `${e?.name ?? typeof err}: ${errorMessage(err).slice(0, 300)}${where ? ` @ ${where}` : ''}`;
}

export interface Failure {
  readonly target: string;
  readonly kind: 'crash' | 'hang';
  /** Reproduce with: input(runSeed, index) of the same target. */
  readonly runSeed: number;
  readonly index: number;
  readonly error: string;
  readonly ms: number;
  /** The input, hex (UTF-8 for text targets), cut to 4 KiB. */
  readonly hex: string;
}

export interface RunReport {
  readonly target: string;
  readonly runs: number;
  /** Inputs asked for (runs is less when the deadline stopped the run). */
  readonly asked: number;
  readonly runSeed: number;
  readonly failures: Failure[];
  /** Failures seen (the list keeps the first few). */
  readonly failureCount: number;
  /** Inputs refused with a typed error vs accepted. */
  readonly refused: number;
  readonly maxMs: number;
  readonly maxMsIndex: number;
  /** The most process CPU time one input took. */
  readonly maxCpuMs: number;
  readonly elapsedMs: number;
  readonly rssStartMb: number;
  readonly rssPeakMb: number;
  readonly rssEndMb: number;
  /** RSS growth past the post-warm-up baseline exceeded the bound. */
  readonly memoryFailure: string | undefined;
}

export interface RunOptions {
  readonly runs: number;
  readonly runSeed: number;
  /** An input taking longer than this (twice, to rule out a descheduled process) is a hang. */
  readonly hangMs?: number;
  /** RSS may grow this much over the baseline taken after warm-up. */
  readonly rssGrowthMb?: number;
  readonly keepFailures?: number;
  /** Called every 1024 inputs and at the end. */
  readonly onProgress?: (done: number) => void;
  /** Stop early at this time (Date.now() ms); the report then gives the number of inputs actually run. */
  readonly deadline?: number;
  /** Written with the index of the input being run, for a watchdog outside this thread. */
  readonly current?: Int32Array;
}

const mb = (): number => process.memoryUsage.rss() / 1048576;

/**
 * Runs one input; returns the thrown value (undefined when none), the wall time taken and the process's CPU time in
 * it. An input is slow only when both pass the limit: on a loaded machine (load 25 on 2 cores was seen) a 156-byte
 * input was descheduled for 2.2 s of wall time, twice, while it needs 5-40 ms of CPU.
 */
async function once(t: PreparedTarget, x: Uint8Array | string): Promise<{ err: unknown; ms: number; cpuMs: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let err: unknown;
  try {
    await t.run(x);
  } catch (e) {
    err = e ?? new Error('threw a nullish value');
  }
  const c = process.cpuUsage(c0);
  return { err, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

const slow = (r: { ms: number; cpuMs: number }, limitMs: number): boolean => r.ms > limitMs && r.cpuMs > limitMs;

export async function runTarget(t: PreparedTarget, opts: RunOptions): Promise<RunReport> {
  const hangMs = opts.hangMs ?? 1000;
  const keep = opts.keepFailures ?? 10;
  const failures: Failure[] = [];
  let failureCount = 0;
  let refused = 0;
  let maxMs = 0;
  let maxMsIndex = -1;
  let maxCpuMs = 0;
  const rssStart = mb();
  let rssPeak = rssStart;
  let baseline = rssStart;
  const warm = Math.min(5000, Math.max(1, Math.floor(opts.runs / 10)));
  const start = performance.now();
  const record = (kind: Failure['kind'], i: number, x: Uint8Array | string, error: string, ms: number): void => {
    failureCount++;
    if (failures.length < keep) failures.push({ target: t.name, kind, runSeed: opts.runSeed, index: i, error, ms: Math.round(ms), hex: inputHex(x).slice(0, 8192) });
  };
  let done = 0;
  for (let i = 0; i < opts.runs; i++) {
    if (opts.deadline !== undefined && (i & 255) === 0 && Date.now() > opts.deadline) break;
    done = i + 1;
    if (opts.current) opts.current[0] = i;
    const x = t.input(opts.runSeed, i);
    let r = await once(t, x);
    if (slow(r, hangMs)) r = await once(t, x);
    const { err, ms } = r;
    if (ms > maxMs) { maxMs = ms; maxMsIndex = i; }
    if (r.cpuMs > maxCpuMs) maxCpuMs = r.cpuMs;
    const bug = classify(err);
    if (bug !== undefined) record('crash', i, x, bug, ms);
    else if (err !== undefined) refused++;
    if (slow(r, hangMs)) record('hang', i, x, `took ${Math.round(ms)} ms, ${Math.round(r.cpuMs)} ms of CPU (limit ${hangMs} ms)`, ms);
    if ((i & 1023) === 1023) {
      const r = mb();
      if (r > rssPeak) rssPeak = r;
      opts.onProgress?.(i + 1);
    }
    if (i + 1 === warm) baseline = mb();
  }
  const elapsedMs = performance.now() - start;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rssEnd = mb();
  rssPeak = Math.max(rssPeak, rssEnd);
  const bound = opts.rssGrowthMb ?? 512;
  const memoryFailure = rssPeak - baseline > bound
    ? `rss grew from ${baseline.toFixed(0)} MB after warm-up to a peak of ${rssPeak.toFixed(0)} MB (bound +${bound} MB)`
    : undefined;
  opts.onProgress?.(done);
  return {
    target: t.name, runs: done, asked: opts.runs, runSeed: opts.runSeed, failures, failureCount, refused,
    maxMs, maxMsIndex, maxCpuMs, elapsedMs, rssStartMb: rssStart, rssPeakMb: rssPeak, rssEndMb: rssEnd, memoryFailure,
  };
}

/** Replays a target's regression inputs; returns the failures among them. */
export async function runRegressions(t: PreparedTarget, hangMs = 1000): Promise<Failure[]> {
  const out: Failure[] = [];
  for (const [i, x] of t.regressions.entries()) {
    const r = await once(t, x);
    const { err, ms } = r;
    const bug = classify(err);
    if (bug !== undefined) out.push({ target: t.name, kind: 'crash', runSeed: -1, index: i, error: bug, ms, hex: inputHex(x) });
    else if (slow(r, hangMs)) out.push({ target: t.name, kind: 'hang', runSeed: -1, index: i, error: `took ${Math.round(ms)} ms, ${Math.round(r.cpuMs)} ms of CPU`, ms, hex: inputHex(x) });
  }
  return out;
}

export function formatReport(r: RunReport): string {
  const status = r.failureCount === 0 && r.memoryFailure === undefined ? 'ok' : 'FAIL';
  return `${r.target.padEnd(28)} ${status.padEnd(4)} runs=${r.runs}${r.runs < r.asked ? ` (time limit; asked ${r.asked})` : ''} failures=${r.failureCount} refused=${r.refused} ` +
    `max_ms=${r.maxMs.toFixed(1)} (input ${r.maxMsIndex}) max_cpu_ms=${r.maxCpuMs.toFixed(1)} elapsed_s=${(r.elapsedMs / 1000).toFixed(1)} ` +
    `rss_mb start=${r.rssStartMb.toFixed(0)} peak=${r.rssPeakMb.toFixed(0)} end=${r.rssEndMb.toFixed(0)} seed=${r.runSeed}` +
    (r.memoryFailure ? `\n  MEMORY: ${r.memoryFailure}` : '') +
    r.failures.map((f) => `\n  ${f.kind} #${f.index} (${f.ms} ms): ${f.error}\n    input hex: ${f.hex.slice(0, 400)}${f.hex.length > 400 ? '…' : ''}`).join('');
}
