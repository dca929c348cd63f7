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

/** Decodes a snappy block; `what` names the payload in the CorruptionError. `maxLength` caps the decoded size. */
export function snappyDecode(data: Uint8Array, what: string, maxLength?: number): Uint8Array {
  try {
    return maxLength === undefined ? snappy.uncompress(data) : snappy.uncompress(data, maxLength);
  } catch (err) {
    // snappyjs checks the declared length against the cap before allocating anything.
    const big = maxLength !== undefined ? /uncompressed length of (\d+) is too big/.exec(errorMessage(err)) : null;
    if (big) throw new LimitError(`${what}: decompressed size ${big[1]} bytes exceeds the limit of ${maxLength} bytes`, 'snappy_decoded_bytes', Number(big[1]), { cause: err });
    throw new CorruptionError(what, 'snappy block', 0, errorMessage(err), { cause: err });
  }
}
