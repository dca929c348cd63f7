// Remote-read wire codec: frame splitting at any chunk boundary, CRC and size checks, int64 varints, requests.
import { describe, expect, it } from 'vitest';
import { ChunkedFrameDecoder, decodeChunkedReadResponse, encodeReadRequest } from '../../../src/store/prometheus/remote-read-codec.js';
import { ProtoReader, ProtoWriter } from '../../../src/store/prometheus/proto-wire.js';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { CorruptionError, LimitError } from '../../../src/runtime/errors.js';

/** A ChunkedReadResponse with one series {__name__="x", replica="a"} and one XOR chunk of `data`. */
function message(name: string, data: Uint8Array, queryIndex = 0): Uint8Array {
  const label = (n: string, v: string): Uint8Array => new ProtoWriter().stringField(1, n).stringField(2, v).finish();
  const chunk = new ProtoWriter().tag(1, 0).int64(1000).tag(2, 0).int64(3661000).tag(3, 0).uvarint(1).bytesField(4, data).finish();
  const series = new ProtoWriter().bytesField(1, label('__name__', name)).bytesField(1, label('replica', 'a')).bytesField(2, chunk).finish();
  const w = new ProtoWriter().bytesField(1, series);
  if (queryIndex !== 0) w.tag(2, 0).int64(queryIndex);
  return w.finish();
}

function frame(msg: Uint8Array): Uint8Array {
  const head = new ProtoWriter().uvarint(msg.length).finish();
  const out = new Uint8Array(head.length + 4 + msg.length);
  out.set(head);
  new DataView(out.buffer).setUint32(head.length, crc32c(msg));
  out.set(msg, head.length + 4);
  return out;
}

describe('ChunkedFrameDecoder', () => {
  const data = new Uint8Array(300).map((_, i) => i & 0xff);
  const stream = Buffer.concat([frame(message('x', data)), frame(message('y', data.subarray(0, 5), 2))]);

  it.each([1, 2, 3, 7, 64, 200, stream.length])('decodes frames split into pieces of %i bytes', (size) => {
    const dec = new ChunkedFrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i += size) frames.push(...dec.push(stream.subarray(i, i + size)));
    dec.end();
    expect(frames.length).toBe(2);
    expect(frames[0]!.series[0]!.labels).toEqual([{ name: '__name__', value: 'x' }, { name: 'replica', value: 'a' }]);
    expect(frames[0]!.series[0]!.chunks[0]).toMatchObject({ minTime: 1000, maxTime: 3661000, type: 1 });
    expect([...frames[0]!.series[0]!.chunks[0]!.data]).toEqual([...data]);
    expect(frames[1]!.queryIndex).toBe(2);
    expect(frames[1]!.series[0]!.chunks[0]!.data.length).toBe(5);
  });

  it('rejects a checksum mismatch with a CorruptionError', () => {
    const bad = Buffer.from(stream);
    bad[10] = bad[10]! ^ 0xff;
    expect(() => new ChunkedFrameDecoder().push(bad)).toThrow(CorruptionError);
  });

  it('rejects a frame over the size limit before buffering it', () => {
    expect(() => new ChunkedFrameDecoder(100).push(stream.subarray(0, 3))).toThrow(LimitError);
  });

  it('reports a stream that ends inside a frame', () => {
    const dec = new ChunkedFrameDecoder();
    dec.push(stream.subarray(0, stream.length - 1));
    expect(() => dec.end()).toThrow(/stream ended inside a frame/);
  });
});

describe('proto wire', () => {
  it.each([0, 1, 127, 128, 1795240800000, -1, -1000, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER])('round-trips int64 %d', (v) => {
    const buf = new ProtoWriter().int64(v).finish();
    if (v < 0) expect(buf.length).toBe(10);
    expect(new ProtoReader(buf, 0, buf.length, 't').int64()).toBe(v);
  });

  it.each([0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 300_000])('writes a %d-byte nested message in place as bytesField would', (n) => {
    const body = new Uint8Array(n).map((_, i) => i & 0xff);
    const want = new ProtoWriter().uvarint(0x08).uvarint(7).bytesField(3, body).uvarint(0x10).int64(-2).finish();
    const w = new ProtoWriter(16).uvarint(0x08).uvarint(7).tag(3, 2);
    const at = w.openLen();
    w.raw(body.subarray(0, n >> 1)).raw(body.subarray(n >> 1));
    w.closeLen(at).uvarint(0x10).int64(-2);
    expect(Buffer.from(w.finish()).equals(Buffer.from(want))).toBe(true);
  });

  it('writes doubles little-endian, strings as UTF-8 and latin1 strings byte per character', () => {
    const buf = new ProtoWriter().double(1.5).stringField(1, 'é').latin1('\x0a\xff').finish();
    expect(Buffer.from(buf).toString('hex')).toBe('000000000000f83f' + '0a02c3a9' + '0aff');
  });

  it('encodes a ReadRequest as Prometheus expects (query, matchers, accepted types packed)', () => {
    const buf = encodeReadRequest([{ startMs: 0, endMs: 4_000_000, matchers: [new Matcher('=', '__name__', 'x'), new Matcher('!~', 'a', 'b.*')] }], [1, 0]);
    // Checked by hand: 4 000 000 = varint 80 92 f4 01; matcher type NRE=3; types [1, 0] packed as 12 02 01 00.
    expect(Buffer.from(buf).toString('hex')).toBe(
      '0a20' + '108092f401' + '1a0d' + '1208' + Buffer.from('__name__').toString('hex') + '1a0178'
      + '1a0a' + '0803' + '120161' + '1a03' + Buffer.from('b.*').toString('hex') + '12020100',
    );
  });

  it('decodes the captured Prometheus 2.42 frame message of the reference', () => {
    const msg = message('x', new Uint8Array([0, 1, 2]));
    const r = decodeChunkedReadResponse(msg);
    expect(r.series.length).toBe(1);
    expect(r.queryIndex).toBe(0);
  });
});
