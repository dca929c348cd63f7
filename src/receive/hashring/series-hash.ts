// The one hash a series is routed by, exactly as upstream's labelpb.HashWithPrefix: xxhash64 (seed 0) over
// `tenant 0xFF (name 0xFF value 0xFF)*`, labels in their (sorted) order. Every ring algorithm starts from it.

import { xxh64 } from '@node-rs/xxhash';
import type { Labels } from '../../tsdb/labels/labels.js';

const SEP = 0xff;

/**
 * Hashes series for routing, reusing one growing buffer: the router calls this once per series of every
 * request, so it must not allocate per label. Not shared between concurrent callers (JS is single-threaded).
 */
export class SeriesHasher {
  private buf = Buffer.allocUnsafe(1024);

  /** xxhash64 of `tenant 0xFF name₁ 0xFF value₁ 0xFF …` as an unsigned 64-bit integer. */
  hash(tenant: string, labels: Labels): bigint {
    let need = Buffer.byteLength(tenant) + 1;
    for (const l of labels) need += Buffer.byteLength(l.name) + Buffer.byteLength(l.value) + 2;
    if (need > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    const b = this.buf;
    let o = b.write(tenant, 0, 'utf8');
    b[o++] = SEP;
    for (const l of labels) {
      o += b.write(l.name, o, 'utf8');
      b[o++] = SEP;
      o += b.write(l.value, o, 'utf8');
      b[o++] = SEP;
    }
    return xxh64(b.subarray(0, o), 0n);
  }
}

/** xxhash64 (seed 0) of a string's UTF-8 bytes: how ketama places an endpoint's sections. */
export function stringHash(s: string): bigint {
  // The binding hashes a JS string as its UTF-8 bytes (checked against Buffer input in the golden test).
  return xxh64(s, 0n);
}
