// Builds upstream's binary index-header (pkg/block/indexheader/binary_reader.go, shared reference §5.5) for a block
// from range reads of the bucket's index: only the header, TOC, symbol table and postings offset table are read.
//
// Layout: magic 0xBAAAD792 | version 1 | index version | BE64 postings-offset-table offset in the index |
//         symbols (copied) | postings offset table through the index's TOC (copied) | BE64 symbols at | BE64 postings table at | CRC32C.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { BucketReader } from '../../objstore/bucket.js';
import { readAll } from '../../objstore/streams.js';
import { CorruptionError } from '../../runtime/errors.js';
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { readBE32 } from '../../tsdb/encoding/decoder.js';
import { Encoder } from '../../tsdb/encoding/encoder.js';
import { INDEX_HEADER_SIZE, INDEX_MAGIC, TOC_SIZE, decodeToc } from '../../tsdb/index/toc.js';

export const INDEX_HEADER_MAGIC = 0xbaaad792;
export const INDEX_HEADER_VERSION = 1;
export const INDEX_HEADER_FILENAME = 'index-header';
/** magic + version + index version + postings table offset. */
export const INDEX_HEADER_PREFIX = 4 + 1 + 1 + 8;
/** Two BE64 offsets and a CRC32C. */
export const INDEX_HEADER_TOC_SIZE = 8 + 8 + 4;

async function range(bucket: BucketReader, name: string, offset: number, length: number, signal?: AbortSignal): Promise<Buffer> {
  const b = await readAll(await bucket.getRange(name, offset, length, signal ? { signal } : {}), signal);
  if (b.length !== length) throw new CorruptionError(name, 'range', offset, `range read returned ${b.length} bytes, want ${length}`);
  return b;
}

export interface BuildStats {
  /** Bytes read from the bucket's index. */
  readonly bytesRead: number;
  readonly indexSize: number;
}

/**
 * Writes `<dir>/index-header` for block `id` (via a temporary file and rename). `indexSize` comes from meta.json's
 * thanos.files when known; otherwise it is asked of the bucket.
 */
export async function buildIndexHeader(bucket: BucketReader, id: string, dir: string, indexSize?: number, signal?: AbortSignal): Promise<BuildStats> {
  const name = `${id}/index`;
  const size = indexSize ?? (await bucket.attributes(name, signal ? { signal } : {})).size;
  if (size < INDEX_HEADER_SIZE + TOC_SIZE) throw new CorruptionError(name, 'header', 0, `index of ${size} bytes is too short`);
  const head = await range(bucket, name, 0, INDEX_HEADER_SIZE, signal);
  const magic = readBE32(head, 0);
  if (magic !== INDEX_MAGIC) throw new CorruptionError(name, 'header', 0, `invalid magic number 0x${magic.toString(16)}`);
  const version = head[4]!;
  if (version < 1 || version > 3) throw new CorruptionError(name, 'header', 4, `unsupported index version ${version}`);
  const toc = decodeToc(await range(bucket, name, size - TOC_SIZE, TOC_SIZE, signal), size, name);
  if (toc.series <= toc.symbols || toc.postingsTable >= size) throw new CorruptionError(name, 'toc', size - TOC_SIZE, 'symbols/postings offset table offsets out of order');
  const symbols = await range(bucket, name, toc.symbols, toc.series - toc.symbols, signal);
  const postingsTable = await range(bucket, name, toc.postingsTable, size - toc.postingsTable, signal);

  const e = new Encoder(INDEX_HEADER_PREFIX);
  e.putBE32(INDEX_HEADER_MAGIC);
  e.putByte(INDEX_HEADER_VERSION);
  e.putByte(version);
  e.putBE64(toc.postingsTable);
  const symbolsAt = INDEX_HEADER_PREFIX;
  const postingsAt = symbolsAt + symbols.length;
  const t = new Encoder(INDEX_HEADER_TOC_SIZE);
  t.putBE64(symbolsAt);
  t.putBE64(postingsAt);
  t.putBE32(crc32c(t.bytes()));

  await mkdir(dir, { recursive: true });
  const file = path.join(dir, INDEX_HEADER_FILENAME);
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev([e.bytes(), symbols, postingsTable, t.bytes()]);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
  return { bytesRead: INDEX_HEADER_SIZE + TOC_SIZE + symbols.length + postingsTable.length, indexSize: size };
}
