// Index file header and table of contents (the last 52 bytes): six BE64 section offsets and a CRC32C.
// Spec: prometheus tsdb/docs/format/index.md; shared reference §4.1–4.2 (TOC offsets point at unpadded ends).

import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from '../encoding/crc32c.js';
import { Decoder, verifyCrc } from '../encoding/decoder.js';
import { Encoder } from '../encoding/encoder.js';

export const INDEX_MAGIC = 0xbaaad700;
export const INDEX_VERSION_2 = 2;
export const INDEX_HEADER_SIZE = 5;
export const TOC_SIZE = 6 * 8 + 4;

export interface Toc {
  readonly symbols: number;
  readonly series: number;
  readonly labelIndices: number;
  /** The label offset table (legacy; 0 or equal to postingsTable when absent). */
  readonly labelIndicesTable: number;
  readonly postings: number;
  readonly postingsTable: number;
}

export function encodeToc(toc: Toc): Uint8Array {
  const e = new Encoder(TOC_SIZE);
  e.putBE64(toc.symbols);
  e.putBE64(toc.series);
  e.putBE64(toc.labelIndices);
  e.putBE64(toc.labelIndicesTable);
  e.putBE64(toc.postings);
  e.putBE64(toc.postingsTable);
  e.putBE32(crc32c(e.bytes()));
  return e.bytes().slice();
}

/** Decodes the TOC from the last 52 bytes of an index of `fileSize` bytes and checks every offset's range. */
export function decodeToc(b: Uint8Array, fileSize: number, file: string): Toc {
  const base = fileSize - TOC_SIZE;
  verifyCrc(b, 0, TOC_SIZE - 4, base, file, 'toc');
  const d = new Decoder(b, base);
  const toc: Toc = {
    symbols: d.be64(), series: d.be64(), labelIndices: d.be64(),
    labelIndicesTable: d.be64(), postings: d.be64(), postingsTable: d.be64(),
  };
  d.check(file, 'toc');
  for (const [k, v] of Object.entries(toc)) {
    if (v > base) throw new CorruptionError(file, 'toc', base, `${k} offset ${v} points past the TOC at ${base}`);
  }
  if (toc.symbols < INDEX_HEADER_SIZE || toc.postingsTable === 0) {
    throw new CorruptionError(file, 'toc', base, `symbols at ${toc.symbols} / postings offset table at ${toc.postingsTable} is not a valid position`);
  }
  return toc;
}
