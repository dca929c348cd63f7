// WAL record payloads byte for byte as Prometheus 2.42's tsdb/record encoder writes them (shared reference §6),
// and back.

import { describe, expect, it } from 'vitest';
import { STALE_NAN, isStaleNaN } from '../../../src/tsdb/chunkenc/chunk.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import {
  MetricType, RecordType, decodeExemplars, decodeMetadata, decodeSamplesInto, decodeSeries, decodeTombstones, encodeExemplars,
  encodeMetadata, encodeSamples, encodeSeries, encodeTombstones, newSampleColumns,
} from '../../../src/tsdb/wal/records.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// 'stale' stands for the stale marker: a NaN kept in a plain JS array may get its quiet bit set by V8 (double
// arrays canonicalise NaNs), so it goes straight into the Float64Array.
type Row = [number, number, number | 'stale'];
const value = (v: number | 'stale'): number => (v === 'stale' ? STALE_NAN : v);
const cols = (rows: Row[]): ReturnType<typeof newSampleColumns> => {
  const c = newSampleColumns(Math.max(1, rows.length));
  rows.forEach((r, i) => { c.refs[i] = r[0]; c.ts[i] = r[1]; c.vs[i] = value(r[2]); });
  c.n = rows.length;
  return c;
};

describe('series records', () => {
  const table: { name: string; series: { ref: number; labels: Record<string, string> }[]; bytes: string }[] = [
    { name: 'empty', series: [], bytes: '01' },
    { name: 'one series, one label', series: [{ ref: 1, labels: { a: 'b' } }], bytes: '01' + '0000000000000001' + '01' + '0161' + '0162' },
    {
      name: 'two series, refs above 32 bits',
      series: [{ ref: 2 ** 33 + 5, labels: { __name__: 'up', job: 'x' } }, { ref: 7, labels: { a: 'é' } }],
      bytes: '01' + '0000000200000005' + '02' + '085f5f6e616d655f5f' + '027570' + '036a6f62' + '0178' +
        '0000000000000007' + '01' + '0161' + '02c3a9',
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      const entries = c.series.map((s) => ({ ref: s.ref, labels: labelsFromRecord(s.labels) }));
      const b = encodeSeries(entries);
      expect(hex(b)).toBe(c.bytes);
      expect(decodeSeries(Buffer.from(c.bytes, 'hex'))).toEqual(entries);
    });
  }
});

describe('samples records', () => {
  const table: { name: string; rows: Row[]; bytes: string }[] = [
    { name: 'empty', rows: [], bytes: '02' },
    {
      name: 'first sample repeated as a zero delta, signed deltas',
      rows: [[5, 1000, 1], [6, 1015, 2], [4, 990, -0.5]],
      bytes: '02' + '0000000000000005' + '00000000000003e8' +
        '0000' + '3ff0000000000000' +
        '021e' + '4000000000000000' +
        '0113' + 'bfe0000000000000',
    },
    {
      name: 'negative first timestamp',
      rows: [[1, -2, 0]],
      bytes: '02' + '0000000000000001' + 'fffffffffffffffe' + '0000' + '0000000000000000',
    },
    {
      name: 'stale marker keeps its bits',
      rows: [[1, 1_700_000_000_000, 'stale']],
      bytes: '02' + '0000000000000001' + '0000018bcfe56800' + '0000' + '7ff0000000000002',
    },
  ];
  for (const c of table) {
    it(c.name, () => {
      expect(hex(encodeSamples(cols(c.rows)))).toBe(c.bytes);
      const out = newSampleColumns(1);
      decodeSamplesInto(Buffer.from(c.bytes, 'hex'), out);
      expect(out.n).toBe(c.rows.length);
      for (let i = 0; i < c.rows.length; i++) {
        expect([out.refs[i], out.ts[i]]).toEqual([c.rows[i]![0], c.rows[i]![1]]);
        const v = c.rows[i]![2];
        if (v === 'stale') expect(isStaleNaN(out.vs[i]!)).toBe(true);
        else expect(out.vs[i]).toBe(v);
      }
    });
  }

  it('refuses a record cut inside a value, naming the offset', () => {
    const b = Buffer.from('02' + '0000000000000005' + '00000000000003e8' + '0000' + '3ff00000', 'hex');
    expect(() => decodeSamplesInto(b, newSampleColumns())).toThrow(/samples record .* at byte 19/);
  });
});

describe('tombstones, exemplars and metadata records', () => {
  it('tombstones', () => {
    const stones = [{ ref: 3, mint: -5, maxt: 100 }, { ref: 4, mint: 0, maxt: 1 }];
    const b = encodeTombstones(stones);
    expect(hex(b)).toBe('03' + '0000000000000003' + '09' + 'c801' + '0000000000000004' + '00' + '02');
    expect(decodeTombstones(b)).toEqual(stones);
  });

  it('exemplars', () => {
    const ex = [
      { ref: 10, t: 2000, v: 1, labels: labelsFromRecord({ trace_id: 'ab' }) },
      { ref: 9, t: 2001, v: 2, labels: labelsFromRecord({}) },
    ];
    const b = encodeExemplars(ex);
    expect(b[0]).toBe(RecordType.Exemplars);
    expect(hex(b)).toBe('04' + '000000000000000a' + '00000000000007d0' +
      '0000' + '3ff0000000000000' + '01' + '0874726163655f6964' + '026162' +
      '0102' + '4000000000000000' + '00');
    expect(decodeExemplars(b)).toEqual(ex);
  });

  it('metadata', () => {
    const md = [{ ref: 300, type: MetricType.Counter, unit: 'seconds', help: 'Time spent.' }];
    const b = encodeMetadata(md);
    expect(hex(b)).toBe('06' + 'ac02' + '01' + '02' + '04554e4954' + '077365636f6e6473' + '0448454c50' + '0b54696d65207370656e742e');
    expect(decodeMetadata(b)).toEqual(md);
  });
});
