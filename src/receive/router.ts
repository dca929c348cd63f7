// Routing writes through the hashring (upstream pkg/receive/handler.go fan-out, ../shared/reference/
// compact-receive-rule.md §2.3–2.4): each series goes to the endpoints of its replicas; series are grouped per
// (endpoint, replica) into one request each; the local endpoint's group is written in-process, the others are
// forwarded over gRPC. A series is written once `quorum` of its replicas are; the request's outcome aggregates the
// series' failures (unavailable > not ready > conflict > unknown).

import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { InvalidArgumentError, UnavailableError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import type { Hashring } from './hashring/hashring.js';
import { encodeForwardedRequest } from './forward-request.js';
import { ForwardError, type ForwardFailure, type Peers } from './peers.js';
import type { WriteRequest, WriteSeries } from './write-request.js';
import type { TenantWriter, WriteResult } from './writer.js';

/** Upstream's write quorum: RF=2 → 1 (either copy is enough), otherwise a majority. */
export function writeQuorum(replicationFactor: number): number {
  return replicationFactor === 2 ? 1 : Math.floor(replicationFactor / 2) + 1;
}

export interface RouterOptions {
  /** The current hashring; read on every request, so a reload takes effect at once. */
  readonly hashring: () => Hashring;
  /** --receive.local-endpoint; undefined in RouterOnly mode. */
  readonly localEndpoint: string | undefined;
  /** Writes the local endpoint's share; undefined in RouterOnly mode. */
  readonly local: TenantWriter | undefined;
  readonly peers: Peers;
  /** --receive.replication-factor */
  readonly replicationFactor: number;
  /** --receive-forward-timeout in ms: the whole fan-out's bound. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
}

interface RouterMetrics {
  readonly forwards: Counter;
  readonly replications: Counter;
}

/** The worst class wins at the request level. */
const SEVERITY: Readonly<Record<ForwardFailure, number>> = { 'unavailable': 4, 'not-ready': 3, 'conflict': 2, 'unknown': 1, 'bad-replica': 5 };

const EMPTY: Omit<WriteResult, 'samplesWritten'> = {
  conflicts: 0, conflictReason: undefined, unsupported: 0, unsupportedReason: undefined, outOfOrder: 0, duplicate: 0, outOfBounds: 0, badLabels: 0,
};

interface Group {
  readonly address: string;
  readonly replica: number;
  readonly series: WriteSeries[];
  /** Index of each series in the request. */
  readonly index: number[];
}

export class Router implements TenantWriter {
  private readonly m: RouterMetrics | undefined;

  constructor(private readonly o: RouterOptions) {
    if (o.replicationFactor < 1) throw new InvalidArgumentError(`replication factor ${o.replicationFactor} must be at least 1`);
    if (o.registry) {
      const registers = [o.registry];
      const forwards = new Counter({ name: 'thanos_receive_forward_requests_total', help: 'The number of forward requests.', labelNames: ['result'], registers });
      const replications = new Counter({ name: 'thanos_receive_replications_total', help: 'The number of replication operations done by the receiver. The success of replication is fulfilled when a quorum is met.', labelNames: ['result'], registers });
      for (const c of [forwards, replications]) { c.inc({ result: 'success' }, 0); c.inc({ result: 'error' }, 0); }
      new Gauge({ name: 'thanos_receive_replication_factor', help: 'The number of times to replicate incoming write requests.', registers }).set(o.replicationFactor);
      this.m = { forwards, replications };
    }
  }

  async write(tenant: string, req: WriteRequest, replica = 0): Promise<WriteResult> {
    const rf = this.o.replicationFactor;
    if (replica > rf) throw new InvalidArgumentError(`replica ${replica} is more than the replication factor ${rf}`);
    const already = replica > 0;
    const replicas = already ? [replica - 1] : Array.from({ length: rf }, (_, i) => i);
    const quorum = already ? 1 : writeQuorum(rf);
    const ring = this.o.hashring();
    const groups = new Map<string, Group>();
    for (let i = 0; i < req.series.length; i++) {
      const s = req.series[i]!;
      let endpoints;
      try {
        endpoints = ring.endpointsFor(tenant, req.labelsOf(s), rf);
      } catch (err) {
        throw new Error(`hashring: ${errorMessage(err)}`, { cause: err });
      }
      for (const n of replicas) {
        const ep = endpoints[n];
        if (ep === undefined) throw new Error(`hashring returned ${endpoints.length} endpoints for replication factor ${rf}`);
        const key = `${n}\u0000${ep.address}`;
        let g = groups.get(key);
        if (!g) groups.set(key, g = { address: ep.address, replica: n, series: [], index: [] });
        g.series.push(s);
        g.index.push(i);
      }
    }
    const n = req.series.length;
    const ok = new Uint8Array(n);
    const failed = new Uint8Array(n);
    // Per series, failures by class (a series has at most rf replicas, so small counts).
    const byClass = new Map<ForwardFailure, Uint8Array>();
    const firstError = new Map<ForwardFailure, string>();
    let local: WriteResult | undefined;
    let undecided = n;
    const failThreshold = replicas.length - quorum + 1;
    let settle!: () => void;
    const decided = new Promise<void>((resolve) => { settle = resolve; });
    if (n === 0) settle();
    const record = (g: Group, kind: ForwardFailure | undefined, message: string): void => {
      if (kind !== undefined && !firstError.has(kind)) firstError.set(kind, message);
      let counts: Uint8Array | undefined;
      if (kind !== undefined) {
        counts = byClass.get(kind);
        if (!counts) byClass.set(kind, counts = new Uint8Array(n));
      }
      for (const i of g.index) {
        const wasDecided = ok[i]! >= quorum || failed[i]! >= failThreshold;
        if (kind === undefined) ok[i]!++;
        else { failed[i]!++; counts![i]!++; }
        if (!wasDecided && (ok[i]! >= quorum || failed[i]! >= failThreshold)) undecided--;
      }
      if (undecided === 0) settle();
    };
    const writes: Promise<void>[] = [];
    for (const g of groups.values()) {
      const isLocal = this.o.local !== undefined && g.address === this.o.localEndpoint;
      const run = isLocal ? this.writeLocal(tenant, req, g, (r) => { local = r; }) : this.forward(tenant, req, g, already);
      writes.push(run.then(
        () => record(g, undefined, ''),
        (err: unknown) => record(g, err instanceof ForwardError ? err.kind : 'unknown', errorMessage(err)),
      ));
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), this.o.timeoutMs); });
    // Every write has a deadline of its own; this bounds the whole fan-out even if one never answers.
    const all = Promise.all(writes).then(() => false);
    const late = await Promise.race([decided.then(() => false), all, timedOut]);
    clearTimeout(timer);
    // Per series: written, or its most frequent failure class when that reached quorum, else unavailable (§2.4).
    let worst: ForwardFailure | undefined;
    let failedSeries = 0;
    for (let i = 0; i < n; i++) {
      if (ok[i]! >= quorum) continue;
      failedSeries++;
      let kind: ForwardFailure = 'unavailable';
      let best = 0;
      for (const [k, counts] of byClass) if (counts[i]! > best) { best = counts[i]!; kind = k; }
      if (best < quorum && kind !== 'bad-replica') kind = 'unavailable';
      if (worst === undefined || SEVERITY[kind] > SEVERITY[worst]) worst = kind;
    }
    const base: WriteResult = {
      ...EMPTY, ...(local ?? {}), samplesWritten: req.samples,
      unsupported: req.histograms, unsupportedReason: req.histograms > 0 ? `${req.histograms} native histogram samples are not supported yet` : undefined,
    };
    if (worst === undefined) {
      this.m?.replications.inc({ result: 'success' });
      return { ...base, conflicts: 0, conflictReason: undefined };
    }
    if (!already) this.m?.replications.inc({ result: 'error' });
    const detail = `${failedSeries} of ${n} series did not reach write quorum ${quorum}${late ? ` within ${this.o.timeoutMs} ms` : ''}: ${firstError.get(worst) ?? 'no answer in time'}`;
    switch (worst) {
      case 'unavailable':
      case 'not-ready':
        throw new UnavailableError(detail);
      case 'conflict':
        return { ...base, samplesWritten: Math.max(0, req.samples - Math.max(failedSeries, base.conflicts)), conflicts: base.conflicts > 0 ? base.conflicts : failedSeries, conflictReason: detail };
      case 'bad-replica':
        throw new InvalidArgumentError(detail);
      default:
        throw new Error(detail);
    }
  }

  /** Writes the group locally; `done` gets the result (counted in metrics) even when it has conflicts. */
  private async writeLocal(tenant: string, req: WriteRequest, g: Group, done: (r: WriteResult) => void): Promise<void> {
    const local = this.o.local!;
    const sub: WriteRequest = { ...req, series: g.series, labelsOf: (s) => req.labelsOf(s) };
    let r: WriteResult;
    try {
      r = await local.write(tenant, sub);
    } catch (err) {
      if (err instanceof UnavailableError) throw new ForwardError('not-ready', `writing locally: ${errorMessage(err)}`, { cause: err });
      throw err;
    }
    done(r);
    if (r.conflicts > 0) throw new ForwardError('conflict', `writing locally: ${r.conflictReason ?? 'conflict'}`);
  }

  private async forward(tenant: string, req: WriteRequest, g: Group, already: boolean): Promise<void> {
    // Replica numbers are 1-based on the wire; 0 would mean "not replicated yet".
    const wire = encodeForwardedRequest(tenant, g.replica + 1, req, g.series);
    try {
      await this.o.peers.send(g.address, wire);
      this.m?.forwards.inc({ result: 'success' });
    } catch (err) {
      if (!(err instanceof ForwardError && err.kind === 'conflict')) {
        this.m?.forwards.inc({ result: 'error' });
        if (!already) this.o.logger.debug('forward failed', { endpoint: g.address, err: errorMessage(err) });
      }
      throw err;
    }
  }
}
