// The hand-written Series frame encoder and decoder: exact round trips for awkward values (unicode, negative and
// huge times, hashes, every aggregate), agreement with protobufjs on the same bytes, and truncated or corrupted
// frames rejected with InvalidArgumentError, never another error.

import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/runtime/errors.js';
import { decodeSeriesResponse, encodeSeriesResponse } from '../../src/store/codec.js';
import { protoType } from '../../src/store/proto.js';
import type { Series } from '../../src/store/store-api.js';

const awkward: Series[] = [
  { labels: [], chunks: [] },
  { labels: [{ name: '__name__', value: 'ü-température' }, { name: 'emoji', value: '🚀'.repeat(40) }, { name: 'empty', value: '' }], chunks: [] },
  {
    labels: [{ name: 'a', value: 'x'.repeat(300) }],
    chunks: [
      { minTime: -1, maxTime: 0, raw: { encoding: 'XOR', data: new Uint8Array(0) } },
      { minTime: Number.MIN_SAFE_INTEGER, maxTime: Number.MAX_SAFE_INTEGER, raw: { encoding: 'FLOAT_HISTOGRAM', data: Buffer.alloc(70_000, 3), hash: 0xffffffffffffffffn } },
      { minTime: 2 ** 32, maxTime: 2 ** 32 + 1, count: { encoding: 'XOR', data: Buffer.from([1]) }, sum: { encoding: 'XOR', data: Buffer.from([2]) }, min: { encoding: 'HISTOGRAM', data: Buffer.from([3]) }, max: { encoding: 'XOR', data: Buffer.from([4]) }, counter: { encoding: 'XOR', data: Buffer.from([5]), hash: 1n } },
    ],
  },
];

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) =>
  typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? Array.from(x) : (x as { type?: string })?.type === 'Buffer' ? (x as { data: number[] }).data : x));

describe('Series frame codec', () => {
  it.each(awkward.map((s, i) => ({ name: `series ${i}`, s })))('round-trips $name exactly, single and batched', ({ s }) => {
    expect(plain(decodeSeriesResponse(encodeSeriesResponse({ type: 'series', series: s })))).toEqual(plain({ type: 'series', series: s }));
    expect(plain(decodeSeriesResponse(encodeSeriesResponse({ type: 'batch', series: [s, s] })))).toEqual(plain({ type: 'batch', series: [s, s] }));
  });

  // Times at every varint length boundary (1 to 10 bytes), each also as the very last bytes of the frame, where
  // fewer than the fast path's 7 bytes remain.
  const times = [0, 1, 127, 128, 2 ** 14 - 1, 2 ** 14, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 35, 2 ** 42 - 1, 2 ** 42,
    2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER, -1, -(2 ** 31), -(2 ** 49), Number.MIN_SAFE_INTEGER];
  it.each(times)('decodes the time %d exactly, also at the end of a frame', (t) => {
    for (const raw of [{ encoding: 'XOR' as const, data: Buffer.from([1, 2]) }, undefined]) {
      // Without a raw chunk, max_time is the frame's last field.
      const s: Series = { labels: [], chunks: [raw === undefined ? { minTime: t, maxTime: t } : { minTime: t, maxTime: t, raw }] };
      expect(plain(decodeSeriesResponse(encodeSeriesResponse({ type: 'series', series: s })))).toEqual(plain({ type: 'series', series: s }));
    }
  });

  it('writes bytes protobufjs reads back the same way', () => {
    const T = protoType('thanos.SeriesResponse');
    const bytes = encodeSeriesResponse({ type: 'series', series: awkward[2]! });
    const viaPbjs = T.toObject(T.decode(bytes), { longs: String, bytes: Array, enums: String });
    expect(viaPbjs['series'].labels[0].value).toBe('x'.repeat(300));
    expect(viaPbjs['series'].chunks[1]).toMatchObject({ minTime: String(Number.MIN_SAFE_INTEGER), maxTime: String(Number.MAX_SAFE_INTEGER), raw: { type: 'FLOAT_HISTOGRAM', hash: '18446744073709551615' } });
    expect(viaPbjs['series'].chunks[0]).toMatchObject({ minTime: '-1' });
  });

  it('rejects every truncation and byte flip with InvalidArgumentError or decodes it, never anything else', () => {
    const frame = encodeSeriesResponse({ type: 'batch', series: [awkward[1]!, { ...awkward[2]!, chunks: awkward[2]!.chunks.slice(2) }] });
    let rejected = 0;
    const attempt = (b: Uint8Array): void => {
      try {
        decodeSeriesResponse(b);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidArgumentError);
        rejected++;
      }
    };
    for (let n = 0; n < frame.length; n++) attempt(frame.subarray(0, n));
    for (let i = 0; i < frame.length; i++) {
      const copy = Buffer.from(frame);
      copy[i] = copy[i]! ^ 0xff;
      attempt(copy);
    }
    expect(rejected).toBeGreaterThan(frame.length / 2);
  });
});
