// The standalone demo data set: two replicas × 2 days of 2h blocks with thanos meta, written once, readable back.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilesystemBucket } from '../../src/objstore/providers/filesystem.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { writeDemoData } from '../../src/standalone/demo-data.js';
import { BlockReader, sampleIterator } from '../../src/tsdb/block/reader.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { getLabel } from '../../src/tsdb/labels/labels.js';

const NOW = Date.UTC(2026, 10, 21, 10, 17, 0);
let dir = '';
let bucket: FilesystemBucket;
let firstRun = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'demo-test-'));
  bucket = new FilesystemBucket(dir);
  firstRun = await writeDemoData(bucket, { logger: nopLogger, now: NOW });
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeDemoData', () => {
  it('writes 2h blocks per replica for the last 2 days, the newest one partial up to now', async () => {
    expect(firstRun).toBe(50);
    const blocks = (await readdir(dir)).filter((d) => /^[0-9A-Z]{26}$/.test(d));
    expect(blocks).toHaveLength(50);
    const metas = await Promise.all(blocks.map(async (b) => JSON.parse(await readFile(path.join(dir, b, 'meta.json'), 'utf8')) as {
      minTime: number; maxTime: number; thanos: { labels: Record<string, string>; source: string; downsample: { resolution: number } };
    }));
    const end = Date.UTC(2026, 10, 21, 10, 0, 0);
    const partial = metas.filter((m) => m.minTime >= end);
    expect(partial).toHaveLength(2);
    for (const m of partial) expect(m.maxTime - m.minTime).toBe(NOW + 1 - end);
    for (const m of metas) {
      if (m.minTime < end) expect(m.maxTime - m.minTime).toBe(2 * 3600_000);
      expect(m.minTime).toBeGreaterThanOrEqual(end - 2 * 86_400_000);
      expect(m.maxTime).toBeLessThanOrEqual(NOW + 1 + 7_000);
      expect(m.thanos).toMatchObject({ labels: { cluster: 'demo' }, source: 'sidecar', downsample: { resolution: 0 } });
    }
    expect(new Set(metas.map((m) => m.thanos.labels['replica']))).toEqual(new Set(['0', '1']));
  });

  it('writes nothing again when the data up to now is already in the bucket', async () => {
    expect(await writeDemoData(bucket, { logger: nopLogger, now: NOW })).toBe(0);
  });

  it('continues from the newest demo block after a restart an hour later', async () => {
    expect(await writeDemoData(bucket, { logger: nopLogger, now: NOW + 3600_000 })).toBe(2);
  });

  it('holds counters that keep rising across blocks, and a classic histogram', async () => {
    const blocks = (await readdir(dir)).filter((d) => /^[0-9A-Z]{26}$/.test(d));
    let last = -1;
    const metas = await Promise.all(blocks.map(async (b) => ({ b, meta: JSON.parse(await readFile(path.join(dir, b, 'meta.json'), 'utf8')) as { minTime: number; thanos: { labels: Record<string, string> } } })));
    const replica0 = metas.filter((m) => m.meta.thanos.labels['replica'] === '0').sort((a, b) => a.meta.minTime - b.meta.minTime);
    const sel = [new Matcher('=', '__name__', 'http_requests_total'), new Matcher('=', 'instance', 'api-0:8080'), new Matcher('=', 'handler', '/api/v1/orders'), new Matcher('=', 'code', '200')];
    for (const { b } of [...replica0.slice(0, 2), ...replica0.slice(-3)]) {
      const reader = await BlockReader.open(path.join(dir, b));
      try {
        const found = [];
        for await (const s of reader.select(sel)) found.push(s);
        expect(found).toHaveLength(1);
        const it = sampleIterator(found[0]!);
        let n = 0;
        while (it.next() !== 0) {
          expect(it.atT() % 30_000).toBe(0);
          const v = it.atF();
          expect(v).toBeGreaterThanOrEqual(last);
          last = v;
          n++;
        }
        expect(n).toBeGreaterThan(0);
        if (n !== 240) expect(replica0.slice(-3).map((x) => x.b)).toContain(b);
        const buckets = [];
        for await (const s of reader.select([new Matcher('=', '__name__', 'http_request_duration_seconds_bucket'), new Matcher('=', 'instance', 'api-0:8080'), new Matcher('=', 'handler', '/healthz')], -Infinity, Infinity, { skipChunks: true })) buckets.push(getLabel(s.labels, 'le'));
        expect(buckets).toContain('+Inf');
        expect(buckets.length).toBe(10);
      } finally {
        await reader.close();
      }
    }
  });
});
