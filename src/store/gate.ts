// A counting gate bounding how many store calls one request runs at once (upstream's gate.Gate).
//
//   const gate = new Gate(4);
//   const release = await gate.acquire(signal);
//   try { await call(); } finally { release(); }

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { AbortError } from '../runtime/errors.js';

/**
 * Upstream's instrumented gate (pkg/gate): `<prefix>gate_<op>_max`, `_in_flight`, `_total` and
 * `_duration_seconds` (time spent waiting at the gate), e.g. thanos_query_concurrent_gate_queries_in_flight.
 */
export class GateMetrics {
  readonly inFlight: Gauge;
  readonly total: Counter;
  readonly waitSeconds: Histogram;
  private readonly aliases: Histogram[];

  /** `waitAliases`: further names for the wait histogram that upstream's mixin reads. */
  constructor(registry: Registry, prefix: string, op: string, limit: number, waitAliases: readonly string[] = []) {
    const registers = [registry];
    const name = `${prefix}gate_${op}`;
    new Gauge({ name: `${name}_max`, help: `Maximum number of concurrent ${op}.`, registers }).set(limit);
    this.inFlight = new Gauge({ name: `${name}_in_flight`, help: `Number of ${op} that are currently in flight.`, registers });
    this.total = new Counter({ name: `${name}_total`, help: `Total number of ${op}.`, registers });
    const buckets = [0.01, 0.1, 0.3, 0.6, 1, 3, 6, 9, 20, 30, 60, 90, 120, 240, 360, 720];
    const help = `How many seconds it took for ${op} to wait at the gate.`;
    this.waitSeconds = new Histogram({ name: `${name}_duration_seconds`, help, buckets, registers });
    this.aliases = waitAliases.map((alias) => new Histogram({ name: alias, help, buckets, registers }));
  }

  waited(seconds: number): void {
    this.total.inc();
    this.waitSeconds.observe(seconds);
    for (const a of this.aliases) a.observe(seconds);
  }
}

export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** `limit` <= 0 means unlimited. */
  constructor(private readonly limit: number, private readonly metrics?: GateMetrics) {}

  /** Resolves with a release function once a slot is free; rejects with AbortError if `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    const m = this.metrics;
    if (!m) return this.enter(signal);
    const started = process.hrtime.bigint();
    const release = await this.enter(signal);
    m.waited(Number(process.hrtime.bigint() - started) / 1e9);
    m.inFlight.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      m.inFlight.dec();
    };
  }

  private enter(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new AbortError('gate wait aborted'));
    if (this.limit <= 0 || this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new AbortError('gate wait aborted'));
      };
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(this.releaser());
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.waiting.shift()?.();
    };
  }
}
