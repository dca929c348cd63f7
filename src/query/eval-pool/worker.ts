// Entry of an evaluation worker thread: parses and evaluates one query at a time with the PromQL engine, asking the
// main thread for each selector's series (the stores' gRPC clients live there), and answers the response's JSON.
// The main thread ends a worker that overruns its query's deadline, so nothing here has to stop on time.

import { parentPort } from 'node:worker_threads';
import { readlinkSync } from 'node:fs';
import v8 from 'node:v8';
import type { Queryable, SelectHints, StorageSeries } from '../../promql/queryable.js';
import type { Matcher } from '../../tsdb/labels/matcher.js';
import { BugError } from '../../runtime/errors.js';
import { buildSeries } from '../queryable.js';
import { classifyEvalError, evaluateJob } from './evaluate.js';
import { unpackSeries, type EvalJob, type FromWorker, type ToWorker } from './protocol.js';

const port = parentPort;
if (!port) throw new BugError('eval-pool worker started outside a worker thread');

type Pending = { resolve: (m: ToWorker & { type: 'selected' }) => void; reject: (e: Error) => void };

/** Selects through the main thread; one outstanding reply per select number. */
class RemoteQueryable implements Queryable {
  private nextSel = 0;
  readonly pending = new Map<number, Pending>();

  constructor(private readonly job: EvalJob) {}

  async *select(matchers: readonly Matcher[], hints: SelectHints): AsyncGenerator<StorageSeries> {
    const sel = this.nextSel++;
    const reply = new Promise<ToWorker & { type: 'selected' }>((resolve, reject) => this.pending.set(sel, { resolve, reject }));
    post({ type: 'select', sel, matchers: matchers.map((m) => ({ type: m.type, name: m.name, value: m.value })), hints });
    const r = await reply;
    yield* buildSeries(unpackSeries(r.series), { dedup: this.job.dedup, algorithm: this.job.algorithm, func: hints.func });
  }
}

function post(m: FromWorker): void {
  port!.postMessage(m);
}

function heapBytes(): number {
  const h = v8.getHeapStatistics();
  return h.total_heap_size + h.external_memory;
}

/** Runs the jobs the main thread sends, one at a time (the pool never sends a second before the answer). */
class EvalWorker {
  private current: RemoteQueryable | undefined;

  onMessage(m: ToWorker): void {
    switch (m.type) {
      case 'run': void this.run(m.job); return;
      case 'selected': this.settle(m.sel)?.resolve(m); return;
      case 'selectFailed': this.settle(m.sel)?.reject(new Error(m.message)); return;
    }
  }

  private settle(sel: number): Pending | undefined {
    const p = this.current?.pending.get(sel);
    this.current?.pending.delete(sel);
    return p;
  }

  private async run(job: EvalJob): Promise<void> {
    const q = new RemoteQueryable(job);
    this.current = q;
    try {
      const a = await evaluateJob(job, q);
      post({ type: 'done', data: a.data, warnings: a.warnings, infos: a.infos, heapBytes: heapBytes() });
    } catch (err) {
      const { type, message } = classifyEvalError(err);
      post({ type: 'failed', errorType: type, message, heapBytes: heapBytes() });
    } finally {
      this.current = undefined;
    }
  }
}

const worker = new EvalWorker();
port.on('message', (m: ToWorker) => worker.onMessage(m));
post({ type: 'hello', tid: threadId() });

/** This thread's Linux id (so the main thread can lower its priority), from /proc/thread-self → "<pid>/task/<tid>". */
function threadId(): number | undefined {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}
