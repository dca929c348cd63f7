// grpc-js service definitions for thanos.Store and thanos.info.Info. Messages cross grpc-js as raw bytes and are
// decoded by our codecs, so a malformed frame becomes InvalidArgument (grpc-js would answer INTERNAL itself).

import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { framedAware } from '../runtime/grpc-framed.js';

const passthrough = (b: Buffer): Buffer => b;

function method(path: string, responseStream: boolean): MethodDefinition<Buffer, Buffer> {
  return {
    path, requestStream: false, responseStream,
    requestSerialize: passthrough, requestDeserialize: passthrough,
    // A streamed answer may be written as FramedMessages (runtime/grpc-framed).
    responseSerialize: responseStream ? framedAware(passthrough) : passthrough, responseDeserialize: passthrough,
  };
}

export const STORE_SERVICE = {
  Info: method('/thanos.Store/Info', false),
  Series: method('/thanos.Store/Series', true),
  LabelNames: method('/thanos.Store/LabelNames', false),
  LabelValues: method('/thanos.Store/LabelValues', false),
} satisfies ServiceDefinition;

export const INFO_SERVICE = {
  Info: method('/thanos.info.Info/Info', false),
} satisfies ServiceDefinition;

/** Receiver-to-receiver forwarding (thanos.WriteRequest → thanos.WriteResponse; types via protoType()). */
export const WRITEABLE_STORE_SERVICE = {
  RemoteWrite: method('/thanos.WriteableStore/RemoteWrite', false),
} satisfies ServiceDefinition;

/** A view of encoder output as a Buffer, without copying. */
export function asBuffer(u8: Uint8Array): Buffer {
  return Buffer.isBuffer(u8) ? u8 : Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
}
