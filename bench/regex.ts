// Label matcher regex throughput: our Matcher (fast paths + re2js, linear time) against a plain JavaScript RegExp
// (backtracking; what the old RE2 → JS translation compiled to) on the same typical, non-pathological matchers, in
// the same run; then matcher compile cost, and the pathological shapes of issue 16 where the JS engine explodes.
// Run: npm run bench:regex   (BENCH_MS (400) sets the time per measurement)
import os from 'node:os';
import { analyseFastRegex } from '../src/tsdb/labels/fast-regex.js';
import { Matcher } from '../src/tsdb/labels/matcher.js';

const MEASURE_MS = Number(process.env['BENCH_MS'] ?? '400');

/** Label values of the kinds matchers run over: instances, pods, metric names, jobs, methods, paths. */
function labelValues(): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3000; i++) {
    out.push(`10.${i % 4}.${(i >> 2) % 250}.${i % 200}:9100`);
    out.push(`api-server-${(i * 7919).toString(36)}-${(i % 5) === 0 ? 'prod' : 'dev'}-${i % 97}`);
    out.push(['node_cpu_seconds_total', 'node_memory_MemFree_bytes', 'http_requests_total', 'go_gc_duration_seconds', 'process_open_fds'][i % 5]! + (i % 3 === 0 ? '' : `_${i % 11}`));
    out.push(['GET', 'POST', 'put', 'Delete'][i % 4]!);
    out.push(`/api/v1/${['query', 'series', 'labels', 'query_range'][i % 4]!}/${i % 13}`);
  }
  return out;
}

interface Case {
  /** The matcher regex as a user writes it (RE2). */
  readonly re2: string;
  /** The same language as a JavaScript RegExp, anchored as Prometheus anchors matchers. */
  readonly js: RegExp;
}

const CASES: readonly Case[] = [
  { re2: 'http_requests_total', js: /^(?:http_requests_total)$/s },
  { re2: 'GET|POST|put', js: /^(?:GET|POST|put)$/s },
  { re2: 'node_.*', js: /^(?:node_.*)$/s },
  { re2: '.*_total', js: /^(?:.*_total)$/s },
  { re2: '.*prod.*', js: /^(?:.*prod.*)$/s },
  { re2: 'api-.+-dev-.+', js: /^(?:api-.+-dev-.+)$/s },
  { re2: '(?i)get|post', js: /^(?:get|post)$/si },
  { re2: '10\\.0\\.(1|2)\\..+', js: /^(?:10\.0\.(1|2)\..+)$/s },
  { re2: 'node_(cpu|memory)_.*', js: /^(?:node_(cpu|memory)_.*)$/s },
  { re2: '[a-z_]+_total', js: /^(?:[a-z_]+_total)$/s },
  { re2: '.*-prod-[0-9]+', js: /^(?:.*-prod-[0-9]+)$/s },
  { re2: '/api/v1/(query|series)/\\d+', js: /^(?:\/api\/v1\/(query|series)\/\d+)$/s },
];

/** Matches per second of `test` over `values`, run for MEASURE_MS after a short warm-up; also the hit count. */
function throughput(values: readonly string[], test: (v: string) => boolean): { perSec: number; hits: number } {
  let hits = 0;
  for (const v of values) if (test(v)) hits++;
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < MEASURE_MS) {
    for (const v of values) test(v);
    n += values.length;
  }
  return { perSec: n / ((performance.now() - started) / 1000), hits };
}

function fmt(perSec: number): string {
  return `${(perSec / 1e6).toFixed(2)} M/s`;
}

function main(): void {
  const values = labelValues();
  console.log(`regex matcher throughput over ${values.length} label values; ${MEASURE_MS} ms per measurement; load average ${loadAvg()}`);
  const ratios: number[] = [];
  for (const c of CASES) {
    const m = new Matcher('=~', 'l', c.re2);
    const ours = throughput(values, (v) => m.matches(v));
    const js = throughput(values, (v) => c.js.test(v));
    if (ours.hits !== js.hits) throw new Error(`${c.re2}: ${ours.hits} hits, JS RegExp ${js.hits}: the bench compares different languages`);
    const ratio = ours.perSec / js.perSec;
    ratios.push(ratio);
    const path = pathOf(c.re2);
    console.log(`  ${c.re2.padEnd(30)} ${path.padEnd(6)} ours ${fmt(ours.perSec).padStart(11)}  js RegExp ${fmt(js.perSec).padStart(11)}  ratio ours/js ${ratio.toFixed(2)}  (${ours.hits} hits)`);
  }
  const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
  console.log(`geometric mean ratio ours/js RegExp (after/before): ${geo.toFixed(2)}; load average ${loadAvg()}`);

  // Compile cost: a querier or store builds matchers per request.
  const compiles = 2000;
  let started = performance.now();
  for (let i = 0; i < compiles; i++) for (const c of CASES) new Matcher('=~', 'l', c.re2).matches('x');
  const oursCompileUs = ((performance.now() - started) * 1000) / (compiles * CASES.length);
  started = performance.now();
  for (let i = 0; i < compiles; i++) for (const c of CASES) new RegExp(c.js.source, c.js.flags).test('x');
  const jsCompileUs = ((performance.now() - started) * 1000) / (compiles * CASES.length);
  console.log(`matcher construction: ours ${oursCompileUs.toFixed(1)} µs, js RegExp ${jsCompileUs.toFixed(1)} µs per matcher`);

  // Pathological shapes: time for one value that does not match, as it grows.
  console.log('pathological matchers (one non-matching value; JS RegExp time grows exponentially, ours linearly):');
  for (const [re2, js, unit] of [['(a+)+b', /^(?:(a+)+b)$/s, 'a'], ['(.*.*)*x', /^(?:(.*.*)*x)$/s, 'a'], ['http_req([a-z_]+)+U', /^(?:http_req([a-z_]+)+U)$/s, 'r']] as const) {
    const m = new Matcher('=~', 'l', re2);
    const row: string[] = [];
    let jsMs = 0;
    for (const n of [8, 12, 16, 20, 24]) {
      const v = (re2.startsWith('http') ? 'http_req' : '') + unit.repeat(n);
      const t0 = performance.now();
      m.matches(v);
      const oursMs = performance.now() - t0;
      // Each step multiplies the JS time; stop before one call takes minutes.
      if (jsMs < 300) {
        const t1 = performance.now();
        js.test(v);
        jsMs = performance.now() - t1;
        row.push(`n=${n}: js ${jsMs.toFixed(1)} ms, ours ${oursMs.toFixed(2)} ms`);
      } else {
        row.push(`n=${n}: js skipped, ours ${oursMs.toFixed(2)} ms`);
      }
    }
    const long = 'a'.repeat(100_000);
    const t0 = performance.now();
    m.matches(long);
    row.push(`n=100000: ours ${(performance.now() - t0).toFixed(1)} ms`);
    console.log(`  ${re2.padEnd(22)} ${row.join('; ')}`);
  }
}

function pathOf(re2: string): string {
  const fast = analyseFastRegex(re2);
  return fast === undefined ? 'engine' : fast.literals ? 'set' : 'fast';
}

function loadAvg(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

main();
