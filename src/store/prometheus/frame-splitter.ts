// Splits a STREAMED_XOR_CHUNKS byte stream (uvarint size, BE32 CRC32C, message) into checked frames whatever the
// network chunk boundaries, handing each message to a callback as a view of its own (no copy when it fits one chunk).
// Pushed chunks may be borrowed (reused by the caller once push returns): only a frame split between chunks is copied,
// and only that frame's bytes.
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { CorruptionError, LimitError } from '../../runtime/errors.js';

/** Receives one frame's message, valid as long as the pushed chunk is (the view the CRC was checked on). */
export type FrameHandler = (message: Uint8Array) => void;

/** Longest frame header: a 10-byte size varint and the 4-byte CRC. */
const MAX_HEADER = 14;

export class FrameSplitter {
  /** The start of a frame split between chunks: its header bytes, then (once the header is whole) all of it. */
  private carry: Buffer | undefined;
  private carryLen = 0;
  /** Where in the stream the carried frame starts, and where the current chunk does: for error offsets. */
  private carryAt = 0;
  private streamOffset = 0;
  /** The frame header parsed last (by `header`): its length and the message size it gives. */
  private headerLen = 0;
  private messageSize = 0;

  constructor(private readonly maxFrameBytes = 50 * 1024 * 1024) {}

  /** Calls `onFrame` for every frame `chunk` completes; each frame's CRC32C is checked, its size capped before buffering. */
  push(chunk: Uint8Array, onFrame: FrameHandler): void {
    let off = this.carryLen > 0 ? this.finishCarried(chunk, onFrame) : 0;
    // Read once: `.buffer` and `.byteOffset` are getter calls, and a 10k-series read has 10k frames.
    const memory = chunk.buffer;
    const memoryOffset = chunk.byteOffset;
    while (off < chunk.length) {
      if (!this.header(chunk, off, chunk.length, this.streamOffset + off)) break;
      const headerLen = this.headerLen;
      const messageSize = this.messageSize;
      const total = headerLen + messageSize;
      if (chunk.length - off < total) break;
      this.check(chunk, off, new Uint8Array(memory, memoryOffset + off + headerLen, messageSize), this.streamOffset + off, onFrame);
      off += total;
    }
    if (off < chunk.length) this.startCarry(chunk, off);
    this.streamOffset += chunk.length;
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.carryLen > 0) {
      throw new CorruptionError('remote read stream', 'frame', this.carryAt, `stream ended inside a frame (${this.carryLen} bytes left)`);
    }
  }

  /**
   * Parses the frame header at buf[at, end) (`streamAt` in the stream): false when it is not all there yet. Sets
   * this.headerLen and this.messageSize; throws on a malformed size or one over the limit (before anything is buffered for it).
   */
  private header(buf: Uint8Array, at: number, end: number, streamAt: number): boolean {
    let size = 0;
    let mul = 1;
    for (let i = at; i < end && i < at + 10; i++) {
      const c = buf[i]!;
      size += (c & 0x7f) * mul;
      if (c < 0x80) {
        if (size > this.maxFrameBytes) {
          throw new LimitError(`remote read frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`, 'chunked_read_limit', size);
        }
        this.headerLen = i - at + 1 + 4;
        this.messageSize = size;
        return end - at >= this.headerLen;
      }
      mul *= 128;
    }
    if (end - at >= 10) throw new CorruptionError('remote read stream', 'frame header', streamAt, 'size varint longer than 10 bytes');
    return false;
  }

  /** Checks the CRC of the frame whose header is at buf[at] and whose message is `message`, and hands it over. */
  private check(buf: Uint8Array, at: number, message: Uint8Array, streamAt: number, onFrame: FrameHandler): void {
    const crcAt = at + this.headerLen - 4;
    const want = ((buf[crcAt]! << 24) | (buf[crcAt + 1]! << 16) | (buf[crcAt + 2]! << 8) | buf[crcAt + 3]!) >>> 0;
    const got = crc32c(message);
    if (got !== want) {
      throw new CorruptionError('remote read stream', 'frame', streamAt, `checksum mismatch: header says ${want.toString(16)}, message has ${got.toString(16)}`);
    }
    onFrame(message);
  }

  /** Copies the unfinished frame at chunk[off..] (the chunk may be borrowed). */
  private startCarry(chunk: Uint8Array, off: number): void {
    const n = chunk.length - off;
    // Sized for the whole frame once its header is known; else for the longest header.
    this.carryAt = this.streamOffset + off;
    const whole = this.header(chunk, off, chunk.length, this.carryAt) ? this.headerLen + this.messageSize : MAX_HEADER;
    this.carry = Buffer.allocUnsafe(Math.max(whole, n));
    this.carry.set(new Uint8Array(chunk.buffer, chunk.byteOffset + off, n), 0);
    this.carryLen = n;
  }

  /** Completes the carried frame from the start of `chunk`; returns how many bytes of `chunk` it took. */
  private finishCarried(chunk: Uint8Array, onFrame: FrameHandler): number {
    let carry = this.carry!;
    let taken = 0;
    // The header itself may have been split: complete it a byte at a time (it is at most 14).
    while (!this.header(carry, 0, this.carryLen, this.carryAt)) {
      if (taken === chunk.length) return taken;
      carry[this.carryLen++] = chunk[taken++]!;
    }
    const headerLen = this.headerLen;
    const messageSize = this.messageSize;
    const total = headerLen + messageSize;
    if (carry.length < total) {
      const bigger = Buffer.allocUnsafe(total);
      bigger.set(carry.subarray(0, this.carryLen), 0);
      this.carry = carry = bigger;
    }
    const n = Math.min(total - this.carryLen, chunk.length - taken);
    carry.set(new Uint8Array(chunk.buffer, chunk.byteOffset + taken, n), this.carryLen);
    this.carryLen += n;
    taken += n;
    if (this.carryLen < total) return taken;
    this.carry = undefined;
    this.carryLen = 0;
    // A plain Uint8Array like every other message: one type keeps the consumer's parse loop monomorphic.
    this.check(carry, 0, new Uint8Array(carry.buffer, carry.byteOffset + headerLen, messageSize), this.carryAt, onFrame);
    return taken;
  }
}
