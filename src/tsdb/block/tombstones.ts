// The tombstones file: deleted [mint, maxt] intervals per series ID (magic, version, stones, CRC over stones).
// Spec: prometheus tsdb/docs/format/tombstones.md, shared reference §5.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { Decoder, readBE32, verifyCrc } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';

export const TOMBSTONES_FILENAME = 'tombstones';
export const TOMBSTONES_MAGIC = 0x0130ba30;
const TOMBSTONES_V1 = 1;

/** A closed interval of deleted timestamps (ms). */
export interface Interval {
  readonly mint: number;
  readonly maxt: number;
}

/** Deleted intervals per series ID; each list sorted, non-overlapping. */
export type Tombstones = ReadonlyMap<number, readonly Interval[]>;

export const EMPTY_TOMBSTONES: Tombstones = new Map();

/** Adds an interval to a sorted list, merging overlapping or touching ones (Prometheus Intervals.Add). */
export function addInterval(list: readonly Interval[], iv: Interval): Interval[] {
  const all = [...list, iv].sort((a, b) => a.mint - b.mint);
  const out: Interval[] = [];
  for (const x of all) {
    const last = out[out.length - 1];
    if (last && x.mint <= last.maxt + 1) out[out.length - 1] = { mint: last.mint, maxt: Math.max(last.maxt, x.maxt) };
    else out.push(x);
  }
  return out;
}

export function encodeTombstones(ts: Tombstones): Uint8Array {
  const e = new Encoder(64);
  e.putBE32(TOMBSTONES_MAGIC);
  e.putByte(TOMBSTONES_V1);
  const ids = [...ts.keys()].sort((a, b) => a - b);
  for (const id of ids) {
    for (const iv of ts.get(id)!) { e.putUvarint(id); e.putVarint(iv.mint); e.putVarint(iv.maxt); }
  }
  e.putBE32(crc32c(e.bytes(), 0, 5, e.length));
  return e.bytes().slice();
}

export function decodeTombstones(b: Uint8Array, file = TOMBSTONES_FILENAME): Tombstones {
  if (b.length < 9) throw new CorruptionError(file, 'tombstones', 0, `file of ${b.length} bytes is too short`);
  const magic = readBE32(b, 0);
  if (magic !== TOMBSTONES_MAGIC) throw new CorruptionError(file, 'tombstones', 0, `invalid magic number 0x${magic.toString(16)}`);
  if (b[4] !== TOMBSTONES_V1) throw new CorruptionError(file, 'tombstones', 4, `invalid tombstones version ${b[4]}`);
  verifyCrc(b, 5, b.length - 4, 0, file, 'tombstones');
  const d = new Decoder(b.subarray(0, b.length - 4), 0);
  d.skip(5);
  const out = new Map<number, Interval[]>();
  while (d.remaining > 0 && d.err() === undefined) {
    const id = d.uvarint();
    const mint = d.varint();
    const maxt = d.varint();
    if (d.err() !== undefined) break;
    out.set(id, addInterval(out.get(id) ?? [], { mint, maxt }));
  }
  d.check(file, 'tombstones');
  return out;
}

/** Reads a block's tombstones; a missing file means none. */
export async function readTombstones(blockDir: string): Promise<Tombstones> {
  const file = join(blockDir, TOMBSTONES_FILENAME);
  let b: Uint8Array;
  try {
    b = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_TOMBSTONES;
    throw err;
  }
  return decodeTombstones(b, file);
}

export async function writeTombstones(blockDir: string, ts: Tombstones): Promise<void> {
  await writeFile(join(blockDir, TOMBSTONES_FILENAME), encodeTombstones(ts));
}
