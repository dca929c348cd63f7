// CRC-32C (Castagnoli), the checksum of every TSDB section and chunk and of every remote-read frame. Inputs from
// CRC_NATIVE_MIN bytes go to @node-rs/crc32 (the CPU's crc32 instruction, 2.5-10x faster) when it loads; smaller
// ones, where a native call costs more than it saves, and every input on a platform without it use slicing-by-8
// tables, built once lazily.
import { createRequire } from 'node:module';

// Tables are Int32Array and the running value stays a signed int32 until the end: Uint32Array reads above 2^31
// make V8 fall back to float math, which was ~1.5x slower on the remote-read hot path.

const POLY = 0x82f63b78 | 0;
let tables: Int32Array | undefined;

/** Eight 256-entry tables in one array: table k at offset k*256. */
function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let j = 0; j < 8; j++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + i] = c;
    }
  }
  return t;
}

/** Whether Int32Array views read bytes in little-endian order (the word loop below assumes so). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

type NativeCrc32c = (input: Uint8Array, crc?: number) => number;

/** Below this many bytes the table loop beats a native call (measured: break-even near 300 bytes). */
const CRC_NATIVE_MIN = 384;
let native: NativeCrc32c | null | undefined;

function loadNative(): NativeCrc32c | null {
  try {
    const mod = createRequire(import.meta.url)('@node-rs/crc32') as { crc32c?: unknown };
    return typeof mod.crc32c === 'function' ? (mod.crc32c as NativeCrc32c) : null;
  } catch {
    return null; // no prebuilt binary for this platform: the tables serve
  }
}

/** Continues a CRC-32C over `data[start, end)`; pass the previous result as `crc` (0 to start). */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  if (end - start >= CRC_NATIVE_MIN) {
    const fast = native === undefined ? (native = loadNative()) : native;
    if (fast !== null) return fast(start === 0 && end === data.length ? data : new Uint8Array(data.buffer, data.byteOffset + start, end - start), crc) >>> 0;
  }
  return crc32cTable(data, crc, start, end);
}

/** Whether large inputs go to the native implementation (false until the first large input, or without it). */
export function crc32cNativeLoaded(): boolean {
  return typeof native === 'function';
}

/** The table implementation (also what crc32c uses for small inputs); exported for tests. */
export function crc32cTable(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const t = (tables ??= buildTables());
  let c = ~crc;
  let i = start;
  if (LITTLE_ENDIAN && end - start >= 32) {
    // Bytes up to a 4-byte boundary, then whole words through an aligned view: half the loads of byte reads.
    while (((data.byteOffset + i) & 3) !== 0) c = t[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
    const words = ((end - i) >>> 3) << 1;
    const w = new Int32Array(data.buffer, data.byteOffset + i, words);
    for (let k = 0; k < words; k += 2) {
      const a = c ^ w[k]!;
      const b = w[k + 1]!;
      c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^ t[512 + ((b >>> 8) & 0xff)]! ^ t[256 + ((b >>> 16) & 0xff)]! ^ t[b >>> 24]!;
    }
    i += words * 4;
  }
  for (; i + 8 <= end; i += 8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^ t[1024 + (a >>> 24)]! ^
      t[768 + data[i + 4]!]! ^ t[512 + data[i + 5]!]! ^ t[256 + data[i + 6]!]! ^ t[data[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
