// The replay's series record decoder: the same entries as decodeSeries for every string shape (ASCII repeated and
// cache-colliding, UTF-8, long, empty), equal strings shared, and damage refused with the file and offset.

import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../src/runtime/errors.js';
import type { Label } from '../../../src/tsdb/labels/labels.js';
import { decodeSeries, encodeSeries } from '../../../src/tsdb/wal/records.js';
import { SeriesRecordDecoder } from '../../../src/tsdb/wal/series-decoder.js';

function decodeAll(d: SeriesRecordDecoder, rec: Uint8Array): { ref: number; labels: Label[] }[] {
  const out: { ref: number; labels: Label[] }[] = [];
  d.decode(rec, 'seg', (ref, labels) => out.push({ ref, labels }));
  return out;
}

describe('SeriesRecordDecoder', () => {
  it('decodes what decodeSeries decodes, over many records with one decoder', () => {
    const d = new SeriesRecordDecoder();
    const long = 'x'.repeat(200);
    for (let r = 0; r < 4; r++) {
      const entries = [];
      for (let i = 0; i < 2000; i++) {
        const n = r * 2000 + i;
        entries.push({
          ref: n % 7 === 0 ? 2 ** 40 + n : n + 1,
          labels: [
            { name: '__name__', value: `metric_${n % 50}` },
            { name: 'host', value: n % 11 === 0 ? `hôte-${n}` : `h${n}` },
            { name: 'long', value: n % 13 === 0 ? long + n : 'short' },
            { name: 'z', value: String(n % 3) },
          ],
        });
      }
      const rec = encodeSeries(entries);
      expect(decodeAll(d, rec)).toEqual(decodeSeries(rec));
    }
  });

  it('hands out one string object for equal label values', () => {
    const d = new SeriesRecordDecoder();
    const rec = encodeSeries([{ ref: 1, labels: [{ name: 'job', value: 'api' }] }, { ref: 2, labels: [{ name: 'job', value: 'api' }] }]);
    const [x, y] = decodeAll(d, rec);
    expect(x!.labels[0]!.value).toBe('api');
    // Same content; what the cache saves is the decoding, observable as the same string being returned.
    expect(Object.is(x!.labels[0]!.value, y!.labels[0]!.value)).toBe(true);
  });

  it('refuses a truncated record at every cut, naming the file', () => {
    const rec = encodeSeries([{ ref: 5, labels: [{ name: 'a', value: 'b' }, { name: 'c', value: 'dé' }] }]);
    for (let cut = 2; cut < rec.length; cut++) {
      const d = new SeriesRecordDecoder();
      expect(() => decodeAll(d, rec.subarray(0, cut)), `cut at ${cut}`).toThrow(CorruptionError);
      expect(() => decodeAll(d, rec.subarray(0, cut))).toThrow(/seg/);
    }
  });

  it('refuses another record type', () => {
    expect(() => decodeAll(new SeriesRecordDecoder(), Uint8Array.of(2))).toThrow(/record type 2, want 1/);
  });
});
