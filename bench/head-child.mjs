// Child process of bench/head.ts, over the compiled dist/: `replay DIR` opens a TSDB directory (WAL replay) and
// prints "ready <ms>"; `memory SERIES STEPS STEP_MS WINDOW` appends SERIES x STEPS samples to a head with a WAL in a
// temporary directory (window by window, as the bench remote-writes to Prometheus) and prints RSS before and after.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Db } from '../dist/tsdb/head/db.js';

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'replay') {
  const db = await Db.open(rest[0]);
  process.stdout.write(`ready series=${db.replay.series} samples=${db.replay.samples}\n`);
  await db.close();
} else if (mode === 'memory') {
  const [series, steps, stepMs, window, start] = rest.map(Number);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-head-mem-'));
  try {
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    const db = await Db.open(dir);
    const labels = [];
    for (let i = 0; i < series; i++) {
      labels.push([{ name: '__name__', value: `bench_metric_${i % 100}` }, { name: 'instance', value: `host-${i}` }, { name: 'job', value: 'bench' }]);
    }
    for (let w = 0; w < steps; w += window) {
      for (let i = 0; i < series; i += 1000) {
        const app = db.appender();
        for (let j = i; j < Math.min(series, i + 1000); j++) {
          for (let k = w; k < Math.min(steps, w + window); k++) app.append(labels[j], start + k * stepMs, (j * 7 + k) % 1000);
        }
        app.commit();
      }
    }
    labels.length = 0;
    globalThis.gc?.();
    const after = process.memoryUsage().rss;
    process.stdout.write(`rss before=${before} after=${after} series=${db.head.numSeries}\n`);
    await db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
