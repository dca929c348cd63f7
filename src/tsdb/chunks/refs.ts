// Block chunk references: segment index (0-based file position) << 32 | byte offset of the record, as a number.
// segment < 2^21 keeps every ref below 2^53, so refs are plain numbers and never BigInt.

/** A block chunk reference (Prometheus BlockChunkRef). */
export type ChunkRef = number;

const TWO32 = 0x1_0000_0000;

export function packChunkRef(segment: number, offset: number): ChunkRef {
  return segment * TWO32 + offset;
}

export function chunkRefSegment(ref: ChunkRef): number {
  return Math.floor(ref / TWO32);
}

export function chunkRefOffset(ref: ChunkRef): number {
  return ref % TWO32;
}

/** Segment file name for a 0-based index: 0 → "000001". */
export function segmentFileName(index: number): string {
  return String(index + 1).padStart(6, '0');
}

export const SEGMENT_MAGIC = 0x85bd40dd;
export const SEGMENT_FORMAT_V1 = 1;
/** magic (4) + version (1) + padding (3). */
export const SEGMENT_HEADER_SIZE = 4 + 1 + 3;
/** Default maximum segment size, 512 MiB. */
export const DEFAULT_SEGMENT_SIZE = 512 * 1024 * 1024;
/** What the writer budgets per record besides the data: max uvarint length (5) + encoding (1) + CRC (4). */
export const RECORD_OVERHEAD = 5 + 1 + 4;

/** A chunk as stored: its encoding byte and data, still encoded. */
export interface RawChunk {
  readonly ref: ChunkRef;
  readonly encoding: number;
  readonly data: Uint8Array;
}
