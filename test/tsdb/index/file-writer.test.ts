// The streaming index writer: byte-identical to the in-memory IndexWriter (whose bytes are checked against
// promtool's) for a table of series sets, readable by IndexReader, and strict about order like IndexWriter.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';
import { MemoryByteSource } from '../../../src/tsdb/byte-source.js';
import { IndexFileWriter, sortedOrder } from '../../../src/tsdb/index/file-writer.js';
import { IndexReader } from '../../../src/tsdb/index/reader.js';
import { IndexWriter, compareBytewise } from '../../../src/tsdb/index/writer.js';
import type { ChunkMeta } from '../../../src/tsdb/index/writer.js';
import type { Labels } from '../../../src/tsdb/labels/labels.js';
import { compareLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'index-file-writer-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

function symbolsOf(series: readonly Labels[], extra: readonly string[] = []): string[] {
  const syms = new Set<string>(['', ...extra]);
  for (const s of series) for (const l of s) { syms.add(l.name); syms.add(l.value); }
  return [...syms].sort(compareBytewise);
}

function chunksFor(i: number, n: number): ChunkMeta[] {
  return Array.from({ length: n }, (_, k) => ({ minTime: i * 1000 + k * 100, maxTime: i * 1000 + k * 100 + 50, ref: 8 + i * 1000 + k * 30 }));
}

const many = Array.from({ length: 30000 }, (_, i) => labelsFromRecord({
  __name__: `m${i % 7}`, instance: `host-${i % 113}`, job: i % 2 ? 'api' : 'db', i: String(i),
})).sort(compareLabels);

const cases: { name: string; series: Labels[]; extraSymbols?: string[] }[] = [
  { name: 'no series', series: [] },
  { name: 'one series', series: [labelsFromRecord({ __name__: 'x', a: '1' })] },
  { name: 'unicode values (surrogates sort bytewise)', series: [labelsFromRecord({ a: 'z\u{1F600}' }), labelsFromRecord({ a: 'z\uFFFD' })].sort(compareLabels) },
  { name: 'symbols no series uses (a compaction writes its inputs\' union)', series: [labelsFromRecord({ a: 'b' })], extraSymbols: ['unused', 'zzz'] },
  { name: '30000 series: the series section passes the 1 MiB flush', series: many },
];

describe('IndexFileWriter', () => {
  for (const c of cases) {
    it(`writes the same bytes as IndexWriter: ${c.name}`, async () => {
      const syms = symbolsOf(c.series, c.extraSymbols);
      const mem = new IndexWriter();
      mem.addSymbols(syms);
      const file = path.join(dir, 'index');
      const fw = await IndexFileWriter.create(file);
      fw.addSymbols(syms);
      const memIds: number[] = [];
      const fileIds: number[] = [];
      for (const [i, s] of c.series.entries()) {
        const chunks = chunksFor(i, 1 + (i % 3));
        memIds.push(mem.addSeries(s, chunks));
        fileIds.push(await fw.addSeries(s, chunks));
      }
      expect(fileIds).toEqual(memIds);
      await fw.finish();
      const want = mem.finish();
      const got = new Uint8Array(await readFile(file));
      expect(got.length).toBe(want.length);
      expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
      const r = await IndexReader.open(new MemoryByteSource(got));
      await r.verify();
      expect((await r.allPostings()).length).toBe(c.series.length);
    });
  }

  it('is read back: postings per label value and series entries', async () => {
    const file = path.join(dir, 'index');
    const fw = await IndexFileWriter.create(file);
    fw.addSymbols(symbolsOf(many));
    for (const [i, s] of many.entries()) await fw.addSeries(s, chunksFor(i, 2));
    await fw.finish();
    const r = await IndexReader.open(new MemoryByteSource(new Uint8Array(await readFile(file))));
    const ids = await r.postingsForMatchers([new Matcher('=', 'instance', 'host-5'), new Matcher('=', 'job', 'api')]);
    const got: string[] = [];
    for await (const e of r.series(ids)) got.push(e.labels.find((l) => l.name === 'i')!.value);
    const want = many.filter((s) => s.some((l) => l.name === 'instance' && l.value === 'host-5') && s.some((l) => l.name === 'job' && l.value === 'api'))
      .map((s) => s.find((l) => l.name === 'i')!.value);
    expect(got).toEqual(want);
    expect(got.length).toBeGreaterThan(5);
  });

  it('refuses out-of-order series and labels missing from the symbol table', async () => {
    const fw = await IndexFileWriter.create(path.join(dir, 'index'));
    fw.addSymbols(['', 'a', 'b', 'c']);
    await fw.addSeries(labelsFromRecord({ a: 'b' }), chunksFor(0, 1));
    await expect(fw.addSeries(labelsFromRecord({ a: 'a' }), chunksFor(1, 1))).rejects.toThrow(InvalidArgumentError);
    await expect(fw.addSeries(labelsFromRecord({ a: 'zz' }), chunksFor(1, 1))).rejects.toThrow(/not in the symbol table/);
    await fw.abort();
  });

  it('orders label pairs by key then position, natively and through the comparator fallback alike', () => {
    const keys = Float64Array.from({ length: 5000 }, (_, i) => (i * 7919) % 97);
    const want = Array.from({ length: 5000 }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
    expect([...sortedOrder(keys, 97)]).toEqual(want);
    expect([...sortedOrder(keys, Number.MAX_SAFE_INTEGER)]).toEqual(want);
  });
});
