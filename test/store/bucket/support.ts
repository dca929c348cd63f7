// Test fixtures for the store gateway: blocks written by a real promtool from generated OpenMetrics, uploaded with a
// Thanos meta.json section, and promtool's own `tsdb dump` parsed as the expected answer.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatThanosMeta, withThanosSection } from '../../../src/block/meta.js';
import type { Bucket } from '../../../src/objstore/bucket.js';
import { readMeta } from '../../../src/tsdb/block/meta.js';
import { XorIterator } from '../../../src/tsdb/chunkenc/xor.js';
import { ValNone } from '../../../src/tsdb/chunkenc/chunk.js';
import { formatLabels, sortLabels, type Label, type Labels } from '../../../src/tsdb/labels/labels.js';
import type { Series } from '../../../src/store/store-api.js';

/** promtool from PATH; fails loudly when missing. */
export function promtool(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('promtool is not installed (Debian package prometheus): command promtool not found on PATH');
  }
}

/** 2h-aligned start so promtool cuts predictable blocks. */
export const T0 = Date.UTC(2024, 0, 1, 0, 0, 0);
export const STEP_MS = 60_000;

/**
 * OpenMetrics text for `hours` of data from T0: metrics x jobs x instances gauges, one sample per minute. `seed`
 * makes the two sources' values differ.
 */
export function openMetrics(hours: number, seed: number, instances = 4): string {
  const lines: string[] = [];
  const metrics = ['http_requests', 'cpu_seconds', 'up'];
  for (const m of metrics) {
    lines.push(`# TYPE ${m} gauge`);
    for (const job of ['api', 'db']) {
      for (let i = 0; i < instances; i++) {
        const extra = m === 'http_requests' ? `,code="${i % 2 === 0 ? '200' : '500'}"` : '';
        for (let t = T0; t < T0 + hours * 3600_000; t += STEP_MS) {
          const v = m === 'up' ? 1 : Math.round((t - T0) / 1000 * (i + 1) + seed * 1000 + (job === 'db' ? 7 : 0));
          lines.push(`${m}{job="${job}",instance="host-${i}:9100"${extra}} ${v} ${t / 1000}`);
        }
      }
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** Writes blocks with promtool into `outDir`; returns the block directories. */
export async function promtoolBlocks(workDir: string, name: string, text: string): Promise<string[]> {
  const input = path.join(workDir, `${name}.om`);
  const out = path.join(workDir, name);
  await writeFile(input, text);
  execFileSync(promtool(), ['tsdb', 'create-blocks-from', 'openmetrics', input, out], { stdio: 'pipe' });
  return (await readdir(out)).filter((d) => /^[0-9A-Z]{26}$/.test(d)).sort().map((d) => path.join(out, d));
}

/** Uploads a block directory: chunks, index, then meta.json with a thanos section (labels, files) last. */
export async function uploadBlock(bucket: Bucket, dir: string, labels: Record<string, string>): Promise<string> {
  const meta = await readMeta(dir);
  const id = meta.ulid;
  const files: { rel_path: string; size_bytes?: number }[] = [];
  const segs = (await readdir(path.join(dir, 'chunks'))).sort();
  for (const s of segs) {
    const b = await readFile(path.join(dir, 'chunks', s));
    await bucket.upload(`${id}/chunks/${s}`, b);
    files.push({ rel_path: `chunks/${s}`, size_bytes: b.length });
  }
  const index = await readFile(path.join(dir, 'index'));
  await bucket.upload(`${id}/index`, index);
  files.push({ rel_path: 'index', size_bytes: index.length }, { rel_path: 'meta.json' });
  const tm = withThanosSection(meta, { labels, source: 'test', files });
  await bucket.upload(`${id}/meta.json`, Buffer.from(formatThanosMeta(tm)));
  return id;
}

export async function indexSize(dir: string): Promise<number> {
  return (await stat(path.join(dir, 'index'))).size;
}

/** label set key → [timestamps, values] */
export type SampleMap = Map<string, { labels: Labels; ts: number[]; vs: number[] }>;

/** Parses `promtool tsdb dump` of a directory of blocks, adding `ext` labels to every series. */
export function promtoolDump(dbDir: string, ext: Record<string, string>): SampleMap {
  const out: SampleMap = new Map();
  // promtool opens the directory as a TSDB and wants a WAL directory, even an empty one.
  mkdirSync(path.join(dbDir, 'wal'), { recursive: true });
  const text = execFileSync(promtool(), ['tsdb', 'dump', dbDir], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^\{(.*)\} (\S+) (-?\d+)$/.exec(line);
    if (!m) throw new Error(`unexpected promtool dump line: ${line}`);
    const labels: Label[] = [];
    for (const p of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels.push({ name: p[1]!, value: JSON.parse(`"${p[2]!}"`) as string });
    for (const [k, v] of Object.entries(ext)) if (!labels.some((l) => l.name === k)) labels.push({ name: k, value: v });
    sortLabels(labels);
    const key = formatLabels(labels);
    let e = out.get(key);
    if (!e) { e = { labels, ts: [], vs: [] }; out.set(key, e); }
    e.ts.push(Number(m[3]));
    e.vs.push(Number(m[2]));
  }
  for (const e of out.values()) {
    const order = e.ts.map((_, i) => i).sort((a, b) => e.ts[a]! - e.ts[b]!);
    e.ts = order.map((i) => e.ts[i]!);
    e.vs = order.map((i) => e.vs[i]!);
  }
  return out;
}

/** Decodes a Series' XOR chunks into samples within [mint, maxt], dropping duplicates from overlapping chunks. */
export function samplesOf(s: Series, mint: number, maxt: number): { ts: number[]; vs: number[] } {
  const ts: number[] = [];
  const vs: number[] = [];
  const it = new XorIterator();
  for (const c of s.chunks) {
    it.reset(c.raw!.data);
    while (it.next() !== ValNone) {
      const t = it.atT();
      if (t < mint || t > maxt) continue;
      if (ts.length > 0 && t <= ts[ts.length - 1]!) continue;
      ts.push(t);
      vs.push(it.atF());
    }
    if (it.err()) throw it.err()!;
  }
  return { ts, vs };
}
