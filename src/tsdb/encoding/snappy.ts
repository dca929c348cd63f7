// Snappy block format (not framed): Prometheus remote read/write bodies and compressed WAL records.
// snappyjs ships no types; it is loaded through require and given the two functions we use.
import { createRequire } from 'node:module';
import { CorruptionError, LimitError, errorMessage } from '../../runtime/errors.js';

interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
  uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}

const snappy = createRequire(import.meta.url)('snappyjs') as SnappyJs;

export function snappyEncode(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
}

/**
 * Walks a block's elements against the input and the declared output length without copying anything. snappyjs
 * trusts element lengths: a 4-byte literal length with its top bit set goes negative and moves its read position
 * backwards (fuzzing found a 60-byte input that ran for 30 s). Skipped when the declared length is over `maxLength`,
 * which snappyjs refuses before decoding.
 */
function checkBlock(data: Uint8Array, what: string, maxLength: number | undefined): void {
  const fail = (at: number, reason: string): never => { throw new CorruptionError(what, 'snappy block', at, reason); };
  let pos = 0;
  let want = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= data.length || shift > 28) return fail(pos, 'invalid uncompressed length');
    const c = data[pos++]!;
    want += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (maxLength !== undefined && want > maxLength) return;
  let out = 0;
  while (pos < data.length) {
    const at = pos;
    const c = data[pos++]!;
    let len: number;
    if ((c & 3) === 0) {
      len = (c >>> 2) + 1;
      if (len > 60) {
        const n = len - 60;
        if (pos + n > data.length) fail(at, 'literal length runs past the end of the input');
        len = 0;
        for (let i = n - 1; i >= 0; i--) len = len * 256 + data[pos + i]!;
        len += 1;
        pos += n;
      }
      if (pos + len > data.length) fail(at, `literal of ${len} bytes runs past the end of the input`);
      pos += len;
    } else {
      const n = (c & 3) === 1 ? 1 : (c & 3) === 2 ? 2 : 4;
      if (pos + n > data.length) fail(at, 'copy element runs past the end of the input');
      len = (c & 3) === 1 ? ((c >>> 2) & 7) + 4 : (c >>> 2) + 1;
      let offset = 0;
      for (let i = n - 1; i >= 0; i--) offset = offset * 256 + data[pos + i]!;
      if ((c & 3) === 1) offset += (c >>> 5) << 8;
      pos += n;
      if (offset === 0 || offset > out) fail(at, `copy offset ${offset} outside the ${out} bytes decoded so far`);
    }
    out += len;
    if (out > want) fail(at, `decoded data longer than the declared ${want} bytes`);
  }
  if (out !== want) fail(pos, `decoded ${out} bytes, the block declares ${want}`);
}

/** Decodes a snappy block; `what` names the payload in the CorruptionError. `maxLength` caps the decoded size. */
export function snappyDecode(data: Uint8Array, what: string, maxLength?: number): Uint8Array {
  checkBlock(data, what, maxLength);
  try {
    return maxLength === undefined ? snappy.uncompress(data) : snappy.uncompress(data, maxLength);
  } catch (err) {
    // snappyjs checks the declared length against the cap before allocating anything.
    const big = maxLength !== undefined ? /uncompressed length of (\d+) is too big/.exec(errorMessage(err)) : null;
    if (big) throw new LimitError(`${what}: decompressed size ${big[1]} bytes exceeds the limit of ${maxLength} bytes`, 'snappy_decoded_bytes', Number(big[1]), { cause: err });
    throw new CorruptionError(what, 'snappy block', 0, errorMessage(err), { cause: err });
  }
}
