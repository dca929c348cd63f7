// The head and WAL against a real Prometheus 2.42: a WAL thanos-ts writes is replayed by Prometheus and promtool
// without repair and dumps as appended; a WAL Prometheus writes while scraping (then SIGKILLed) is replayed by
// thanos-ts and dumps as promtool dumps it; head compaction output passes promtool tsdb analyze and dumps as
// appended.

import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_NAN } from '../../../src/tsdb/chunkenc/chunk.js';
import { Db } from '../../../src/tsdb/head/db.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { listSegments } from '../../../src/tsdb/wal/segment.js';
import { startPrometheus } from '../../support/prometheus.js';
import { freePort } from '../../support/peers/process.js';
import { promtoolAnalyze, promtoolDump } from '../../support/promtool.js';
import { runToolsTsdb } from '../support/run-tools.js';
import { Appended, dumpDir } from './support.js';

const dirs: string[] = [];
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'head-interop-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('WAL interop with Prometheus 2.42', () => {
  it('a WAL written by thanos-ts is replayed by Prometheus without repair and promtool dumps what was appended', async () => {
    const dir = await tmp();
    const data = path.join(dir, 'data');
    // Small segments so records are spread over several segment files and split over pages.
    const db = await Db.open(data, { walSegmentSize: 32 * 1024 });
    const want = new Appended();
    // Recent samples (retention applies to what Prometheus serves), 40 minutes at 15 s, 60 series.
    const start = Math.floor((Date.now() - 45 * 60_000) / 1000) * 1000;
    for (let step = 0; step < 160; step++) {
      const app = db.appender();
      const t = start + step * 15_000;
      for (let i = 0; i < 60; i++) {
        const labels = labelsFromRecord({ __name__: `interop_metric_${i % 3}`, instance: `host-${i}`, job: 'interop' });
        const v = step === 159 && i === 7 ? STALE_NAN : (i % 5 === 0 ? step * 1.5 : Math.sin(step + i) * 1e6);
        app.append(labels, t, v);
        want.add(labels, t, v);
      }
      app.commit();
    }
    await db.close();
    expect(listSegments(path.join(data, 'wal')).length).toBeGreaterThan(2);

    expect(await promtoolDump(data)).toBe(want.dump());

    const prom = await startPrometheus({ dataDir: data, workDir: path.join(dir, 'prom') });
    try {
      const end = (start + 159 * 15_000) / 1000;
      const res = await prom.api('query', { query: 'count_over_time(interop_metric_1{job="interop"}[1h])', time: String(end) }) as
        { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      expect(res.data.result).toHaveLength(20);
      // host-7's last sample is a stale marker, which count_over_time leaves out.
      for (const r of res.data.result) expect(r.value[1]).toBe(r.metric['instance'] === 'host-7' ? '159' : '160');
    } finally {
      await prom.stop();
    }
    const log = await readFile(prom.logFile, 'utf8');
    expect(log).toMatch(/WAL replay completed/);
    expect(log).not.toMatch(/repair|corrupt|WAL read error|unknown series references/i);
  }, 120_000);

  it('a WAL written by a scraping Prometheus and then SIGKILLed replays in thanos-ts as promtool dumps it', async () => {
    const dir = await tmp();
    const data = path.join(dir, 'data');
    const port = await freePort();
    const prom = await startPrometheus({
      dataDir: data, workDir: path.join(dir, 'prom'), port,
      config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    });
    try {
      // Wait for a handful of scrapes to be in the WAL.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const res = await prom.api('query', { query: 'count_over_time(up[1m])' }) as { data: { result: { value: [number, string] }[] } };
        if (Number(res.data.result[0]?.value[1] ?? 0) >= 5) break;
        if (Date.now() > deadline) throw new Error('Prometheus did not scrape 5 times in 30 s');
        await new Promise((r) => setTimeout(r, 300));
      }
    } finally {
      process.kill(prom.process.pid, 'SIGKILL');
      await prom.stop();
    }
    const ours = await dumpDir(data);
    const theirs = await promtoolDump(data);
    expect(ours.split('\n').length).toBeGreaterThan(1000);
    expect(ours).toBe(theirs);
    // The same through the command line.
    const cli = await runToolsTsdb(['dump', data]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toBe(theirs);
  }, 120_000);

  it('head compaction writes a block promtool analyzes, and the directory dumps as appended', async () => {
    const dir = await tmp();
    const data = path.join(dir, 'data');
    const steps: string[] = [];
    const db = await Db.open(data, { walSegmentSize: 32 * 1024, onCompactionStep: (s) => steps.push(s) });
    const want = new Appended();
    const start = 1_700_000_000_000;
    // 4 h at 30 s: the head spans more than 3 h, so one 2 h-aligned range is compacted.
    for (let step = 0; step < 480; step++) {
      const app = db.appender();
      const t = start + step * 30_000;
      for (let i = 0; i < 25; i++) {
        const labels = labelsFromRecord({ __name__: 'compacted', series: String(i) });
        const v = step * 10 + i;
        app.append(labels, t, v);
        want.add(labels, t, v);
      }
      app.commit();
    }
    const metas = await db.compactHead();
    expect(metas).toHaveLength(1);
    expect(steps).toContain('checkpointed');
    const meta = metas[0]!;
    expect(meta.minTime).toBe(start);
    expect(meta.maxTime).toBe(Math.floor(start / 7_200_000) * 7_200_000 + 7_200_000);
    expect(db.head.minTime).toBeGreaterThanOrEqual(meta.maxTime);
    await db.close();

    const walEntries = await readdir(path.join(data, 'wal'));
    expect(walEntries.some((e) => /^checkpoint\.\d{8}$/.test(e))).toBe(true);
    const analyze = await promtoolAnalyze(data, meta.ulid);
    expect(analyze.code, analyze.stderr).toBe(0);
    expect(analyze.stdout).toMatch(/Block ID: /);
    expect(await promtoolDump(data)).toBe(want.dump());
    expect(await dumpDir(data)).toBe(want.dump());

    // And after a restart (replay from checkpoint + segments, block in place) nothing is lost or doubled.
    const again = await Db.open(data);
    await again.close();
    expect(await dumpDir(data)).toBe(want.dump());
  }, 120_000);
});
