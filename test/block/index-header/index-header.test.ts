// The binary index-header: built from range reads of a promtool block's index in a bucket, read back through the
// TSDB IndexReader, rebuilt when the local copy is damaged, and unloaded when idle.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIndexHeaderInfo, openIndexHeader } from '../../../src/block/index-header/binary-reader.js';
import { INDEX_HEADER_MAGIC, buildIndexHeader } from '../../../src/block/index-header/binary-writer.js';
import { IndexHeaderReader } from '../../../src/block/index-header/lazy-reader.js';
import { InMemoryBucket } from '../../../src/objstore/inmem.js';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { FileByteSource, MemoryByteSource } from '../../../src/tsdb/byte-source.js';
import { IndexReader } from '../../../src/tsdb/index/reader.js';
import { BucketByteSource } from '../../../src/store/bucket/bucket-byte-source.js';
import { openMetrics, promtoolBlocks, uploadBlock } from '../../store/bucket/support.js';

let work = '';
let blockDir = '';
let id = '';
let original: Buffer;
const bucket = new InMemoryBucket();

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'index-header-'));
  const blocks = await promtoolBlocks(work, 'src', openMetrics(1, 3));
  blockDir = blocks[0] ?? '';
  expect(blockDir).not.toBe('');
  id = await uploadBlock(bucket, blockDir, { cluster: 'x' });
  original = await readFile(path.join(blockDir, 'index'));
}, 60_000);

afterAll(async () => { await rm(work, { recursive: true, force: true }); });

describe('buildIndexHeader', () => {
  it('writes upstream layout: magic, versions, postings table offset, and reads only part of the index', async () => {
    const dir = path.join(work, 'h1');
    const st = await buildIndexHeader(bucket, id, dir);
    expect(st.indexSize).toBe(original.length);
    expect(st.bytesRead).toBeLessThan(original.length);
    const b = await readFile(path.join(dir, 'index-header'));
    expect(b.readUInt32BE(0)).toBe(INDEX_HEADER_MAGIC);
    expect(b[4]).toBe(1);
    expect(b[5]).toBe(2);
    const postingsTable = Number(original.readBigUInt64BE(original.length - 52 + 40));
    expect(Number(b.readBigUInt64BE(6))).toBe(postingsTable);
    // The tail of the header holds the index's postings offset table and TOC verbatim.
    const tail = original.subarray(postingsTable);
    expect(Buffer.compare(b.subarray(b.length - 20 - tail.length, b.length - 20), tail)).toBe(0);
  });

  it('rejects an index whose TOC checksum is wrong', async () => {
    const bad = Buffer.from(original);
    bad[bad.length - 1]! ^= 0xff;
    const b2 = new InMemoryBucket();
    await b2.upload(`${id}/index`, bad);
    await expect(buildIndexHeader(b2, id, path.join(work, 'bad'))).rejects.toThrow(CorruptionError);
    await expect(buildIndexHeader(b2, id, path.join(work, 'bad'))).rejects.toThrow(new RegExp(`${id}/index`));
  });
});

describe('openIndexHeader', () => {
  it('serves the same symbols, label values and postings as the original index', async () => {
    const dir = path.join(work, 'h2');
    await buildIndexHeader(bucket, id, dir);
    const remote = await BucketByteSource.open(bucket, `${id}/index`);
    const opened = await openIndexHeader(path.join(dir, 'index-header'), remote);
    const readsAtOpen = remote.reads;
    const want = await IndexReader.open(new MemoryByteSource(original));
    const got = opened.reader;
    expect(got.symbols()).toEqual(want.symbols());
    expect(got.labelNames()).toEqual(want.labelNames());
    for (const n of want.labelNames()) expect(got.labelValues(n)).toEqual(want.labelValues(n));
    expect([...(await got.postings('job', ['db']))]).toEqual([...(await want.postings('job', ['db']))]);
    const ids = await got.allPostings();
    const a = [];
    for await (const s of got.series(ids)) a.push(s);
    const b = [];
    for await (const s of want.series(await want.allPostings())) b.push(s);
    expect(a).toEqual(b);
    // Opening reads only the small label offset table from the bucket (its length, then the section, which the
    // TSDB reader checksums); postings and series come by range afterwards.
    expect(readsAtOpen).toBeLessThanOrEqual(2);
    expect(remote.reads).toBeGreaterThan(readsAtOpen);
    await opened.close();
  });

  it('refuses a damaged index-header file with a CorruptionError naming it', async () => {
    const dir = path.join(work, 'h3');
    await buildIndexHeader(bucket, id, dir);
    const file = path.join(dir, 'index-header');
    const b = await readFile(file);
    b[b.length - 2]! ^= 0xff;
    await writeFile(file, b);
    const src = await FileByteSource.open(file);
    try {
      await expect(readIndexHeaderInfo(src)).rejects.toThrow(CorruptionError);
    } finally {
      await src.close();
    }
  });
});

describe('IndexHeaderReader', () => {
  it('rebuilds a damaged local file, loads lazily and unloads when idle', async () => {
    const dir = path.join(work, 'h4');
    let now = 1000;
    let builds = 0;
    const remote = await BucketByteSource.open(bucket, `${id}/index`);
    const r = new IndexHeaderReader(bucket, id, dir, remote, { now: () => now, onBuild: () => { builds++; } });
    await r.ensureFile();
    expect(builds).toBe(1);
    expect(r.loaded).toBe(false);
    await writeFile(r.file, Buffer.from('garbage that is long enough to be read as a header, but is not one at all......'));
    const reader = await r.acquire();
    expect(builds).toBe(2);
    expect(reader.labelNames()).toContain('job');
    r.release();
    expect(r.loaded).toBe(true);
    now += 1000;
    expect(await r.unloadIfIdle(5000)).toBe(false);
    now += 10_000;
    expect(await r.unloadIfIdle(5000)).toBe(true);
    expect(r.loaded).toBe(false);
    await r.acquire();
    r.release();
    expect(builds).toBe(2);
    await r.close();
  });
});
