// Index format v2: the exact bytes Prometheus 2.42 wrote for a one-series block, postings set operations, and
// series selection by matchers with Prometheus semantics (missing label = "", anchored RE2 regexes).
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/runtime/errors.js';
import { MemoryByteSource } from '../../../src/tsdb/byte-source.js';
import { IndexReader } from '../../../src/tsdb/index/reader.js';
import { intersect, merge, remove } from '../../../src/tsdb/index/postings.js';
import { IndexWriter } from '../../../src/tsdb/index/writer.js';
import type { Labels } from '../../../src/tsdb/labels/labels.js';
import { formatLabels, labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';

const NAME = '085f5f6e616d655f5f';
const be64 = (n: number): string => n.toString(16).padStart(16, '0');
/** The whole index of the reference's §4.9 one-series block, as promtool 2.42 wrote it. */
const GOLDEN_INDEX = [
  'baaad700', '02',
  '00000014', '00000005', '00', '0131', NAME, '0161', '0178', '34690911',
  '00'.repeat(15),
  '0d', '02', '0204', '0301', '01', 'd00f', 'e0b1df01', '08', 'e31fd5d3',
  '0000',
  '0000000c', '00000001', '00000001', '00000004', '20d59ba6',
  '0000000c', '00000001', '00000001', '00000001', '15248fba',
  ('00000008' + '00000001' + '00000003' + 'a7692ed2').repeat(3),
  '00000013', '00000002', '01', NAME, '44', '01', '0161', '58', 'be02e95a',
  '0000001c', '00000003', '02', '00', '00', '6c', '02', NAME, '0178', '7c', '02', '0161', '0131', '8c01', '3dc1ecac',
  be64(0x05), be64(0x21), be64(0x42), be64(0x9c), be64(0x6c), be64(0xb7), '917cc5c6',
].join('');

function buildIndex(series: Labels[]): Uint8Array {
  const w = new IndexWriter();
  const syms = new Set<string>(['']);
  for (const s of series) for (const l of s) { syms.add(l.name); syms.add(l.value); }
  w.addSymbols([...syms].sort());
  series.forEach((s, i) => w.addSeries(s, [{ minTime: i * 100, maxTime: i * 100 + 50, ref: 8 + i * 30 }]));
  return w.finish();
}

describe('IndexWriter', () => {
  it('writes byte for byte the index promtool 2.42 wrote for the reference block', () => {
    const w = new IndexWriter();
    w.addSymbols(['', '1', '__name__', 'a', 'x']);
    w.addSeries(labelsFromRecord({ __name__: 'x', a: '1' }), [{ minTime: 1000, maxTime: 3661000, ref: 8 }]);
    const got = w.finish();
    expect(got.length).toBe(271);
    expect(Buffer.from(got).toString('hex')).toBe(GOLDEN_INDEX);
  });

  it('rejects series out of label order and symbols missing from the table', () => {
    const w = new IndexWriter();
    w.addSymbols(['', 'a', 'b', 'x']);
    w.addSeries(labelsFromRecord({ x: 'b' }), []);
    expect(() => w.addSeries(labelsFromRecord({ x: 'a' }), [])).toThrow(InvalidArgumentError);
    expect(() => w.addSeries(labelsFromRecord({ x: 'zzz' }), [])).toThrow(/not in the symbol table/);
  });
});

describe('IndexReader', () => {
  it('reads the golden index: symbols, labels, postings and chunk metas', async () => {
    const r = await IndexReader.open(new MemoryByteSource(Buffer.from(GOLDEN_INDEX, 'hex'), 'index'));
    expect(r.symbols()).toEqual(['', '1', '__name__', 'a', 'x']);
    expect(r.labelNames()).toEqual(['__name__', 'a']);
    expect(r.labelValues('a')).toEqual(['1']);
    expect([...await r.allPostings()]).toEqual([3]);
    const s = await r.seriesById(3);
    expect(formatLabels(s.labels)).toBe('{__name__="x", a="1"}');
    expect(s.chunks).toEqual([{ minTime: 1000, maxTime: 3661000, ref: 8 }]);
    await r.verify();
  });

  it('round-trips many series and reads them back in batches', async () => {
    const series: Labels[] = [];
    for (let i = 0; i < 3000; i++) series.push(labelsFromRecord({ __name__: `m${String(i % 7)}`, i: String(i).padStart(5, '0'), big: 'v'.repeat(i % 50) }));
    series.sort((a, b) => (formatLabels(a) < formatLabels(b) ? -1 : 1));
    const r = await IndexReader.open(new MemoryByteSource(buildIndex(series), 'index'));
    const got: string[] = [];
    for await (const s of r.series(await r.allPostings())) got.push(formatLabels(s.labels));
    expect(got).toEqual(series.map(formatLabels));
    await r.verify();
  });
});

describe('postings', () => {
  const p = (...xs: number[]): Uint32Array => Uint32Array.from(xs);
  it('intersects, merges and removes sorted lists', () => {
    expect([...intersect([p(1, 3, 5, 7), p(3, 4, 5), p(0, 3, 5, 9)])]).toEqual([3, 5]);
    expect([...intersect([p(1, 2), p()])]).toEqual([]);
    expect([...merge([p(1, 5), p(2, 5, 9), p()])]).toEqual([1, 2, 5, 9]);
    expect([...remove(p(1, 2, 3, 4, 5), p(2, 4, 6))]).toEqual([1, 3, 5]);
  });
});

describe('IndexReader.postingsForMatchers', () => {
  const series = [
    { __name__: 'http_requests_total', code: '200', job: 'api' },
    { __name__: 'http_requests_total', code: '500', job: 'api' },
    { __name__: 'http_requests_total', code: '500', job: 'Web' },
    { __name__: 'up', job: 'api' },
    { __name__: 'up', job: 'web', env: 'prod' },
  ].map((r) => labelsFromRecord(r)).sort((a, b) => (formatLabels(a) < formatLabels(b) ? -1 : 1));

  it.each([
    { name: 'equality', ms: [new Matcher('=', 'job', 'api')], want: 3 },
    { name: 'inequality keeps series without the label', ms: [new Matcher('!=', 'code', '200')], want: 4 },
    { name: 'regex is fully anchored', ms: [new Matcher('=~', 'code', '5')], want: 0 },
    { name: 'regex alternation', ms: [new Matcher('=~', 'code', '2..|5.*')], want: 3 },
    { name: 'RE2 inline case-insensitive flag', ms: [new Matcher('=~', 'job', '(?i)web')], want: 2 },
    { name: 'negative regex', ms: [new Matcher('!~', 'job', 'a.*')], want: 2 },
    { name: 'empty value selects series without the label', ms: [new Matcher('=', 'env', '')], want: 4 },
    { name: 'non-empty regex requires the label', ms: [new Matcher('=~', 'env', '.+')], want: 1 },
    { name: 'combination', ms: [new Matcher('=', '__name__', 'http_requests_total'), new Matcher('!~', 'job', 'web|Web'), new Matcher('!=', 'code', '200')], want: 1 },
    { name: 'unknown label name with a value', ms: [new Matcher('=', 'nope', 'x')], want: 0 },
  ])('$name', async ({ ms, want }) => {
    const r = await IndexReader.open(new MemoryByteSource(buildIndex(series), 'index'));
    const ids = await r.postingsForMatchers(ms);
    const got: Labels[] = [];
    for await (const s of r.series(ids)) got.push(s.labels);
    expect(got.length).toBe(want);
    for (const l of got) for (const m of ms) expect(m.matchesLabels(l)).toBe(true);
  });
});

describe('compareBytewise', () => {
  it('orders as UTF-8 bytes do, unlike UTF-16 code units', async () => {
    const { compareBytewise } = await import('../../../src/tsdb/index/writer.js');
    const xs = ['\u{1F600}', '\uFFFD', 'b', 'a', '', 'ab', '\u00e9'];
    const want = [...xs].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect([...xs].sort(compareBytewise)).toEqual(want);
    expect(['\u{1F600}', '\uFFFD'].sort()).not.toEqual(['\u{1F600}', '\uFFFD'].sort(compareBytewise));
  });
});
