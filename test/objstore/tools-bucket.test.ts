// `thanos-ts tools bucket inspect|ls` over a bucket holding blocks written by promtool plus a thanos meta section,
// run through the real command line; the table is checked against `promtool tsdb list` for the same blocks.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cmd/program.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import type { Bucket } from '../../src/objstore/bucket.js';
import { formatThanosMeta, parseThanosMeta, withThanosSection } from '../../src/block/meta.js';
import { formatGoDuration as goDuration } from '../../src/runtime/duration.js';

const T0 = 1795240800; // 2026-11-21T06:00:00Z
let dir = '';
let cfgFile = '';
let bucket: Bucket;
let promtoolRows: { ulid: string; min: number; max: number; samples: number; chunks: number; series: number }[] = [];

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out += String(s); return true; });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err += String(s); return true; });
  try {
    const code = await main(['node', 'thanos-ts', ...args]);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tools-bucket-'));
  const lines: string[] = [];
  for (let s = 0; s < 3 * 3600; s += 60) for (const job of ['api', 'db']) lines.push(`up{job="${job}"} ${s / 60} ${T0 + s}`);
  await writeFile(path.join(dir, 'd.om'), lines.join('\n') + '\n# EOF\n');
  const blocks = path.join(dir, 'blocks');
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'd.om'), blocks], { stdio: 'ignore' });
  promtoolRows = execFileSync('promtool', ['tsdb', 'list', blocks], { encoding: 'utf8' }).trim().split('\n').slice(1).map((l) => {
    const [ulid, min, max, , samples, chunks, series] = l.trim().split(/\s+/);
    return { ulid: ulid!, min: Number(min), max: Number(max), samples: Number(samples), chunks: Number(chunks), series: Number(series) };
  });
  cfgFile = path.join(dir, 'bucket.yml');
  await writeFile(cfgFile, `type: FILESYSTEM\nconfig:\n  directory: ${path.join(dir, 'bucket')}\n`);
  bucket = await createBucket(parseBucketConfig(await readFile(cfgFile, 'utf8'), cfgFile, nopLogger), { logger: nopLogger });
  // Upload as the shipper does: chunks, index, then meta.json (with the thanos section) last.
  for (const [i, ulid] of (await readdir(blocks)).filter((n) => /^[0-9A-Z]{26}$/.test(n)).entries()) {
    const b = path.join(blocks, ulid);
    for (const c of await readdir(path.join(b, 'chunks'))) await bucket.upload(`${ulid}/chunks/${c}`, await readFile(path.join(b, 'chunks', c)));
    await bucket.upload(`${ulid}/index`, await readFile(path.join(b, 'index')));
    const meta = withThanosSection(parseThanosMeta(await readFile(path.join(b, 'meta.json'), 'utf8')), {
      labels: { replica: 'a', cluster: 'eu-1' }, source: 'sidecar', downsample: { resolution: i === 0 ? 0 : 300_000 },
    });
    await bucket.upload(`${ulid}/meta.json`, Buffer.from(formatThanosMeta(meta)));
  }
  // A partial upload (no meta.json) and a non-block directory are ignored.
  await bucket.upload('01JD2Q7Z3C1V8YJ7K6W5T4S3R2/index', Buffer.from('partial'));
  await bucket.upload('debug/notes.txt', Buffer.from('x'));
});

afterAll(async () => {
  await bucket?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tools bucket inspect', () => {
  it('prints a table of the promtool blocks with their thanos section', async () => {
    const { code, out, err } = await run('tools', 'bucket', 'inspect', '--objstore.config-file', cfgFile);
    expect(err).toBe('');
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]!.split('|').map((c) => c.trim()).filter((c) => c !== '')).toEqual(
      ['ULID', 'FROM', 'UNTIL', 'RANGE', 'UNTIL-DOWN', '#SERIES', '#SAMPLES', '#CHUNKS', 'COMP-LEVEL', 'COMP-FAILED', 'LABELS', 'RESOLUTION', 'SOURCE']);
    expect(lines[1]).toMatch(/^\|(-+\|)+$/);
    const rows = lines.slice(2).map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(rows).toHaveLength(2);
    expect(promtoolRows).toHaveLength(2);
    for (const [i, p] of promtoolRows.entries()) {
      const row = rows.find((r) => r[0] === p.ulid)!;
      expect(row, `row for ${p.ulid}`).toBeDefined();
      expect(row.slice(1, 4)).toEqual([
        new Date(Math.trunc(p.min / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        new Date(Math.trunc(p.max / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
        goDuration(p.max - p.min),
      ]);
      expect(row.slice(5)).toEqual([String(p.series), String(p.samples), String(p.chunks), '1', 'false', 'cluster=eu-1,replica=a', i === 0 ? '0s' : '5m0s', 'sidecar']);
    }
    // Literal values for the first block: 06:00 to 07:59 UTC, promtool's max time = last sample + 1 ms.
    expect(rows[0]!.slice(1, 5)).toEqual(['2026-11-21T06:00:00Z', '2026-11-21T07:59:00Z', '1h59m0.001s', '38h0m59.999s']);
    expect(rows[1]![4]).toBe('239h0m59.999s');
  });

  it('filters by selector and writes CSV', async () => {
    const { code, out } = await run('tools', 'bucket', 'inspect', '--objstore.config-file', cfgFile, '-l', 'cluster="eu-2"', '--output', 'csv');
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);
    const all = await run('tools', 'bucket', 'inspect', '--objstore.config-file', cfgFile, '-l', 'cluster="eu-1"', '--output', 'csv', '--sort-by', '#SAMPLES');
    const rows = all.out.trim().split('\n').slice(1);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain(',120,');
  });

  it('fails with exit 2 and one line naming a misspelled config field', async () => {
    const bad = path.join(dir, 'bad.yml');
    await writeFile(bad, `type: FILESYSTEM\nconfig:\n  directroy: /tmp/x\n`);
    const { code, err } = await run('tools', 'bucket', 'inspect', '--objstore.config-file', bad);
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toContain('config.directroy');
  });
});

describe('tools bucket ls', () => {
  it('lists block ULIDs, wide lines and JSON', async () => {
    const plain = await run('tools', 'bucket', 'ls', '--objstore.config-file', cfgFile);
    expect(plain.code).toBe(0);
    expect(plain.out.trim().split('\n')).toEqual(promtoolRows.map((p) => p.ulid).sort());
    const wide = await run('tools', 'bucket', 'ls', '--objstore.config-file', cfgFile, '-o', 'wide');
    expect(wide.out).toContain(' -- 2026-11-21T06:00:00Z - 2026-11-21T07:59:00Z Diff: 1h59m0s, Compaction: 1, Downsample: 0, Source: sidecar');
    const json = await run('tools', 'bucket', 'ls', '--objstore.config-file', cfgFile, '-o', 'json');
    const metas = json.out.trim().split('\n').map((l) => JSON.parse(l) as { thanos: { labels: Record<string, string> } });
    expect(metas[0]!.thanos.labels).toEqual({ cluster: 'eu-1', replica: 'a' });
  });
});
