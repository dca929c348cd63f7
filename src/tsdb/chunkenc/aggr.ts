// Aggregate chunks of downsampled blocks (Thanos's AggrChunk, segment-file encoding byte 0xFF): five sub-chunks
// count, sum, min, max, counter, each an ordinary Prometheus chunk. Layout per entry: uvarint(len of the sub-chunk
// data) + encoding byte + data, or a single 0x00 for an absent aggregate. Spec: compact-receive-rule.md §1.9.

import { CorruptionError } from '../../runtime/errors.js';

/** The segment-file encoding byte of an aggregate chunk (picked high by upstream to avoid future collisions). */
export const AGGR_CHUNK_ENCODING = 0xff;

/** The aggregates in on-disk order; the index is the entry position. */
export const AggrType = { Count: 0, Sum: 1, Min: 2, Max: 3, Counter: 4 } as const;
export type AggrType = (typeof AggrType)[keyof typeof AggrType];
export const AGGR_NAMES = ['count', 'sum', 'min', 'max', 'counter'] as const;

/** One aggregate's sub-chunk: its Prometheus encoding byte (1 XOR, 3 float histogram) and its bytes. */
export interface SubChunk {
  readonly encoding: number;
  readonly data: Uint8Array;
}

/** The five entries of an aggregate chunk, undefined where absent. */
export type AggrEntries = readonly [SubChunk | undefined, SubChunk | undefined, SubChunk | undefined, SubChunk | undefined, SubChunk | undefined];

function uvarintLength(n: number): number {
  let k = 1;
  while (n >= 0x80) { n = Math.floor(n / 128); k++; }
  return k;
}

function putUvarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 0x80) { b[p++] = (n % 128) | 0x80; n = Math.floor(n / 128); }
  b[p++] = n;
  return p;
}

/** Encodes the entries as an aggregate chunk's data (without the outer 0xFF byte, which the segment writer adds). */
export function encodeAggrChunk(entries: AggrEntries): Uint8Array {
  let size = 0;
  for (const e of entries) size += e === undefined || e.data.length === 0 ? 1 : uvarintLength(e.data.length) + 1 + e.data.length;
  const out = new Uint8Array(size);
  let p = 0;
  for (const e of entries) {
    // Upstream writes an absent aggregate as length 0; a present one with no bytes would read back as absent too.
    if (e === undefined || e.data.length === 0) { out[p++] = 0; continue; }
    p = putUvarint(out, p, e.data.length);
    out[p++] = e.encoding;
    out.set(e.data, p);
    p += e.data.length;
  }
  return out;
}

/**
 * Decodes all five entries; sub-chunk data are views into `data`. A truncated or overlong entry is a
 * CorruptionError whose offset is the byte inside the chunk data (`where` names the chunk for the message).
 */
export function decodeAggrChunk(data: Uint8Array, where = 'aggregate chunk'): AggrEntries {
  const out: (SubChunk | undefined)[] = [];
  let p = 0;
  for (let i = 0; i < 5; i++) {
    if (p >= data.length) {
      // Entries after the data ends are absent: upstream readers stop at the requested entry, so a chunk cut short
      // after its last present entry still reads; only a length that points past the end is corrupt.
      out.push(undefined);
      continue;
    }
    let len = 0, mul = 1, c = 0x80;
    const start = p;
    while (c >= 0x80) {
      if (p >= data.length || mul > 2 ** 49) throw new CorruptionError(where, `${AGGR_NAMES[i]!} entry`, start, 'truncated or overlong length');
      c = data[p++]!;
      len += (c & 0x7f) * mul;
      mul *= 128;
    }
    if (len === 0) { out.push(undefined); continue; }
    if (data.length - p < len + 1) {
      throw new CorruptionError(where, `${AGGR_NAMES[i]!} entry`, start, `length ${len} + encoding byte exceeds the ${data.length - p} bytes left`);
    }
    out.push({ encoding: data[p]!, data: data.subarray(p + 1, p + 1 + len) });
    p += 1 + len;
  }
  return [out[0], out[1], out[2], out[3], out[4]];
}

/** The sub-chunk of one aggregate, or undefined when absent. */
export function aggrChunkGet(data: Uint8Array, t: AggrType, where?: string): SubChunk | undefined {
  return decodeAggrChunk(data, where)[t];
}

/** Samples of an aggregate chunk as upstream counts them: those of its count entry (0 without one). */
export function aggrChunkNumSamples(data: Uint8Array): number {
  const c = decodeAggrChunk(data)[AggrType.Count];
  return c === undefined || c.data.length < 2 ? 0 : (c.data[0]! << 8) | c.data[1]!;
}
