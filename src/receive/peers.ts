// The router's connections to the other receivers of its hashring: one gRPC client per peer, calling
// `thanos.WriteableStore/RemoteWrite`. Per peer: a pool of `--receive.forward.async-workers` concurrent calls,
// exponential backoff after Unavailable (min 100 ms, ×2, jitter, max `--receive-forward-max-backoff`; calls fail at
// once meanwhile, as upstream), and — beyond upstream — a cap on the bytes queued or in flight to it, so a slow
// peer costs a bounded amount of memory and its writes fail fast as "unavailable" instead of piling up (#6784).

import { Client, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { Gauge, Histogram } from 'prom-client';
import { clientCredentials, type ClientTlsOptions } from '../runtime/grpc-tls.js';
import { errorMessage } from '../runtime/errors.js';
import { asBuffer, WRITEABLE_STORE_SERVICE } from '../store/grpc-services.js';

/** How a forward failed, in upstream's error classes (§2.4). */
export type ForwardFailure = 'conflict' | 'not-ready' | 'unavailable' | 'bad-replica' | 'unknown';

export class ForwardError extends Error {
  /** The peer answered gRPC Unavailable (or could not be reached): it is backed off. */
  readonly peerDown: boolean;

  constructor(readonly kind: ForwardFailure, message: string, options?: { cause?: unknown; peerDown?: boolean }) {
    super(message, options);
    this.peerDown = options?.peerDown ?? false;
  }
}

export interface PeersOptions {
  /** --receive.forward.async-workers: concurrent calls per peer. */
  readonly workers: number;
  /** --receive-forward-timeout in ms: deadline of each call. */
  readonly timeoutMs: number;
  /** --receive-forward-max-backoff in ms. */
  readonly maxBackoffMs: number;
  /** --receive.forward.max-inflight-bytes (ours): bytes queued or in flight per peer; 0 = no cap. */
  readonly maxInflightBytes: number;
  /** --remote-write.client-tls-*. */
  readonly tls?: ClientTlsOptions | undefined;
  readonly registry?: Registry | undefined;
  readonly now?: () => number;
  readonly random?: () => number;
}

interface PeersMetrics {
  readonly inflight: Gauge;
  readonly delay: Histogram;
}

const MIN_BACKOFF_MS = 100;
const passthrough = (b: Buffer): Buffer => b;

/** One receiver we forward to. */
class Peer {
  private readonly client: Client;
  private inflightBytes = 0;
  private busy = 0;
  private readonly freeSlots: number[];
  private readonly waiting: ((slot: number) => void)[] = [];
  private backoffMs = 0;
  private retryAt = 0;

  constructor(readonly address: string, private readonly o: PeersOptions, private readonly m: PeersMetrics | undefined) {
    const { credentials, options } = clientCredentials(o.tls);
    this.client = new Client(address, credentials, {
      'grpc.max_receive_message_length': 2 ** 31 - 1,
      'grpc.max_send_message_length': 2 ** 31 - 1,
      // Fail a call at once while the peer cannot be reached, rather than queueing it until its deadline.
      'grpc.initial_reconnect_backoff_ms': MIN_BACKOFF_MS,
      'grpc.max_reconnect_backoff_ms': Math.max(MIN_BACKOFF_MS, o.maxBackoffMs),
      ...options,
    });
    this.freeSlots = Array.from({ length: Math.max(1, o.workers) }, (_, i) => o.workers - 1 - i);
  }

  get bytesInFlight(): number {
    return this.inflightBytes;
  }

  /** Sends one encoded thanos.WriteRequest; rejects with a ForwardError saying which class of failure. */
  async send(body: Uint8Array): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    if (now < this.retryAt) throw new ForwardError('unavailable', `backing off forward request for endpoint ${this.address} (for another ${this.retryAt - now} ms)`);
    const cap = this.o.maxInflightBytes;
    if (cap > 0 && this.inflightBytes > 0 && this.inflightBytes + body.length > cap) {
      throw new ForwardError('unavailable', `endpoint ${this.address} has ${this.inflightBytes} bytes of writes in flight, cap ${cap} (--receive.forward.max-inflight-bytes): it is not keeping up`);
    }
    this.inflightBytes += body.length;
    this.m?.inflight.inc({ endpoint: this.address }, body.length);
    const queued = (this.o.now ?? Date.now)();
    let slot = -1;
    try {
      slot = await this.acquire();
      this.m?.delay.observe({ worker: String(slot) }, ((this.o.now ?? Date.now)() - queued) / 1000);
      await this.call(body);
      this.backoffMs = 0;
      this.retryAt = 0;
    } catch (err) {
      // Only a peer that answered Unavailable (down, shutting down, replaying) is backed off, as upstream: one that
      // was merely slow (deadline exceeded under load) would otherwise refuse every write for the backoff's length.
      if (err instanceof ForwardError && err.peerDown) this.backOff();
      throw err;
    } finally {
      if (slot >= 0) this.release(slot);
      this.inflightBytes -= body.length;
      this.m?.inflight.dec({ endpoint: this.address }, body.length);
    }
  }

  private backOff(): void {
    const next = this.backoffMs === 0 ? MIN_BACKOFF_MS : Math.min(this.backoffMs * 2, Math.max(MIN_BACKOFF_MS, this.o.maxBackoffMs));
    this.backoffMs = next;
    // Full jitter over the upper half: peers that failed together do not all come back at the same moment.
    const wait = next / 2 + (this.o.random ?? Math.random)() * next / 2;
    this.retryAt = (this.o.now ?? Date.now)() + wait;
  }

  private acquire(): Promise<number> {
    const slot = this.freeSlots.pop();
    if (slot !== undefined) { this.busy++; return Promise.resolve(slot); }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: number): void {
    const next = this.waiting.shift();
    if (next) { next(slot); return; }
    this.busy--;
    this.freeSlots.push(slot);
  }

  private call(body: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.makeUnaryRequest(
        WRITEABLE_STORE_SERVICE.RemoteWrite.path, passthrough, passthrough, asBuffer(body), new Metadata(),
        { deadline: Date.now() + this.o.timeoutMs },
        (err: ServiceError | null) => {
          if (!err) { resolve(); return; }
          reject(classify(err, this.address));
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}

/** A failed call's status as upstream reads it. */
function classify(err: ServiceError, address: string): ForwardError {
  const msg = `forwarding to endpoint ${address}: ${Status[err.code] ?? err.code}: ${err.details || errorMessage(err)}`;
  switch (err.code) {
    case Status.ALREADY_EXISTS: return new ForwardError('conflict', msg, { cause: err });
    case Status.INVALID_ARGUMENT: return new ForwardError('bad-replica', msg, { cause: err });
    // Unreachable, shutting down, replaying its WAL (those back the peer off), or too slow to answer in time: try
    // again later.
    case Status.UNAVAILABLE: return new ForwardError('unavailable', msg, { cause: err, peerDown: true });
    case Status.DEADLINE_EXCEEDED:
    case Status.CANCELLED:
    case Status.RESOURCE_EXHAUSTED:
      return new ForwardError('unavailable', msg, { cause: err });
    default: return new ForwardError('unknown', msg, { cause: err });
  }
}

/** The peers of the current hashring(s), by address; created on first use, closed when they leave every ring. */
export class Peers {
  private readonly peers = new Map<string, Peer>();
  private readonly m: PeersMetrics | undefined;

  constructor(private readonly o: PeersOptions) {
    const registers = o.registry ? [o.registry] : [];
    this.m = o.registry ? {
      inflight: new Gauge({ name: 'thanos_receive_forward_inflight_bytes', help: 'thanos-ts only: bytes of forward requests queued or in flight per endpoint (capped by --receive.forward.max-inflight-bytes).', labelNames: ['endpoint'], registers }),
      delay: new Histogram({
        name: 'thanos_receive_forward_delay_seconds', help: 'The delay between the time the request was received and the time it was forwarded to a worker. ',
        labelNames: ['worker'], buckets: Array.from({ length: 16 }, (_, i) => 0.001 * 2 ** i), registers,
      }),
    } : undefined;
  }

  send(address: string, body: Uint8Array): Promise<void> {
    let p = this.peers.get(address);
    if (!p) this.peers.set(address, p = new Peer(address, this.o, this.m));
    return p.send(body);
  }

  /** Total bytes queued or in flight to all peers. */
  get bytesInFlight(): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.bytesInFlight;
    return n;
  }

  /** Drops connections to peers no longer in `keep` (after a hashring change). Calls in flight finish first. */
  retain(keep: ReadonlySet<string>): void {
    for (const [a, p] of this.peers) {
      if (keep.has(a) || p.bytesInFlight > 0) continue;
      p.close();
      this.peers.delete(a);
      this.m?.inflight.remove({ endpoint: a });
    }
  }

  close(): void {
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
  }
}
