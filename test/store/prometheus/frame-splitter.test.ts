// The remote-read frame splitter: the same messages whatever the chunk boundaries (inside a header, a CRC, a message),
// from borrowed chunks that are scribbled over after each push, and clear errors for every malformed stream.
import { describe, expect, it } from 'vitest';
import { FrameSplitter } from '../../../src/store/prometheus/frame-splitter.js';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import { CorruptionError, LimitError } from '../../../src/runtime/errors.js';

function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function frame(msg: Uint8Array, crc = crc32c(msg)): Buffer {
  const head = Buffer.from(uvarint(msg.length));
  const c = Buffer.alloc(4);
  c.writeUInt32BE(crc);
  return Buffer.concat([head, c, msg]);
}

const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 131 + seed * 7) & 0xff);

/** Messages from empty to 3-byte size varints (over 16 KB), as one stream. */
const messages = [bytes(0, 0), bytes(1, 1), bytes(127, 2), bytes(128, 3), bytes(1400, 4), bytes(20_000, 5), bytes(3, 6)];
const stream = Buffer.concat(messages.map((m) => frame(m)));

/** Feeds `input` in pieces of `piece` bytes through one reused scratch buffer, scribbled over after each push. */
function split(input: Buffer, piece: number, max?: number): Buffer[] {
  const s = new FrameSplitter(max);
  const got: Buffer[] = [];
  const scratch = Buffer.alloc(piece);
  for (let i = 0; i < input.length; i += piece) {
    const n = input.copy(scratch, 0, i, i + piece);
    s.push(scratch.subarray(0, n), (m) => got.push(Buffer.from(m)));
    scratch.fill(0xee);
  }
  s.end();
  return got;
}

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error thrown');
}

describe('FrameSplitter', () => {
  it.each([1, 2, 3, 5, 6, 13, 64, 1000, 4096, 25_000, stream.length])('hands over every message whole from pieces of %i bytes', (piece) => {
    const got = split(stream, piece);
    expect(got.map((m) => m.length)).toEqual(messages.map((m) => m.length));
    got.forEach((m, i) => expect(m.equals(messages[i]!)).toBe(true));
  });

  it('hands a frame inside one chunk over as a view of that chunk, exactly the message', () => {
    const views: Uint8Array[] = [];
    new FrameSplitter().push(stream, (m) => views.push(m));
    expect(views.every((v) => v.buffer === stream.buffer)).toBe(true);
    expect(views.map((v) => v.length)).toEqual(messages.map((m) => m.length));
  });

  it('rejects a checksum mismatch naming the frame, in one chunk or split between chunks', () => {
    const bad = Buffer.concat([frame(messages[4]!), frame(messages[5]!, 0x12345678)]);
    const at = frame(messages[4]!).length;
    for (const piece of [7, bad.length]) {
      const err = errorOf(() => split(bad, piece));
      expect(err).toBeInstanceOf(CorruptionError);
      expect(err.message).toContain(`at byte ${at}`);
      expect(err.message).toContain('checksum mismatch: header says 12345678');
    }
  });

  it('refuses a frame over the size limit from its header, before its bytes arrive', () => {
    const big = frame(bytes(5000, 9));
    for (const piece of [1, 3]) {
      const s = new FrameSplitter(4096);
      // The size varint is complete after two bytes: nothing more is needed to refuse it.
      expect(() => { for (let i = 0; i < 3; i += piece) s.push(big.subarray(i, i + piece), () => {}); }).toThrow(LimitError);
    }
  });

  it('rejects a size varint longer than 10 bytes', () => {
    const bad = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0]);
    for (const piece of [1, bad.length]) expect(errorOf(() => split(bad, piece)).message).toMatch(/size varint longer than 10 bytes/);
  });

  it.each([1, 3, 6, 500])('reports a stream that ends inside a frame (%i bytes short)', (short) => {
    const err = errorOf(() => split(stream.subarray(0, stream.length - frame(messages[6]!).length - frame(messages[5]!).length + short), 64));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toMatch(/stream ended inside a frame/);
  });
});
