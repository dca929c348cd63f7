// The symbol table: every label name and value once, sorted; format 2 refers to a symbol by its 0-based index.

import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { Decoder, verifyCrc } from '../encoding/decoder.js';
import type { Encoder } from '../encoding/encoder.js';

/** Encodes a symbol table section (len, count, ustr entries, CRC). `sorted` must be sorted and unique. */
export function encodeSymbols(sorted: readonly string[], out: Encoder): void {
  const start = out.length;
  out.putBE32(0);
  out.putBE32(sorted.length);
  for (const s of sorted) out.putUvarintStr(s);
  const len = out.length - start - 4;
  out.setBE32(start, len);
  const all = out.bytes();
  out.putBE32(crc32c(all, 0, start + 4, all.length));
}

/** Decodes a whole symbol table section read from file offset `base` (starting at its len field). */
export function decodeSymbols(b: Uint8Array, base: number, file: string): string[] {
  const d = new Decoder(b, base);
  const len = d.be32();
  d.check(file, 'symbols');
  verifyCrc(b, 4, 4 + len, base, file, 'symbols');
  const body = new Decoder(b.subarray(0, 4 + len), base);
  body.skip(4);
  const n = body.be32();
  if (n > len) throw new CorruptionError(file, 'symbols', base + 4, `symbol count ${n} larger than section (${len} bytes)`);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = body.uvarintStr();
  body.check(file, 'symbols');
  return out;
}
