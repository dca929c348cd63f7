// Entry of a remote-write decode worker thread (decode-pool.ts starts it): Snappy and protobuf off the HTTP thread,
// the request handed back flat (flat-request.ts), each series with the head ref this worker remembers for its label
// bytes, so the HTTP thread appends known series by ref without building or hashing a label string.

import { parentPort } from 'node:worker_threads';
import { BugError, errorMessage } from '../runtime/errors.js';
import { BodyError, unmarshal, unsnappy } from './decode-body.js';
import type { DecodeJob, DecodeReply, ReleaseJob } from './decode-pool.js';
import { flatBuffers, flatten } from './flat-request.js';

/** Per tenant: label bytes (one-byte string) → head series ref, as the HTTP thread reported them. */
const caches = new Map<string, Map<string, number>>();
/** Keys of requests handed out, until the HTTP thread says which refs it found for them. */
const pending = new Map<number, { cache: Map<string, number>; keys: (string | undefined)[] }>();
/** Requests whose release never came (their HTTP request failed before the writer): forgotten past this many. */
const MAX_PENDING = 4096;

/** `b` as a Uint8Array owning its whole ArrayBuffer, so the buffer can be transferred. */
function owned(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice();
}

function decode(m: DecodeJob): { reply: DecodeReply; transfer: ArrayBuffer[] } {
  const raw = owned(unsnappy(m.body, m.sizeLimit));
  // 2.0 carries its labels as symbol references: decoded on the HTTP thread, which needs their strings anyway.
  if (m.version === 2) return { reply: { id: m.id, ok: true, raw }, transfer: [raw.buffer as ArrayBuffer] };
  const req = unmarshal(raw, 1);
  let cache = caches.get(m.tenant);
  if (!cache) caches.set(m.tenant, cache = new Map<string, number>());
  // Entries of series the head dropped are never hit again: start over once the map outgrows the head.
  if (cache.size > 2 * m.headSeries + 10_000) cache.clear();
  const c = cache;
  const flat = flatten(raw, req, (key) => c.get(key) ?? -1);
  pending.set(m.id, { cache, keys: req.series.map((s) => s.key) });
  if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
  return { reply: { id: m.id, ok: true, flat }, transfer: flatBuffers(flat) };
}

function release(m: ReleaseJob): void {
  const p = pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  const { pairs } = m;
  for (let i = 0; i < pairs.length; i += 2) {
    const key = p.keys[pairs[i]!];
    if (key !== undefined) p.cache.set(key, pairs[i + 1]!);
  }
}

const port = parentPort;
if (!port) throw new BugError('decode-worker.ts runs as a worker thread only');
port.on('message', (m: DecodeJob | ReleaseJob) => {
  if (m.kind === 'release') { release(m); return; }
  try {
    const { reply, transfer } = decode(m);
    port.postMessage(reply, transfer);
  } catch (err) {
    const reply: DecodeReply = err instanceof BodyError
      ? { id: m.id, ok: false, status: err.status, message: err.message, overLimit: err.overLimit }
      : { id: m.id, ok: false, status: 500, message: `decoding the request: ${errorMessage(err)}` };
    port.postMessage(reply);
  }
});
