// Snappy block format (not framed): Prometheus remote read/write bodies and compressed WAL records.
// snappyjs ships no types; it is loaded through require and given the two functions we use.
import { createRequire } from 'node:module';
import { CorruptionError, errorMessage } from '../../runtime/errors.js';

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
    throw new CorruptionError(what, 'snappy block', 0, errorMessage(err), { cause: err });
  }
}
