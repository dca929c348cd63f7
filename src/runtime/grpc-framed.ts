// Server-streamed messages that already carry gRPC's 5-byte prefix (compressed flag, BE32 length) in memory their
// writer owns: grpc-js otherwise allocates and copies every message it sends (~14 MB per 10k-series Series answer,
// which kept V8 busy with full collections). The fast path hooks grpc-js's per-call serializer; if a grpc-js version
// lacks it, a FramedMessage still goes out correctly through the method's serializer (see framedAware).
import { BaseServerInterceptingCall } from '@grpc/grpc-js/build/src/server-interceptors.js';

/** Bytes a writer leaves free before each message so it can be framed in place. */
export const GRPC_FRAME_HEADROOM = 5;

export class FramedMessage {
  /** `framed` is prefix + payload; the payload starts at byte 5. */
  constructor(readonly framed: Buffer) {}

  get payload(): Buffer {
    return this.framed.subarray(GRPC_FRAME_HEADROOM);
  }
}

/** Frames `payload` in place: writes the prefix into the GRPC_FRAME_HEADROOM bytes before it, which the caller owns. */
export function frameInPlace(payload: Uint8Array): FramedMessage {
  if (payload.byteOffset < GRPC_FRAME_HEADROOM) throw new RangeError('grpc-framed: no headroom before the message');
  const framed = Buffer.from(payload.buffer, payload.byteOffset - GRPC_FRAME_HEADROOM, payload.byteLength + GRPC_FRAME_HEADROOM);
  framed[0] = 0; // not compressed
  framed.writeUInt32BE(payload.byteLength, 1);
  return new FramedMessage(framed);
}

/**
 * A copy of `message` in memory of its own with GRPC_FRAME_HEADROOM free bytes before it, for a source that promises
 * headroom (EncodedSeriesSource.messageHeadroom) but got the message from an encoder that packs messages side by side.
 */
export function withFrameHeadroom(message: Uint8Array): Uint8Array {
  const copy = Buffer.allocUnsafe(GRPC_FRAME_HEADROOM + message.byteLength);
  copy.set(message, GRPC_FRAME_HEADROOM);
  return copy.subarray(GRPC_FRAME_HEADROOM);
}

/** A response serializer that also takes FramedMessages (their payload), for when the fast path is not installed. */
export function framedAware(serialize: (value: Buffer) => Buffer): (value: Buffer | FramedMessage) => Buffer {
  return (value) => (value instanceof FramedMessage ? value.payload : serialize(value));
}

interface SerializingCall {
  serializeMessage(this: SerializingCall, value: unknown): Buffer;
}

/** Marks grpc-js's serializer once patched, so the patch is applied once; the mark lives on what it describes. */
const PATCHED = Symbol('thanos-ts framed messages');

/** Makes grpc-js send FramedMessages as they are; true when active. Idempotent. */
export function installFramedMessages(): boolean {
  const proto = (BaseServerInterceptingCall as unknown as { prototype: Partial<SerializingCall> }).prototype;
  const original = proto.serializeMessage;
  if (typeof original !== 'function') return false;
  if (PATCHED in original) return true;
  const patched = function (this: SerializingCall, value: unknown): Buffer {
    return value instanceof FramedMessage ? value.framed : original.call(this, value);
  };
  proto.serializeMessage = Object.assign(patched, { [PATCHED]: true });
  return true;
}
