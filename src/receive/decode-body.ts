// A remote-write body from bytes to a WriteRequest: Snappy (with its expansion capped), then protobuf (1.0 or 2.0),
// each failure a BodyError carrying upstream's status (400 malformed, 413 too large). The same steps run on the
// HTTP thread or on a decode worker (decode-pool.ts), so both answer alike.

import { CorruptionError, LimitError, errorMessage } from '../runtime/errors.js';
import { snappyDecode } from '../tsdb/encoding/snappy.js';
import { decodeWriteRequestV1, decodeWriteRequestV2, type WriteRequest } from './write-request.js';

/** Caps when no limit is configured: a body or decoded request beyond these is refused (413), never buffered. */
export const MAX_BODY_BYTES = 64 << 20;
const MAX_DECODED_BYTES = 512 << 20;

export const V2_PROTO = 'io.prometheus.write.v2.Request';

/** A body refused: the status and reason for the client; `overLimit` is how far past a configured size limit. */
export class BodyError extends Error {
  constructor(readonly status: number, message: string, readonly overLimit?: number) {
    super(message);
  }
}

/** Snappy-decodes a body; `sizeLimit` is the tenant's request size limit in bytes (0 = none). */
export function unsnappy(body: Uint8Array, sizeLimit: number): Uint8Array {
  try {
    // Snappy expands at most ~21× (a 3-byte copy of 64 bytes): a larger declared length is a lie, refused before
    // anything is allocated for it.
    const cap = Math.min(sizeLimit > 0 ? sizeLimit : MAX_DECODED_BYTES, body.length * 22 + 64);
    return snappyDecode(body, 'remote write body', cap);
  } catch (err) {
    const maxDecoded = sizeLimit > 0 ? sizeLimit : MAX_DECODED_BYTES;
    if (err instanceof LimitError && err.value > maxDecoded) {
      throw new BodyError(413, `write request too large: ${errorMessage(err)}`, sizeLimit > 0 ? err.value - sizeLimit : undefined);
    }
    if (err instanceof LimitError) throw new BodyError(400, `snappy decode error: declared length ${err.value} is more than ${body.length} compressed bytes can hold`);
    throw new BodyError(400, `snappy decode error: ${errorMessage(err)}`);
  }
}

/** Decodes a snappy-decoded body as remote write `version`. */
export function unmarshal(raw: Uint8Array, version: 1 | 2): WriteRequest {
  try {
    return version === 2 ? decodeWriteRequestV2(raw) : decodeWriteRequestV1(raw);
  } catch (err) {
    if (err instanceof CorruptionError) throw new BodyError(400, `unmarshal ${version === 2 ? V2_PROTO : 'prometheus.WriteRequest'}: ${errorMessage(err)}`);
    throw err;
  }
}
