// Golden bytes from WALs a real Prometheus 2.42 writes while scraping (then SIGKILLed): every record of a
// Snappy-compressed WAL decodes and re-encodes to the same payload bytes; an uncompressed WAL is laid out byte for
// byte as our writer lays out the same records (fragments, pages). Compressed segments are not compared byte for
// byte: snappyjs picks different (equally valid) matches than Go's snappy, so sizes differ by a few bytes.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordType, decodeSamplesInto, decodeSeries, encodeSamples, encodeSeries, newSampleColumns, recordType } from '../../../src/tsdb/wal/records.js';
import type { WalRecord } from '../../../src/tsdb/wal/reader.js';
import { readWal } from '../../../src/tsdb/wal/reader.js';
import { listSegments, segmentPath } from '../../../src/tsdb/wal/segment.js';
import { WalWriter } from '../../../src/tsdb/wal/writer.js';
import { startPrometheus } from '../../support/prometheus.js';
import { freePort } from '../../support/peers/process.js';

let dir = '';
let compressed: { walDir: string; records: WalRecord[] };
let plain: { walDir: string; records: WalRecord[] };

/** Runs Prometheus scraping itself every second until it has scraped 3 times, then SIGKILLs it. */
async function scrapeAndKill(name: string, flags: string[]): Promise<{ walDir: string; records: WalRecord[] }> {
  const data = path.join(dir, name);
  const port = await freePort();
  const prom = await startPrometheus({
    dataDir: data, workDir: path.join(dir, `${name}-prom`), port, flags,
    config: `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
  });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const res = await prom.api('query', { query: 'count_over_time(up[1m])' }) as { data: { result: { value: [number, string] }[] } };
      if (Number(res.data.result[0]?.value[1] ?? 0) >= 3) break;
      if (Date.now() > deadline) throw new Error('Prometheus did not scrape 3 times in 30 s');
      await new Promise((r) => setTimeout(r, 300));
    }
  } finally {
    process.kill(prom.process.pid, 'SIGKILL');
    await prom.stop();
  }
  const walDir = path.join(data, 'wal');
  return { walDir, records: [...readWal(walDir)] };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'wal-golden-'));
  compressed = await scrapeAndKill('compressed', []);
  plain = await scrapeAndKill('plain', ['--no-storage.tsdb.wal-compression']);
}, 90_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a WAL written by Prometheus 2.42', () => {
  it('holds Snappy-compressed series and samples records that decode and re-encode to the same bytes', async () => {
    const first = await readFile(segmentPath(compressed.walDir, 0));
    expect(first[0]! & 0x08).toBe(0x08);
    const records = compressed.records;
    const types = new Set(records.map((r) => recordType(r.data)));
    expect(types).toContain(RecordType.Series);
    expect(types).toContain(RecordType.Samples);
    let series = 0, samples = 0;
    for (const r of records) {
      if (recordType(r.data) === RecordType.Series) {
        const s = decodeSeries(r.data);
        series += s.length;
        expect(Buffer.from(encodeSeries(s)).equals(Buffer.from(r.data))).toBe(true);
      } else if (recordType(r.data) === RecordType.Samples) {
        const c = newSampleColumns();
        decodeSamplesInto(r.data, c);
        samples += c.n;
        expect(Buffer.from(encodeSamples(c)).equals(Buffer.from(r.data))).toBe(true);
      }
    }
    expect(series).toBeGreaterThan(100);
    expect(samples).toBeGreaterThan(2 * series);
  });

  it('without compression is laid out byte for byte as our writer lays out the same records', async () => {
    expect(listSegments(plain.walDir)).toEqual([0]);
    const theirs = await readFile(segmentPath(plain.walDir, 0));
    expect(theirs[0]! & 0x08).toBe(0);
    const out = path.join(dir, 'ours');
    const w = WalWriter.open(out, { compress: false });
    for (const r of plain.records) w.log(r.data);
    // Not closed: like the killed Prometheus, the last page is written only as far as it is filled.
    const ours = await readFile(segmentPath(out, 0));
    w.close();
    expect(ours.length).toBe(theirs.length);
    expect(ours.equals(theirs)).toBe(true);
    // Records big enough to be split over pages were among them.
    expect(theirs.length).toBeGreaterThan(32 * 1024);
  });
});
