// Byte-level codecs: CRC32C vectors, encoder/decoder round trips, and the decoder's first-error bookkeeping.
import { describe, expect, it } from 'vitest';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { crc32c, crc32cNativeLoaded, crc32cTable } from '../../../src/tsdb/encoding/crc32c.js';
import { Decoder, verifyCrc } from '../../../src/tsdb/encoding/decoder.js';
import { Encoder } from '../../../src/tsdb/encoding/encoder.js';

describe('crc32c', () => {
  it.each([
    { name: 'empty', input: '', want: 0 },
    { name: 'check string', input: '123456789', want: 0xe3069283 },
    { name: 'longer than the 8-byte stride', input: 'The quick brown fox jumps over the lazy dog', want: 0x22620404 },
  ])('computes the Castagnoli checksum of $name', ({ input, want }) => {
    expect(crc32c(new TextEncoder().encode(input))).toBe(want);
  });

  it('continues over split input', () => {
    const b = new TextEncoder().encode('123456789');
    expect(crc32c(b, crc32c(b, 0, 0, 4), 4, 9)).toBe(0xe3069283);
  });

  it('matches a bit-by-bit reference for every length, offset and high-bit byte', () => {
    const bitwise = (d: Uint8Array, from: number, to: number): number => {
      let c = 0xffffffff;
      for (let i = from; i < to; i++) {
        c ^= d[i]!;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    // A view at an odd offset, so the aligned word loop starts at every phase.
    const d = new Uint8Array(305).subarray(1);
    for (let i = 0; i < d.length; i++) d[i] = (i * 151 + 0xe7) & 0xff;
    for (let from = 0; from < 9; from++) {
      for (let to = from; to <= d.length; to += 7) expect(crc32c(d, 0, from, to)).toBe(bitwise(d, from, to));
    }
    expect(crc32c(new Uint8Array(64).fill(0xff))).toBe(bitwise(new Uint8Array(64).fill(0xff), 0, 64));
  });

  it('takes the native path for large inputs and agrees with the tables at every size and offset around the switch', () => {
    const d = new Uint8Array(5000).map((_, i) => (i * 131 + (i >> 3)) & 0xff);
    for (const from of [0, 1, 3, 8]) {
      for (const len of [0, 100, 383, 384, 385, 1023, 1400, 4096]) {
        const to = from + len;
        expect(crc32c(d, 0, from, to)).toBe(crc32cTable(d, 0, from, to));
        // Continued from an earlier result, as callers chain sections.
        expect(crc32c(d, 0x1234567, from, to)).toBe(crc32cTable(d, 0x1234567, from, to));
      }
    }
    expect(crc32c(d)).toBe(crc32cTable(d));
    expect(crc32cNativeLoaded()).toBe(true);
  });
});

describe('Encoder and Decoder', () => {
  it('round-trip every field type, including values above 32 bits', () => {
    const e = new Encoder(4);
    const nums = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, 2 ** 52 + 1];
    e.putByte(7);
    e.putBE32(0xdeadbeef);
    e.putBE64(2 ** 40 + 3);
    for (const n of nums) e.putUvarint(n);
    const signed = nums.slice(0, -1).concat([2 ** 51 + 1]);
    for (const n of signed) { e.putVarint(n); e.putVarint(-n); }
    e.putUvarintStr('héllo');
    e.pad(16);
    expect(e.length % 16).toBe(0);
    const d = new Decoder(e.bytes());
    expect(d.byte()).toBe(7);
    expect(d.be32()).toBe(0xdeadbeef);
    expect(d.be64()).toBe(2 ** 40 + 3);
    for (const n of nums) expect(d.uvarint()).toBe(n);
    for (const n of signed) { expect(d.varint()).toBe(n); expect(d.varint()).toBe(n === 0 ? 0 : -n); }
    expect(d.uvarintStr()).toBe('héllo');
    expect(d.err()).toBeUndefined();
  });

  it('writes strings as uvarint length and UTF-8 bytes on the ASCII fast path and off it', () => {
    const strs = ['', 'job', 'x'.repeat(127), 'y'.repeat(128), 'a'.repeat(200), 'abcé', '日本', `${'z'.repeat(126)}é`];
    const e = new Encoder(2);
    for (const s of strs) e.putUvarintStr(s);
    const d = new Decoder(e.bytes());
    for (const s of strs) expect(d.uvarintStr()).toBe(s);
    expect(d.remaining).toBe(0);
    const one = new Encoder();
    one.putUvarintStr('y'.repeat(128));
    expect([...one.bytes().subarray(0, 3)]).toEqual([0x80, 0x01, 0x79]);
  });

  it('keeps the first error and its absolute offset', () => {
    const d = new Decoder(new Uint8Array([1, 2, 3]), 1000);
    d.be32();
    d.byte();
    expect(d.err()).toMatch(/unexpected end/);
    expect(d.errOffset()).toBe(1000);
    expect(() => d.check('index', 'symbols')).toThrow(CorruptionError);
  });

  it('rejects an oversized varint', () => {
    const d = new Decoder(new Uint8Array(11).fill(0xff), 5);
    d.uvarint();
    expect(d.err()).toMatch(/varint/);
  });

  it('verifyCrc names file, section and the CRC offset', () => {
    const e = new Encoder();
    e.putBE32(42);
    e.putBE32(crc32c(e.bytes()));
    const b = e.bytes().slice();
    expect(() => verifyCrc(b, 0, 4, 100, 'f', 's')).not.toThrow();
    b[0] = b[0]! ^ 1;
    try {
      verifyCrc(b, 0, 4, 100, 'f', 's');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CorruptionError);
      expect(err).toMatchObject({ file: 'f', section: 's', offset: 104 });
    }
  });
});
