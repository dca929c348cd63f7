// Interop with real Prometheus 2.42 tools, both ways: promtool-written blocks read by thanos-ts, thanos-ts blocks
// read by promtool and served by a real Prometheus, and XOR chunk bytes compared with promtool's.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockReader } from '../../src/tsdb/block/reader.js';
import type { BlockSeries } from '../../src/tsdb/block/reader.js';
import { readMeta } from '../../src/tsdb/block/meta.js';
import { XorAppender, XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { promtool, promtoolAnalyze, promtoolCreateBlocks, promtoolDump } from '../support/promtool.js';
import { startPrometheus } from '../support/prometheus.js';
import { runToolsTsdb } from './support/run-tools.js';
import { generateOpenMetrics } from './support/testdata.js';

const HOUR = 3_600_000;
let work: string;
let input: string;
let promDir: string;
let oursDir: string;
let data: ReturnType<typeof generateOpenMetrics>;

const sortLines = (s: string): string[] => s.split('\n').filter((l) => l !== '').sort();

async function blockDirs(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory() && /^[0-9A-Z]{26}$/.test(e.name)) out.push(path.join(dir, e.name));
  return out;
}

async function byMinTime(dir: string): Promise<Map<number, string>> {
  const m = new Map<number, string>();
  for (const d of await blockDirs(dir)) m.set((await readMeta(d)).minTime, d);
  return m;
}

async function allSeries(dir: string): Promise<BlockSeries[]> {
  const r = await BlockReader.open(dir);
  try {
    const out: BlockSeries[] = [];
    for await (const s of r.select([])) out.push(s);
    return out;
  } finally {
    await r.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'tsdb-interop-'));
  // Recent data (Prometheus applies its 15d retention to the blocks it serves), starting at the same offset into a
  // UTC day on every run so block and chunk boundaries, and so the chunk bytes, are the same each time.
  const DAY = 24 * HOUR;
  const base = Math.floor((Date.now() - 12 * HOUR) / DAY) * DAY - DAY + 7 * 60_000;
  data = generateOpenMetrics(base);
  input = path.join(work, 'input.om');
  await writeFile(input, data.text);
  promDir = path.join(work, 'prom');
  oursDir = path.join(work, 'ours');
  await promtoolCreateBlocks(input, promDir);
  const r = await runToolsTsdb(['create-blocks-from', 'openmetrics', '-q', input, oursDir]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('tools tsdb create-blocks-from openmetrics', () => {
  it('cuts the same blocks as promtool (boundaries and stats)', async () => {
    const prom = await byMinTime(promDir);
    const ours = await byMinTime(oursDir);
    expect([...ours.keys()].sort()).toEqual([...prom.keys()].sort());
    expect(prom.size).toBeGreaterThanOrEqual(4);
    for (const [mint, d] of prom) {
      const a = await readMeta(d);
      const b = await readMeta(ours.get(mint)!);
      expect({ maxTime: b.maxTime, stats: b.stats, level: b.compaction.level }).toEqual({ maxTime: a.maxTime, stats: a.stats, level: a.compaction.level });
      expect(b.compaction.sources).toEqual([b.ulid]);
    }
  });

  it('writes XOR chunks equal to promtool\'s except for the 2.x trailing byte, and an identical index when no chunk has it', async () => {
    const prom = await byMinTime(promDir);
    const ours = await byMinTime(oursDir);
    let chunks = 0;
    let quirks = 0;
    for (const [mint, pd] of prom) {
      const od = ours.get(mint)!;
      const ps = await allSeries(pd);
      const os2 = await allSeries(od);
      expect(os2.map((s) => formatLabels(s.labels))).toEqual(ps.map((s) => formatLabels(s.labels)));
      let blockQuirks = 0;
      ps.forEach((p, i) => {
        const o = os2[i]!;
        expect(o.chunks.map((c) => [c.minTime, c.maxTime])).toEqual(p.chunks.map((c) => [c.minTime, c.maxTime]));
        p.chunks.forEach((pc, k) => {
          const oc = o.chunks[k]!;
          chunks++;
          // Re-encode our chunk's samples in the 2.x form: must be promtool's bytes exactly.
          const it = new XorIterator(oc.data);
          const a = new XorAppender();
          while (it.next()) a.append(it.atT(), it.atF());
          expect(Buffer.from(a.bytes()).equals(Buffer.from(oc.data))).toBe(true);
          expect(Buffer.from(a.bytes(true)).toString('hex')).toBe(Buffer.from(pc.data).toString('hex'));
          if (pc.data.length !== oc.data.length) {
            expect(pc.data.length).toBe(oc.data.length + 1);
            expect(pc.data[pc.data.length - 1]).toBe(0);
            blockQuirks++;
          }
        });
      });
      quirks += blockQuirks;
      if (blockQuirks === 0) {
        expect((await readFile(path.join(od, 'index'))).equals(await readFile(path.join(pd, 'index')))).toBe(true);
        expect((await readFile(path.join(od, 'chunks', '000001'))).equals(await readFile(path.join(pd, 'chunks', '000001')))).toBe(true);
      }
      expect((await readFile(path.join(od, 'tombstones'))).equals(await readFile(path.join(pd, 'tombstones')))).toBe(true);
    }
    expect(chunks).toBeGreaterThan(30);
    expect(quirks).toBeGreaterThan(0);
  });
});

describe('tools tsdb dump', () => {
  it('prints exactly what promtool tsdb dump prints for a promtool-written data dir', async () => {
    const want = await promtoolDump(promDir);
    const got = await runToolsTsdb(['dump', promDir]);
    expect(got.code).toBe(0);
    expect(sortLines(got.stdout)).toEqual(sortLines(want));
    expect(got.stdout).toBe(want);
    expect(sortLines(want).length).toBe(data.series.reduce((n, s) => n + s.t.length, 0));
  });

  it('applies --match, --min-time and --max-time as promtool does', async () => {
    const all = data.series.flatMap((s) => s.t);
    const mint = Math.min(...all) + 2 * HOUR;
    const maxt = mint + 3 * HOUR;
    const flags = { minTime: mint, maxTime: maxt, match: '{__name__=~"gauge_x|http_.*", code!="201", inst!~"(?i)I2"}' };
    const want = await promtoolDump(promDir, flags);
    const got = await runToolsTsdb(['dump', `--min-time=${mint}`, `--max-time=${maxt}`, `--match=${flags.match}`, promDir]);
    expect(got.code).toBe(0);
    expect(sortLines(got.stdout)).toEqual(sortLines(want));
    expect(want.includes('code="201"')).toBe(false);
    expect(want.includes('inst="i2"')).toBe(false);
    expect(want.length).toBeGreaterThan(0);
  });

  it('blocks written by thanos-ts are dumped by promtool identically', async () => {
    const want = await promtoolDump(promDir);
    const got = await promtoolDump(oursDir);
    expect(sortLines(got)).toEqual(sortLines(want));
  });
});

describe('tools tsdb list and analyze', () => {
  it('list prints the table promtool tsdb list prints, plain and human-readable', async () => {
    for (const flags of [[], ['-r']]) {
      const got = await runToolsTsdb(['list', ...flags, promDir]);
      expect(got.code).toBe(0);
      expect(got.stdout).toBe(await promtool(['tsdb', 'list', ...flags, promDir]));
    }
  });

  it('analyze reports the same block summary and counts as promtool tsdb analyze', async () => {
    const got = await runToolsTsdb(['analyze', promDir]);
    const want = await promtoolAnalyze(promDir);
    expect(got.code).toBe(0);
    const summary = (s: string): string[] => s.split('\n').slice(0, 6);
    expect(summary(got.stdout)).toEqual(summary(want.stdout));
    // Lists sort by count; ties come out in map order in Go, so compare them as sets.
    expect(sortLines(got.stdout)).toEqual(sortLines(want.stdout));
  });
});

describe('promtool and Prometheus on thanos-ts blocks', () => {
  it('promtool tsdb analyze accepts every block', async () => {
    for (const d of await blockDirs(oursDir)) {
      const r = await promtoolAnalyze(oursDir, path.basename(d));
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Block ID: ${path.basename(d)}`);
    }
  });

  it('a real Prometheus serves them: instant queries give the input values, range queries match promtool blocks', async () => {
    const promServer = await startPrometheus({ dataDir: promDir });
    const oursServer = await startPrometheus({ dataDir: oursDir });
    try {
      // An instant query at each series' 100th (or only) sample returns exactly that sample.
      for (const s of data.series) {
        const at = Math.min(100, s.t.length - 1);
        const t = s.t[at]!;
        const sel = `${s.labels['__name__']}{${Object.entries(s.labels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
        const res = await oursServer.api('query', { query: `timestamp(${sel})`, time: String(t / 1000) }) as { status: string; data: { result: { value: [number, string] }[] } };
        expect(res.status).toBe('success');
        expect(Number(res.data.result[0]!.value[1])).toBe(t / 1000);
        const v = await oursServer.api('query', { query: sel, time: String(t / 1000) }) as { data: { result: { value: [number, string] }[] } };
        const want = s.v[at]!;
        const got = v.data.result[0]!.value[1];
        expect(got === '+Inf' ? Infinity : got === '-Inf' ? -Infinity : Number(got)).toBe(want === 0 ? 0 : want);
      }
      const all = data.series.flatMap((s) => s.t);
      const params = { query: '{__name__=~".+"}', start: String(Math.min(...all) / 1000), end: String(Math.max(...all) / 1000), step: '60' };
      const a = await promServer.api('query_range', params) as { status: string; data: { result: unknown[] } };
      const b = await oursServer.api('query_range', params);
      expect(a.status).toBe('success');
      expect(a.data.result.length).toBe(data.series.length);
      expect(b).toEqual(a);
    } finally {
      await promServer.stop();
      await oursServer.stop();
    }
  });
});
