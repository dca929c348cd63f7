// Decode worker threads for remote-write bodies (decode-worker.ts), so Snappy and protobuf run beside the thread
// that serves HTTP and appends to the heads. A tenant always goes to the same worker (its ref memory is there, and
// its requests decode in arrival order). The handler still waits for the append and WAL write before answering.

import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { decodeWriteRequestV2, type WriteRequest, type WriteSeries } from './write-request.js';
import { BodyError } from './decode-body.js';
import { unflatten, type FlatRequest } from './flat-request.js';

export interface DecodeJob {
  readonly kind: 'decode';
  readonly id: number;
  readonly tenant: string;
  /** Owns its ArrayBuffer (transferred). */
  readonly body: Uint8Array;
  readonly version: 1 | 2;
  /** The tenant's request size limit in bytes, 0 = none. */
  readonly sizeLimit: number;
  /** Series in the tenant's head now (bounds the worker's ref memory). */
  readonly headSeries: number;
}

/** The refs the writer found by labels: pairs of (series index, ref). */
export interface ReleaseJob {
  readonly kind: 'release';
  readonly id: number;
  readonly pairs: Int32Array;
}

export type DecodeReply =
  | { readonly id: number; readonly ok: true; readonly flat: FlatRequest }
  | { readonly id: number; readonly ok: true; readonly raw: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly status: number; readonly message: string; readonly overLimit?: number | undefined };

/** A decoded request; call `release` once the writer is done with it (the worker then learns the refs found). */
export interface Decoded {
  readonly req: WriteRequest;
  release(): void;
}

interface Waiting {
  resolve(d: Decoded): void;
  reject(err: Error): void;
}

/** The worker entry: the compiled decode-worker.js, or from TypeScript sources (tests) the .ts file through tsx. */
function startWorker(): Worker {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new Worker(new URL('./decode-worker.js', here));
  const tsx = pathToFileURL(path.join(path.dirname(createRequire(here).resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./decode-worker.ts', here).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

/** One worker thread and the requests it is decoding. */
class Slot {
  readonly worker = startWorker();
  readonly waiting = new Map<number, Waiting>();
  dead = false;

  constructor() {
    this.worker.unref();
    this.worker.on('message', (m: DecodeReply) => this.reply(m));
    const fail = (err: Error): void => {
      this.dead = true;
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    this.worker.on('error', (err) => fail(new Error(`remote write decode worker failed: ${err.message}`)));
    this.worker.on('exit', (code) => fail(new Error(`remote write decode worker exited with code ${code}`)));
  }

  private reply(m: DecodeReply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    if (!m.ok) { w.reject(new BodyError(m.status, m.message, m.overLimit)); return; }
    if ('raw' in m) {
      try {
        w.resolve({ req: decodeV2(m.raw), release: () => undefined });
      } catch (err) {
        w.reject(err as Error);
      }
      return;
    }
    const pairs: number[] = [];
    const req = unflatten(m.flat, (s: WriteSeries, ref: number) => { pairs.push(s.index!, ref); });
    let released = false;
    w.resolve({
      req,
      release: () => {
        if (released || this.dead) return;
        released = true;
        const job: ReleaseJob = { kind: 'release', id: m.id, pairs: Int32Array.from(pairs) };
        this.worker.postMessage(job, [job.pairs.buffer as ArrayBuffer]);
      },
    });
  }
}

function decodeV2(raw: Uint8Array): WriteRequest {
  try {
    return decodeWriteRequestV2(raw);
  } catch (err) {
    // The worker decoded only the Snappy layer; protobuf errors are the same 400 as on the HTTP thread.
    throw new BodyError(400, `unmarshal io.prometheus.write.v2.Request: ${(err as Error).message}`);
  }
}

export class DecodePool {
  private readonly slots: (Slot | undefined)[];
  private nextId = 1;
  private closed = false;

  /** `size` worker threads, started on first use; default one per core beyond the first, 1 to 4. */
  constructor(size = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {
    this.slots = new Array<Slot | undefined>(size).fill(undefined);
  }

  /** Decodes `body` for `tenant`; rejects with a BodyError (400/413) for a malformed or too large body. */
  decode(tenant: string, body: Uint8Array, version: 1 | 2, sizeLimit: number, headSeries: number): Promise<Decoded> {
    if (this.closed) return Promise.reject(new Error('the remote write decode pool is closed'));
    let h = 0;
    for (let i = 0; i < tenant.length; i++) h = (h * 31 + tenant.charCodeAt(i)) | 0;
    const at = Math.abs(h) % this.slots.length;
    let slot = this.slots[at];
    if (!slot || slot.dead) this.slots[at] = slot = new Slot();
    const s = slot;
    const id = this.nextId++;
    // A copy that owns its buffer: a request body may be a slice of a larger socket buffer.
    const own = new Uint8Array(body.length);
    own.set(body);
    const job: DecodeJob = { kind: 'decode', id, tenant, body: own, version, sizeLimit, headSeries };
    return new Promise<Decoded>((resolve, reject) => {
      s.waiting.set(id, { resolve, reject });
      s.worker.postMessage(job, [own.buffer]);
    });
  }

  /** Worker threads running now (started and not yet exited). */
  get threads(): number {
    return this.slots.filter((s) => s !== undefined && !s.dead).length;
  }

  /** Stops the workers (requests still decoding fail). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.flatMap((s) => (s ? [s.worker.terminate()] : [])));
  }
}
