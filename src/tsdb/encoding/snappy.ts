// Snappy block format (not framed): Prometheus remote read/write bodies and compressed WAL records.
// Decoding goes through the native `snappy` package (Rust snap; 4-6x faster than snappyjs on WAL records, the
// replay hot path); encoding stays on snappyjs (snappyjs ships no types: loaded through require, given the one
// function we use).
import { createRequire } from 'node:module';
import { CorruptionError, LimitError, errorMessage } from '../../runtime/errors.js';

interface SnappyJs {
  compress(input: Uint8Array): Uint8Array;
}
interface NativeSnappy {
  uncompressSync(input: Uint8Array, options: { asBuffer: true }): Uint8Array;
}

const require = createRequire(import.meta.url);
const snappy = require('snappyjs') as SnappyJs;
const native = require('snappy') as NativeSnappy;

/** Each snappy element of n input bytes yields at most ~21n output bytes (a 3-byte copy of 64): more is corrupt. */
const MAX_EXPANSION = 22;

export function snappyEncode(data: Uint8Array): Uint8Array {
  return snappy.compress(data);
}

/**
 * The length a block declares, checked before anything is allocated: more than the input could expand to is corrupt
 * (a header declaring gigabytes must not allocate them, and is a bad body, not a big one); over `maxLength` is a
 * LimitError.
 */
function declaredLength(data: Uint8Array, what: string, maxLength: number | undefined): number {
  let pos = 0;
  let want = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= data.length || shift > 28) throw new CorruptionError(what, 'snappy block', pos, 'invalid uncompressed length');
    const c = data[pos++]!;
    want += (c & 0x7f) * 2 ** shift;
    if (c < 0x80) break;
  }
  if (want > (data.length - pos) * MAX_EXPANSION) {
    throw new CorruptionError(what, 'snappy block', 0, `declared length ${want} cannot come from ${data.length - pos} bytes`);
  }
  if (maxLength !== undefined && want > maxLength) {
    throw new LimitError(`${what}: decompressed size ${want} bytes exceeds the limit of ${maxLength} bytes`, 'snappy_decoded_bytes', want);
  }
  return want;
}

/** Decodes a snappy block; `what` names the payload in the CorruptionError. `maxLength` caps the decoded size. */
export function snappyDecode(data: Uint8Array, what: string, maxLength?: number): Uint8Array {
  const want = declaredLength(data, what, maxLength);
  if (want === 0 && data.length === 1) return new Uint8Array(0);
  try {
    return native.uncompressSync(data, { asBuffer: true });
  } catch (err) {
    throw new CorruptionError(what, 'snappy block', 0, errorMessage(err), { cause: err });
  }
}
