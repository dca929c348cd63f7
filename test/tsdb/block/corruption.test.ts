// Corrupt blocks: a flipped byte in every section, truncated files and out-of-range refs must raise a
// CorruptionError naming the file, section and byte offset — never a crash, a hang or silently wrong data.
import { copyFile, cp, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { BlockReader, sampleIterator } from '../../../src/tsdb/block/reader.js';
import { BlockWriter } from '../../../src/tsdb/block/writer.js';
import { IndexWriter } from '../../../src/tsdb/index/writer.js';
import type { Toc } from '../../../src/tsdb/index/toc.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

let root: string;
let clean: string;
let toc: Toc;
let indexSize: number;

/** Everything a reader may do with a block: open, verify the index, select all and decode every sample. */
async function readEverything(dir: string): Promise<number> {
  const r = await BlockReader.open(dir);
  try {
    await r.index.verify();
    let n = 0;
    for await (const s of r.select([])) {
      const it = sampleIterator(s);
      while (it.next()) n++;
      const err = it.err();
      if (err) throw err;
    }
    return n;
  } finally {
    await r.close();
  }
}

async function copyBlock(name: string): Promise<string> {
  const d = path.join(root, name);
  await cp(clean, d, { recursive: true });
  return d;
}

async function flip(file: string, at: number): Promise<void> {
  const b = await readFile(file);
  b[at] = b[at]! ^ 0x5a;
  await writeFile(file, b);
}

async function expectCorruption(dir: string, file: string, section: string, range: [number, number]): Promise<void> {
  const err = await readEverything(dir).then(() => undefined, (e: unknown) => e);
  expect(err, `reading a block with a corrupt ${section}`).toBeInstanceOf(CorruptionError);
  const c = err as CorruptionError;
  expect(c.file.endsWith(file), `${c.file} should name ${file}`).toBe(true);
  expect(c.section).toBe(section);
  expect(c.offset).toBeGreaterThanOrEqual(range[0]);
  expect(c.offset).toBeLessThanOrEqual(range[1]);
  expect(c.message).toContain(`at byte ${c.offset}`);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tsdb-corrupt-'));
  const w = await BlockWriter.create(root);
  for (let i = 0; i < 5; i++) {
    const ts = Array.from({ length: 300 }, (_, k) => k * 10_000);
    await w.addSeries(labelsFromRecord({ __name__: 'm', i: String(i) }), ts, new Float64Array(ts.map((t) => t / 7 + i)));
  }
  await w.finish();
  clean = w.dir;
  const r = await BlockReader.open(clean);
  toc = r.index.toc;
  await r.close();
  indexSize = (await readFile(path.join(clean, 'index'))).length;
  expect(await readEverything(clean)).toBe(1500);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const up = (n: number, a: number): number => Math.ceil(n / a) * a;

describe('a flipped byte', () => {
  const cases: { name: string; file: string; section: string; at: () => number; range: () => [number, number] }[] = [
    { name: 'index header magic', file: 'index', section: 'header', at: () => 1, range: () => [0, 0] },
    { name: 'symbol table', file: 'index', section: 'symbols', at: () => toc.symbols + 10, range: () => [toc.symbols, toc.series] },
    { name: 'series entry', file: 'index', section: 'series', at: () => up(toc.series, 16) + 3, range: () => [toc.series, toc.labelIndices] },
    { name: 'label index', file: 'index', section: 'label indices', at: () => up(toc.labelIndices, 4) + 9, range: () => [toc.labelIndices, toc.postings] },
    { name: 'postings list', file: 'index', section: 'postings', at: () => up(toc.postings, 4) + 9, range: () => [toc.postings, toc.labelIndicesTable] },
    { name: 'label offset table', file: 'index', section: 'label offset table', at: () => toc.labelIndicesTable + 9, range: () => [toc.labelIndicesTable, toc.postingsTable] },
    { name: 'postings offset table', file: 'index', section: 'postings offset table', at: () => toc.postingsTable + 9, range: () => [toc.postingsTable, indexSize - 52] },
    { name: 'TOC', file: 'index', section: 'toc', at: () => indexSize - 52 + 7, range: () => [indexSize - 52, indexSize] },
    { name: 'chunk segment header', file: 'chunks/000001', section: 'segment header', at: () => 2, range: () => [0, 7] },
    { name: 'chunk data', file: 'chunks/000001', section: 'chunk', at: () => 8 + 20, range: () => [8, 8] },
    { name: 'tombstones', file: 'tombstones', section: 'tombstones', at: () => 0, range: () => [0, 8] },
    { name: 'meta.json', file: 'meta.json', section: 'meta', at: () => 0, range: () => [0, 0] },
  ];
  it.each(cases)('in the $name raises a CorruptionError naming it', async ({ name, file, section, at, range }) => {
    const d = await copyBlock(name.replace(/\W+/g, '-'));
    await flip(path.join(d, file), at());
    await expectCorruption(d, file, section, range());
  });
});

describe('truncated and inconsistent files', () => {
  it('an index cut in half', async () => {
    const d = await copyBlock('trunc-index');
    await truncate(path.join(d, 'index'), Math.floor(indexSize / 2));
    await expectCorruption(d, 'index', 'toc', [0, indexSize]);
  });

  it('an empty index', async () => {
    const d = await copyBlock('empty-index');
    await truncate(path.join(d, 'index'), 0);
    await expectCorruption(d, 'index', 'header', [0, 0]);
  });

  it('a chunk segment cut short', async () => {
    const d = await copyBlock('trunc-chunks');
    const seg = path.join(d, 'chunks', '000001');
    await truncate(seg, (await readFile(seg)).length - 100);
    await expectCorruption(d, 'chunks/000001', 'chunk', [8, 1e9]);
  });

  it.each([
    { name: 'past the end of the segment', ref: 10_000_000, section: 'chunk ref' },
    { name: 'in a segment that does not exist', ref: 5 * 2 ** 32 + 8, section: 'chunk ref' },
  ])('a chunk ref $name', async ({ ref, section }) => {
    const d = await copyBlock(`bad-ref-${ref}`);
    const w = new IndexWriter();
    w.addSymbols(['', '__name__', 'm']);
    w.addSeries(labelsFromRecord({ __name__: 'm' }), [{ minTime: 0, maxTime: 10, ref }]);
    await writeFile(path.join(d, 'index'), w.finish());
    const err = await readEverything(d).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).section).toBe(section);
  });

  it('a chunk whose data ends before its sample count says', async () => {
    const d = await copyBlock('short-chunk');
    await copyFile(path.join(clean, 'index'), path.join(d, 'index'));
    const seg = path.join(d, 'chunks', '000001');
    const b = await readFile(seg);
    // First record: len uvarint at 8, encoding, data. Raise the sample count and fix the CRC so only the decoder sees it.
    const { crc32c } = await import('../../../src/tsdb/encoding/crc32c.js');
    let len = 0, shift = 1, p = 8;
    for (;;) { const c = b[p++]!; len += (c & 0x7f) * shift; if (c < 0x80) break; shift *= 128; }
    b[p + 1] = 0xff;
    b.writeUInt32BE(crc32c(b, 0, p, p + 1 + len), p + 1 + len);
    await writeFile(seg, b);
    const err = await readEverything(d).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).section).toBe('xor chunk');
  });
});
