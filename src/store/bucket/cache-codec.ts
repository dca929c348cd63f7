// How postings and series entries are stored as index cache values: postings as little-endian uint32 IDs, series
// entries as labels and chunk metas in varints. A value that does not decode is treated as a cache miss.

import { Decoder } from '../../tsdb/encoding/decoder.js';
import { Encoder } from '../../tsdb/encoding/encoder.js';
import type { Postings } from '../../tsdb/index/postings.js';
import type { SeriesEntry } from '../../tsdb/index/reader.js';
import type { Label } from '../../tsdb/labels/labels.js';

export function encodePostings(p: Postings): Uint8Array {
  const out = new Uint8Array(p.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < p.length; i++) dv.setUint32(i * 4, p[i]!, true);
  return out;
}

export function decodePostings(b: Uint8Array): Postings | undefined {
  if (b.length % 4 !== 0) return undefined;
  const out = new Uint32Array(b.length / 4);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = dv.getUint32(i * 4, true);
  return out;
}

export function encodeSeriesEntry(s: CachedSeries): Uint8Array {
  const e = new Encoder(64 + s.labels.length * 32 + s.chunks.length * 12);
  e.putUvarint(s.labels.length);
  for (const l of s.labels) { e.putUvarintStr(l.name); e.putUvarintStr(l.value); }
  e.putUvarint(s.chunks.length);
  for (const c of s.chunks) { e.putVarint(c.minTime); e.putUvarint(c.maxTime - c.minTime); e.putUvarint(c.ref); }
  return e.bytes().slice();
}

/** A series entry as the store uses it (the ID is the cache key's business). */
export type CachedSeries = Omit<SeriesEntry, 'id'>;

export function decodeSeriesEntry(b: Uint8Array): CachedSeries | undefined {
  const d = new Decoder(b);
  const nl = d.uvarint();
  if (nl > b.length) return undefined;
  const labels: Label[] = [];
  for (let i = 0; i < nl && d.err() === undefined; i++) labels.push({ name: d.uvarintStr(), value: d.uvarintStr() });
  const nc = d.uvarint();
  if (nc > b.length) return undefined;
  const chunks = [];
  for (let i = 0; i < nc && d.err() === undefined; i++) {
    const minTime = d.varint();
    const maxTime = minTime + d.uvarint();
    chunks.push({ minTime, maxTime, ref: d.uvarint() });
  }
  if (d.err() !== undefined || d.remaining !== 0) return undefined;
  return { labels, chunks };
}
