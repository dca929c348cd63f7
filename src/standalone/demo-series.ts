// Synthesises a realistic small cluster's metrics for the standalone --demo data set: HTTP request counters by
// job/instance/handler/code, a classic latency histogram, CPU and memory gauges, and `up`. Deterministic (seeded),
// so the same time range yields the same data, and replicas differ only as HA scrapes do (small time offsets).
import type { Labels } from '../tsdb/labels/labels.js';
import { labelsFromRecord } from '../tsdb/labels/labels.js';

export interface DemoSeries {
  readonly labels: Labels;
  /** Value at time t (ms) for the sample index i; counters are monotonic. */
  readonly sample: (i: number, t: number) => number;
}

const JOBS = [
  { job: 'api', instances: 3, handlers: ['/api/v1/orders', '/api/v1/users', '/healthz'] },
  { job: 'frontend', instances: 2, handlers: ['/', '/checkout', '/static'] },
  { job: 'payments', instances: 2, handlers: ['/charge', '/refund'] },
];
const CODES: readonly (readonly [string, number])[] = [['200', 0.95], ['404', 0.03], ['500', 0.02]];
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

/** A small deterministic hash → [0, 1). */
function unit(seed: number): number {
  let x = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return (x >>> 0) / 2 ** 32;
}

/** Requests per second for a handler over the day: a daily wave plus a little noise. */
function rps(base: number, t: number, seed: number): number {
  const day = (t / 86_400_000) * 2 * Math.PI;
  return base * (1 + 0.5 * Math.sin(day + seed)) + base * 0.1 * unit(Math.floor(t / 60_000) + seed);
}

/** Every series of one replica's scrape of the cluster, with the given scrape interval (ms). */
export function demoSeries(intervalMs: number): DemoSeries[] {
  const out: DemoSeries[] = [];
  let seed = 1;
  for (const { job, instances, handlers } of JOBS) {
    for (let n = 0; n < instances; n++) {
      const instance = `${job}-${n}:8080`;
      out.push({ labels: labelsFromRecord({ __name__: 'up', job, instance }), sample: () => 1 });
      const cpuSeed = seed++;
      // Counters accumulate with the integral of the rate; the closure keeps the running total.
      const counter = (rate: (t: number) => number): DemoSeries['sample'] => {
        let total = 0;
        let lastI = -1;
        return (i, t) => {
          if (i !== lastI + 1) total = 0;
          if (i > 0) total += rate(t) * (intervalMs / 1000);
          lastI = i;
          return Math.round(total * 1000) / 1000;
        };
      };
      out.push({ labels: labelsFromRecord({ __name__: 'process_cpu_seconds_total', job, instance }), sample: counter((t) => 0.2 + 0.3 * unit(Math.floor(t / 300_000) + cpuSeed)) });
      const memSeed = seed++;
      out.push({ labels: labelsFromRecord({ __name__: 'process_resident_memory_bytes', job, instance }), sample: (_i, t) => Math.round(2e8 + 5e7 * unit(Math.floor(t / 600_000) + memSeed)) });
      for (const handler of handlers) {
        const base = 5 + 20 * unit(seed++);
        const hSeed = seed++;
        for (const [code, share] of CODES) {
          out.push({
            labels: labelsFromRecord({ __name__: 'http_requests_total', job, instance, handler, code, method: 'GET' }),
            sample: counter((t) => rps(base, t, hSeed) * share),
          });
        }
        // A classic histogram: cumulative bucket counters over the same request rate.
        let le = 0;
        for (const bound of BUCKETS) {
          const frac = bound === '+Inf' ? 1 : Math.min(1, 0.15 + 0.1 * le++);
          out.push({
            labels: labelsFromRecord({ __name__: 'http_request_duration_seconds_bucket', job, instance, handler, le: bound }),
            sample: counter((t) => rps(base, t, hSeed) * frac),
          });
        }
        out.push({ labels: labelsFromRecord({ __name__: 'http_request_duration_seconds_count', job, instance, handler }), sample: counter((t) => rps(base, t, hSeed)) });
        out.push({ labels: labelsFromRecord({ __name__: 'http_request_duration_seconds_sum', job, instance, handler }), sample: counter((t) => rps(base, t, hSeed) * 0.08) });
      }
    }
  }
  return out;
}
