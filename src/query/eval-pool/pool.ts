// Evaluates PromQL on worker threads so the main thread stays free for I/O: HTTP (health, readiness, metrics) and
// the stores' gRPC streams. One query per worker at a time, at most --query.max-concurrent workers (started on
// demand, some kept warm); a query whose deadline passes or whose client goes away has its worker ended at once,
// which stops any CPU-bound loop and hands that query's memory back.

import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { SelectHints } from '../../promql/queryable.js';
import { AbortError, errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import { Matcher } from '../../tsdb/labels/matcher.js';
import { ApiError } from '../api/errors.js';
import type { FetchedSeries } from '../queryable.js';
import type { JobAnswer } from './evaluate.js';
import { packSeries, type EvalJob, type FromWorker, type ToWorker } from './protocol.js';

export interface EvalPoolOptions {
  /** Most workers (so queries evaluating) at once: --query.max-concurrent. */
  readonly maxWorkers: number;
  /**
   * Workers kept started while idle; default min(maxWorkers, CPUs + 2): on a busy machine loading a worker takes
   * hundreds of ms, so a cheap query arriving while every core evaluates heavy ones should find one loaded.
   */
  readonly warmWorkers?: number;
  /** An idle worker beyond the warm ones ends after this long; default 30 s. */
  readonly idleMs?: number;
  /**
   * A worker whose heap (with array buffers) exceeds this after a query is replaced, so a big query's memory goes
   * back to the system at once rather than at some later GC; default 128 MiB (an idle worker holds about 10).
   */
  readonly retireHeapBytes?: number;
  /**
   * A query still evaluating after this long has its worker thread's priority lowered (nice 10), so the main
   * thread's I/O and short queries go first on a busy machine; default 500 ms, so that typical dashboard queries
   * keep their normal priority. Linux only.
   */
  readonly lowerPriorityAfterMs?: number;
  /** Stack of each worker: deeply nested queries recurse deeply. Default 64 MiB. */
  readonly stackSizeMb?: number;
  readonly logger: Logger;
}

/** Runs one selector's Series call for a worker (on the main thread, where the gRPC clients are). */
export type SelectSource = (matchers: readonly Matcher[], hints: SelectHints, signal: AbortSignal) => Promise<FetchedSeries[]>;

interface Slot {
  readonly worker: Worker;
  /** The worker thread's Linux id, once it said. */
  tid: number | undefined;
  /** Its priority was lowered during the current or last job. */
  lowered: boolean;
  idleTimer: NodeJS.Timeout | undefined;
  /** Set while a job runs: where the worker's messages, errors and exit go. */
  job: ((e: WorkerEvent) => void) | undefined;
}

type WorkerEvent = { kind: 'message'; m: FromWorker } | { kind: 'gone'; err: Error };

export class EvalPool {
  private readonly idle: Slot[] = [];
  private readonly all = new Set<Slot>();
  private readonly waiting: ((s: Slot) => void)[] = [];
  private readonly warm: number;
  private closed = false;

  constructor(private readonly opts: EvalPoolOptions) {
    this.warm = Math.max(0, Math.min(opts.maxWorkers, opts.warmWorkers ?? os.availableParallelism() + 2));
  }

  /** Starts the warm workers now rather than on the first queries. */
  prestart(): void {
    while (!this.closed && this.all.size < this.warm) this.idle.push(this.spawn());
  }

  /**
   * Evaluates `job`; rejects with ApiError (the query failed; its type decided in the worker), AbortError (`signal` fired: deadline or client
   * gone; the worker is ended at once) or whatever `source` threw.
   */
  async run(job: EvalJob, source: SelectSource, signal: AbortSignal): Promise<JobAnswer> {
    const slot = await this.acquire(signal);
    const reads = new AbortController();
    return new Promise<JobAnswer>((resolve, reject) => {
      let settled = false;
      const settle = (err: Error | undefined, answer?: JobAnswer): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        reads.abort(err ?? new AbortError('query finished'));
        if (answer) resolve(answer);
        else reject(err ?? new AbortError('query finished without an answer'));
      };
      const onAbort = (): void => {
        settle(new AbortError('query evaluation aborted', { cause: signal.reason }));
        // The answer is written first; ending the worker and starting its replacement cost the main thread time.
        slot.job = undefined;
        setImmediate(() => this.discard(slot));
      };
      slot.job = (e) => {
        if (e.kind === 'gone') {
          settle(e.err);
          this.discard(slot);
          return;
        }
        const m = e.m;
        switch (m.type) {
          case 'select':
            this.select(slot, m.sel, m.matchers.map((w) => new Matcher(w.type, w.name, w.value)), m.hints, source, reads.signal)
              .catch((err: unknown) => settle(err instanceof Error ? err : new Error(String(err))));
            return;
          case 'done':
            settle(undefined, { data: m.data, warnings: m.warnings, infos: m.infos });
            this.release(slot, m.heapBytes);
            return;
          case 'failed':
            settle(new ApiError(m.errorType, m.message));
            this.release(slot, m.heapBytes);
            return;
          case 'hello': return;
        }
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      const lower = setTimeout(() => {
        if (!settled) this.lowerPriority(slot);
      }, this.opts.lowerPriorityAfterMs ?? 500);
      lower.unref();
      reads.signal.addEventListener('abort', () => clearTimeout(lower), { once: true });
      post(slot, { type: 'run', job });
    });
  }

  /** Ends every worker; queries still waiting for one fail. */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.all];
    this.all.clear();
    this.idle.length = 0;
    for (const s of all) {
      clearTimeout(s.idleTimer);
      s.job?.({ kind: 'gone', err: new AbortError('query engine is shutting down') });
    }
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  private async select(
    slot: Slot, sel: number, matchers: readonly Matcher[], hints: SelectHints, source: SelectSource, signal: AbortSignal,
  ): Promise<void> {
    let got: FetchedSeries[];
    try {
      got = await source(matchers, hints, signal);
    } catch (err) {
      // The worker unwinds and reports; the job already failed with this error.
      post(slot, { type: 'selectFailed', sel, message: errorMessage(err) });
      throw err;
    }
    const series = packSeries(got);
    post(slot, { type: 'selected', sel, series }, [series.meta.buffer as ArrayBuffer, series.bytes.buffer as ArrayBuffer]);
  }

  private acquire(signal: AbortSignal): Promise<Slot> {
    if (this.closed) return Promise.reject(new AbortError('query engine is shutting down'));
    if (signal.aborted) return Promise.reject(new AbortError('query evaluation aborted', { cause: signal.reason }));
    let s = this.idle.pop();
    if (s) {
      clearTimeout(s.idleTimer);
      s.idleTimer = undefined;
    } else if (this.all.size < this.opts.maxWorkers) s = this.spawn();
    if (s) {
      this.keepSpare();
      return Promise.resolve(s);
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortError('query evaluation aborted', { cause: signal.reason }));
      };
      const grant = (slot: Slot): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(slot);
      };
      this.waiting.push(grant);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A long query yields the CPU to the main thread and to short queries (a multi-level feedback queue, simplified). */
  private lowerPriority(slot: Slot): void {
    if (slot.tid === undefined || slot.lowered) return;
    try {
      os.setPriority(slot.tid, LOWERED_NICE);
      slot.lowered = true;
    } catch (err) {
      this.opts.logger.debug('could not lower a query worker thread\'s priority', { err: errorMessage(err) });
    }
  }

  /** The priority back for the next query; without the privilege to raise it (CAP_SYS_NICE), a fresh worker. */
  private restorePriority(slot: Slot): boolean {
    if (!slot.lowered) return true;
    try {
      os.setPriority(slot.tid!, 0);
      slot.lowered = false;
      return true;
    } catch {
      return false;
    }
  }

  /** The job is over and the worker idle: hand it on, or replace it when the query left it holding much memory. */
  private release(slot: Slot, heapBytes: number): void {
    slot.job = undefined;
    if (!this.restorePriority(slot)) {
      this.discard(slot);
      return;
    }
    if (heapBytes > (this.opts.retireHeapBytes ?? 128 * 1024 * 1024)) {
      this.opts.logger.debug('query evaluation worker replaced to free memory', { heapBytes });
      this.discard(slot);
      return;
    }
    const next = this.waiting.shift();
    if (next) {
      next(slot);
      return;
    }
    if (this.closed) return;
    this.idle.push(slot);
    if (this.all.size > this.warm) {
      slot.idleTimer = setTimeout(() => {
        const i = this.idle.indexOf(slot);
        if (i >= 0 && this.all.size > this.warm) {
          this.idle.splice(i, 1);
          this.discard(slot);
        }
      }, this.opts.idleMs ?? 30_000);
      slot.idleTimer.unref();
    }
  }

  /**
   * Starts a worker ahead while none is idle (up to the limit), so the next query does not wait for one to load
   * (hundreds of ms on a busy machine), and brings the pool back to its warm size after workers were ended.
   */
  private keepSpare(): void {
    while (!this.closed && this.all.size < this.opts.maxWorkers && (this.idle.length === 0 || this.all.size < this.warm)) {
      this.release(this.spawn(), 0);
    }
  }

  /** Ends a worker (stopping whatever it computes) and lets a waiting query start a fresh one. */
  private discard(slot: Slot): void {
    slot.job = undefined;
    clearTimeout(slot.idleTimer);
    if (!this.all.delete(slot)) return;
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    slot.worker.terminate().catch(() => undefined);
    const next = this.waiting.shift();
    if (next && !this.closed) next(this.spawn());
    this.keepSpare();
  }

  private spawn(): Slot {
    const worker = startWorker(this.opts.stackSizeMb ?? 64);
    worker.unref();
    const slot: Slot = { worker, tid: undefined, lowered: false, idleTimer: undefined, job: undefined };
    this.all.add(slot);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'hello') slot.tid = m.tid;
      else slot.job?.({ kind: 'message', m });
    });
    worker.on('error', (err) => {
      this.opts.logger.error('query evaluation worker failed', { err: errorMessage(err) });
      if (slot.job) slot.job({ kind: 'gone', err: new Error(`query evaluation worker failed: ${errorMessage(err)}`) });
      else this.discard(slot);
    });
    worker.on('exit', (code) => {
      if (!this.all.has(slot)) return;
      if (slot.job) slot.job({ kind: 'gone', err: new Error(`query evaluation worker exited with code ${code}`) });
      else this.discard(slot);
    });
    return slot;
  }
}

/** Nice value of a worker thread whose query runs long (0 is normal, 19 the lowest priority). */
const LOWERED_NICE = 10;

function post(slot: Slot, m: ToWorker, transfer: ArrayBuffer[] = []): void {
  slot.worker.postMessage(m, transfer);
}

/** The worker entry: the compiled worker.js, or from TypeScript sources (tests) the .ts file through tsx. */
function startWorker(stackSizeMb: number): Worker {
  const here = import.meta.url;
  const resourceLimits = { stackSizeMb };
  if (!here.endsWith('.ts')) return new Worker(new URL('./worker.js', here), { resourceLimits });
  const tsx = pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./worker.ts', here).href;
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, resourceLimits });
}
