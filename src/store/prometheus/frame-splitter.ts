// Splits a STREAMED_XOR_CHUNKS byte stream (uvarint size, BE32 CRC32C, message) into checked frames whatever the
// network chunk boundaries, handing each message to a callback as a view of its own (no copy when it fits one chunk).
// Pushed chunks may be borrowed (reused by the caller once push returns): an unfinished frame is copied.
import { crc32c } from '../../tsdb/encoding/crc32c.js';
import { CorruptionError, LimitError } from '../../runtime/errors.js';

/** Receives one frame's message, valid as long as the pushed chunk is (the view the CRC was checked on). */
export type FrameHandler = (message: Uint8Array) => void;

export class FrameSplitter {
  private pending: Uint8Array[] = [];
  private pendingLen = 0;
  private offset = 0;

  constructor(private readonly maxFrameBytes = 50 * 1024 * 1024) {}

  /** Calls `onFrame` for every frame `chunk` completes; each frame's CRC32C is checked, its size capped before buffering. */
  push(chunk: Uint8Array, onFrame: FrameHandler): void {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingLen += chunk.length;
    }
    this.split(onFrame);
    // What is left of `chunk` (the start of the next frame) is copied: the caller may reuse the chunk's memory.
    if (this.pendingLen - this.offset > 0 && this.pending[this.pending.length - 1] === chunk) this.coalesce();
  }

  private split(onFrame: FrameHandler): void {
    for (;;) {
      const head = this.headView(15);
      if (head === undefined) return;
      // Frame header: uvarint size then 4 bytes of CRC.
      let size = 0;
      let mul = 1;
      let i = this.offset;
      let complete = false;
      for (let k = 0; k < 10 && i < head.length; k++) {
        const c = head[i++]!;
        size += (c & 0x7f) * mul;
        mul *= 128;
        if (c < 0x80) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i - this.offset >= 10) throw new CorruptionError('remote read stream', 'frame header', this.offset, 'size varint longer than 10 bytes');
        return;
      }
      if (size > this.maxFrameBytes) {
        throw new LimitError(`remote read frame of ${size} bytes exceeds the limit of ${this.maxFrameBytes} bytes`, 'chunked_read_limit', size);
      }
      const headerLen = i - this.offset + 4;
      if (this.pendingLen - this.offset < headerLen + size) return;
      const buf = this.headView(headerLen + size)!;
      const crcAt = this.offset + headerLen - 4;
      const want = ((buf[crcAt]! << 24) | (buf[crcAt + 1]! << 16) | (buf[crcAt + 2]! << 8) | buf[crcAt + 3]!) >>> 0;
      const message = new Uint8Array(buf.buffer, buf.byteOffset + this.offset + headerLen, size);
      const got = crc32c(message);
      if (got !== want) {
        throw new CorruptionError('remote read stream', 'frame', this.offset, `checksum mismatch: header says ${want.toString(16)}, message has ${got.toString(16)}`);
      }
      this.offset += headerLen + size;
      onFrame(message);
    }
  }

  /** Throws when the stream ended inside a frame. */
  end(): void {
    if (this.pendingLen - this.offset > 0) {
      throw new CorruptionError('remote read stream', 'frame', this.offset, `stream ended inside a frame (${this.pendingLen - this.offset} bytes left)`);
    }
  }

  /**
   * Makes at least `n` unread bytes (or all there are, when fewer) contiguous in pending[0] and returns it; the
   * unread part starts at this.offset. undefined when nothing is unread.
   */
  private headView(n: number): Uint8Array | undefined {
    const unread = this.pendingLen - this.offset;
    if (unread <= 0) {
      this.pending.length = 0; // reused: this runs once per frame
      this.pendingLen = 0;
      this.offset = 0;
      return undefined;
    }
    const first = this.pending[0]!;
    if (first.length - this.offset >= Math.min(n, unread)) {
      if (this.offset >= first.length) return undefined;
      return first;
    }
    // Coalesce the unread bytes into one buffer; done at most once per frame, so copying stays linear.
    return this.coalesce();
  }

  /** Copies the unread bytes into one buffer of their own, which becomes the only pending one. */
  private coalesce(): Buffer {
    const unread = this.pendingLen - this.offset;
    const merged = Buffer.allocUnsafe(unread); // every byte is written below
    let at = 0;
    let skip = this.offset;
    for (const p of this.pending) {
      if (skip >= p.length) {
        skip -= p.length;
        continue;
      }
      merged.set(skip > 0 ? p.subarray(skip) : p, at);
      at += p.length - skip;
      skip = 0;
    }
    this.pending = [merged];
    this.pendingLen = unread;
    this.offset = 0;
    return merged;
  }
}
