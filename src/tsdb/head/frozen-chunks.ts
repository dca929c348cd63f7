// The row layout of the open chunks a replay worker hands over (replay-chunks.ts) and how a head series turns its
// row back into bytes or an XorAppender: ref, maxTime, lastValue, openMint, nextAt, first full chunk, full chunk
// numbers, open bytes offset and length (-1: none), then XorAppender.exportState's numbers.

import { XOR_STATE_SIZE, XorAppender } from '../chunkenc/xor.js';
import type { FrozenOpenChunks } from './chunk-arena.js';

export const ROW = 9 + XOR_STATE_SIZE;
export const R_REF = 0;
export const R_MAX_TIME = 1;
export const R_LAST_VALUE = 2;
export const R_OPEN_MINT = 3;
export const R_NEXT_AT = 4;
export const R_FULL_FROM = 5;
export const R_FULL_COUNT = 6;
export const R_OPEN_AT = 7;
export const R_OPEN_LEN = 8;
export const R_XOR = 9;

/** The open chunk bytes of row `row` (a view). */
export function frozenOpenBytes(f: FrozenOpenChunks, row: number): Uint8Array {
  const at = row * ROW;
  return f.open.subarray(f.rows[at + R_OPEN_AT]!, f.rows[at + R_OPEN_AT]! + f.rows[at + R_OPEN_LEN]!);
}

/** An appender continuing row `row`'s open chunk. */
export function thawOpenChunk(f: FrozenOpenChunks, row: number): XorAppender {
  return XorAppender.restore(frozenOpenBytes(f, row), f.rows, row * ROW + R_XOR);
}
