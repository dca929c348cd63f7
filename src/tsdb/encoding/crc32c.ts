// CRC-32C (Castagnoli), the checksum of every TSDB section and chunk. Slicing-by-8 tables, built once lazily.
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

/** Continues a CRC-32C over `data[start, end)`; pass the previous result as `crc` (0 to start). */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
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
