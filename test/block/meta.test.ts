// Thanos meta.json: parses promtool's blocks (no thanos section) and upstream-written metas, validates fields with
// errors naming them, and writes byte-for-byte what upstream's encoder writes.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CorruptionError } from '../../src/runtime/errors.js';
import { formatThanosMeta, parseThanosMeta, withThanosSection } from '../../src/block/meta.js';
import { formatMarker, parseDeletionMark, parseNoCompactMark } from '../../src/block/markers.js';

// As upstream Thanos writes it (json.Encoder, tab indent, trailing newline).
const UPSTREAM = `{
\t"ulid": "01JD2Q7Z3C1V8YJ7K6W5T4S3R2",
\t"minTime": 1795240800000,
\t"maxTime": 1795248000000,
\t"stats": {
\t\t"numSamples": 480,
\t\t"numSeries": 4,
\t\t"numChunks": 4
\t},
\t"compaction": {
\t\t"level": 1,
\t\t"sources": [
\t\t\t"01JD2Q7Z3C1V8YJ7K6W5T4S3R2"
\t\t]
\t},
\t"version": 1,
\t"thanos": {
\t\t"version": 1,
\t\t"labels": {
\t\t\t"cluster": "eu-1",
\t\t\t"replica": "a\\u0026b"
\t\t},
\t\t"downsample": {
\t\t\t"resolution": 300000
\t\t},
\t\t"source": "sidecar",
\t\t"segment_files": [
\t\t\t"000001"
\t\t],
\t\t"files": [
\t\t\t{
\t\t\t\t"rel_path": "chunks/000001",
\t\t\t\t"size_bytes": 1234
\t\t\t},
\t\t\t{
\t\t\t\t"rel_path": "index",
\t\t\t\t"size_bytes": 5678
\t\t\t},
\t\t\t{
\t\t\t\t"rel_path": "meta.json"
\t\t\t}
\t\t],
\t\t"index_stats": {
\t\t\t"series_max_size": 512,
\t\t\t"chunk_max_size": 256
\t\t}
\t}
}
`;

const dirs: string[] = [];
afterAll(async () => { await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))); });

describe('ThanosMeta', () => {
  it('round-trips an upstream-written meta.json byte for byte', () => {
    const m = parseThanosMeta(UPSTREAM, 'x/meta.json');
    expect(m.thanos).toMatchObject({ version: 1, labels: { cluster: 'eu-1', replica: 'a&b' }, downsample: { resolution: 300_000 }, source: 'sidecar' });
    expect(m.thanos.files?.[2]).toEqual({ rel_path: 'meta.json' });
    expect(m.thanos.index_stats).toEqual({ series_max_size: 512, chunk_max_size: 256 });
    expect(formatThanosMeta(m)).toBe(UPSTREAM);
  });

  it('reads a promtool-written block (no thanos section) with upstream defaults, then adds one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'meta-'));
    dirs.push(dir);
    const t0 = 1795240800;
    const om = [0, 60, 120].map((s, i) => `up{job="a"} ${i} ${t0 + s}`).join('\n') + '\n# EOF\n';
    await writeFile(path.join(dir, 'data.om'), om);
    execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'data.om'), path.join(dir, 'out')], { stdio: 'ignore' });
    const [ulid] = (await readdir(path.join(dir, 'out'))).filter((n) => /^[0-9A-Z]{26}$/.test(n));
    const text = await readFile(path.join(dir, 'out', ulid!, 'meta.json'), 'utf8');
    const plain = parseThanosMeta(text);
    expect(plain.ulid).toBe(ulid);
    expect(plain.stats.numSamples).toBe(3);
    expect(plain.thanos).toEqual({ version: 1, labels: {}, downsample: { resolution: 0 }, source: '' });
    const withT = withThanosSection(plain, { labels: { replica: 'r1', cluster: 'c' }, source: 'test' });
    const out = formatThanosMeta(withT);
    expect(out.startsWith(text.slice(0, text.lastIndexOf('"version": 1')))).toBe(true);
    expect(out).toContain('"labels": {\n\t\t\t"cluster": "c",\n\t\t\t"replica": "r1"\n\t\t}');
    expect(parseThanosMeta(out)).toEqual(withT);
  });

  it.each([
    { name: 'labels not strings', thanos: { labels: { a: 1 } }, field: 'thanos.labels.a' },
    { name: 'labels not an object', thanos: { labels: ['a'] }, field: 'thanos.labels' },
    { name: 'fractional resolution', thanos: { downsample: { resolution: 1.5 } }, field: 'thanos.downsample.resolution' },
    { name: 'negative resolution', thanos: { downsample: { resolution: -1 } }, field: 'thanos.downsample.resolution' },
    { name: 'source not a string', thanos: { source: 3 }, field: 'thanos.source' },
    { name: 'unknown version', thanos: { version: 2 }, field: 'thanos.version' },
    { name: 'file without rel_path', thanos: { files: [{ size_bytes: 1 }] }, field: 'thanos.files[0].rel_path' },
    { name: 'bad size', thanos: { files: [{ rel_path: 'index', size_bytes: 'x' }] }, field: 'thanos.files[0].size_bytes' },
    { name: 'segment_files not strings', thanos: { segment_files: [1] }, field: 'thanos.segment_files' },
    { name: 'section not an object', thanos: 'x', field: 'thanos must be an object' },
  ])('rejects $name, naming the field', ({ thanos, field }) => {
    const raw = { ...(JSON.parse(UPSTREAM) as object), thanos };
    let err: unknown;
    try {
      parseThanosMeta(raw, 'blk/meta.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as Error).message).toContain(field);
    expect((err as Error).message).toContain('blk/meta.json');
  });

  it('rejects a broken Prometheus part through the tsdb parser', () => {
    expect(() => parseThanosMeta({ ulid: 'x', version: 1 })).toThrow(CorruptionError);
  });
});

describe('markers', () => {
  it('parses and writes deletion and no-compact marks', () => {
    const d = { id: '01JD2Q7Z3C1V8YJ7K6W5T4S3R2', version: 1, details: 'retention', deletion_time: 1795240800 };
    expect(parseDeletionMark(formatMarker(d))).toEqual(d);
    const n = { id: '01JD2Q7Z3C1V8YJ7K6W5T4S3R2', version: 1, no_compact_time: 1795240800, reason: 'manual' };
    expect(parseNoCompactMark(formatMarker(n))).toEqual(n);
    expect(() => parseDeletionMark('{"id":"01JD2Q7Z3C1V8YJ7K6W5T4S3R2","version":1}')).toThrow('deletion_time');
  });
});
