// The sidecar's byte-level transcoder (remote-read frames → SeriesResponse messages) must write exactly what the
// object path (decode, finish labels, encodeSeriesResponse with the same batching) writes, whatever the input.
import { describe, expect, it } from 'vitest';
import { ChunkedFrameDecoder } from '../../../src/store/prometheus/remote-read-codec.js';
import { ProtoWriter } from '../../../src/store/prometheus/proto-wire.js';
import { convertChunks, labelFinisher } from '../../../src/store/prometheus/prometheus-store.js';
import { SeriesTranscoder } from '../../../src/store/prometheus/series-transcoder.js';
import { SeriesBatcher } from '../../../src/store/series-batcher.js';
import { decodeSeriesResponse } from '../../../src/store/codec.js';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import type { Label, Labels } from '../../../src/tsdb/labels/labels.js';
import { compareLabels, sortLabels } from '../../../src/tsdb/labels/labels.js';
import { CorruptionError } from '../../../src/runtime/errors.js';
import { GRPC_FRAME_HEADROOM, frameInPlace } from '../../../src/runtime/grpc-framed.js';

interface TestChunk { min: number; max: number; type: number; data: Uint8Array }

function seriesMessage(labels: readonly Label[], chunks: readonly TestChunk[]): Uint8Array {
  const s = new ProtoWriter();
  for (const l of labels) {
    const lw = new ProtoWriter();
    if (l.name !== '') lw.stringField(1, l.name);
    if (l.value !== '') lw.stringField(2, l.value);
    s.bytesField(1, lw.finish());
  }
  for (const c of chunks) {
    const cw = new ProtoWriter();
    if (c.min !== 0) cw.tag(1, 0).int64(c.min);
    if (c.max !== 0) cw.tag(2, 0).int64(c.max);
    cw.tag(3, 0).uvarint(c.type);
    if (c.data.length > 0) cw.bytesField(4, c.data);
    s.bytesField(2, cw.finish());
  }
  return new ProtoWriter().bytesField(1, s.finish()).finish();
}

function frame(msg: Uint8Array): Buffer {
  const head = new ProtoWriter().uvarint(msg.length).finish();
  const out = Buffer.alloc(head.length + 4 + msg.length);
  out.set(head);
  out.writeUInt32BE(crc32c(msg), head.length);
  out.set(msg, head.length + 4);
  return out;
}

const L = (...kv: string[]): Label[] => {
  const out: Label[] = [];
  for (let i = 0; i < kv.length; i += 2) out.push({ name: kv[i]!, value: kv[i + 1]! });
  return out;
};
const bytes = (n: number, seed: number): Uint8Array => new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);

interface Case { ext: Labels; drop: string[]; limit: number; batch: number }

/** The object path, as PrometheusStore.series() + the gRPC server did it. */
function reference(stream: Buffer, c: Case): Buffer[] {
  const finish = labelFinisher(c.ext, c.drop);
  const dec = new ChunkedFrameDecoder();
  const b = new SeriesBatcher({ responseBatchSize: c.batch });
  const out: Uint8Array[] = [];
  let count = 0;
  let lastRaw = '';
  let last: Labels = [];
  outer: for (const f of dec.push(stream)) {
    for (const s of f.series) {
      const raw = JSON.stringify(s.labels);
      if (count === 0 || raw !== lastRaw) {
        if (c.limit > 0 && count >= c.limit) break outer;
        count++;
        last = finish(s.labels);
      }
      lastRaw = raw;
      out.push(...b.add({ type: 'series', series: { labels: last, chunks: convertChunks(s) } }));
    }
  }
  out.push(...b.flush());
  return out.map((m) => Buffer.from(m));
}

function transcode(stream: Buffer, c: Case, piece: number): Buffer[] {
  const tr = new SeriesTranscoder({ ext: c.ext, drop: new Set(c.drop), finish: labelFinisher(c.ext, c.drop), limit: c.limit, batchSize: c.batch > 1 ? c.batch : 0 });
  const out: Uint8Array[] = [];
  // Input is borrowed, as http-stream hands it over: every piece goes through one scratch buffer that is scribbled
  // over after each push, so anything the transcoder kept without copying shows up as wrong bytes.
  const scratch = Buffer.alloc(Math.min(piece, stream.length));
  for (let i = 0; i < stream.length; i += piece) {
    const n = stream.copy(scratch, 0, i, i + piece);
    const more = tr.push(scratch.subarray(0, n), out);
    scratch.fill(0xee);
    if (!more) break;
  }
  tr.end(out);
  return out.map((m) => Buffer.from(m));
}

const ext = L('cluster', 'eu', 'replica', 'r0');
const series: Array<[Label[], TestChunk[]]> = [
  // External labels already merged in by Prometheus: the fast path.
  [L('__name__', 'up', 'cluster', 'eu', 'job', 'a', 'replica', 'r0'), [{ min: 1000, max: 2000, type: 1, data: bytes(300, 1) }, { min: 2001, max: 9e12, type: 1, data: bytes(200, 2) }]],
  // Split over two frames: the same labels again.
  [L('__name__', 'up', 'cluster', 'eu', 'job', 'a', 'replica', 'r0'), [{ min: 9e12 + 1, max: 9e12 + 5, type: 2, data: bytes(40, 3) }]],
  // Missing an external label, and one with another value: the slow path.
  [L('__name__', 'up', 'job', 'b'), [{ min: 0, max: 5, type: 3, data: bytes(20000, 4) }]],
  [L('__name__', 'up', 'cluster', 'us', 'job', 'c', 'replica', 'r0', 'zone', 'żółw'), [{ min: -5000, max: -1, type: 1, data: new Uint8Array(0) }]],
  [L('__name__', 'up', 'cluster', 'eu', 'job', 'd', 'replica', 'r0'), []],
  [L('__name__', 'up', 'cluster', 'eu', 'job', 'e', 'replica', 'r0'), [{ min: 7, max: 8, type: 1, data: bytes(5, 5) }]],
];
const stream = Buffer.concat(series.map(([l, c]) => frame(seriesMessage(l, c))));

describe('SeriesTranscoder', () => {
  const cases: Case[] = [];
  for (const batch of [0, 2, 64]) for (const limit of [0, 1, 3]) for (const drop of [[], ['replica']]) cases.push({ ext, drop, limit, batch });
  it.each(cases)('writes what the object path writes (%o)', (c) => {
    const want = reference(stream, c);
    expect(want.length).toBeGreaterThan(0);
    for (const piece of [1, 7, 100, stream.length]) expect(transcode(stream, c, piece)).toEqual(want);
  });

  it('keeps earlier messages intact across output slabs', () => {
    // ~1.2 MB of output: more than one slab, each message checked after all were written.
    const many = Buffer.concat(Array.from({ length: 600 }, (_, i) =>
      frame(seriesMessage(L('__name__', 'up', 'cluster', 'eu', 'i', String(i).padStart(3, '0'), 'replica', 'r0'), [{ min: i, max: i + 1, type: 1, data: bytes(1000 + (i % 7) * 300, i) }]))));
    for (const batch of [0, 64]) {
      const c: Case = { ext, drop: [], limit: 0, batch };
      const got = transcode(many, c, 4096);
      const want = reference(many, c);
      // Compared as lengths plus one concatenation: deep equality over a megabyte of arrays is slow.
      expect(got.map((m) => m.length)).toEqual(want.map((m) => m.length));
      expect(Buffer.concat(got).equals(Buffer.concat(want))).toBe(true);
    }
  });

  it('leaves headroom before every message that framing in place may overwrite', () => {
    const many = Buffer.concat(Array.from({ length: 300 }, (_, i) =>
      frame(seriesMessage(L('__name__', 'up', 'cluster', 'eu', 'i', String(i).padStart(3, '0'), 'replica', 'r0'), [{ min: i, max: i + 1, type: 1, data: bytes(500 + (i % 5) * 900, i) }]))));
    for (const batch of [0, 3, 64]) {
      const tr = new SeriesTranscoder({ ext, drop: new Set(), finish: labelFinisher(ext, []), limit: 0, batchSize: batch > 1 ? batch : 0, headroom: GRPC_FRAME_HEADROOM });
      const out: Uint8Array[] = [];
      tr.push(many, out);
      tr.end(out);
      for (const m of out) frameInPlace(m);
      const want = reference(many, { ext, drop: [], limit: 0, batch });
      expect(Buffer.concat(out.map((m) => Buffer.from(m))).equals(Buffer.concat(want))).toBe(true);
      expect(out.length).toBe(want.length);
    }
  });

  it('adds missing external labels and drops replica labels', () => {
    const out = transcode(stream, { ext, drop: ['replica'], limit: 0, batch: 0 }, stream.length).map((m) => decodeSeriesResponse(m));
    expect(out.map((r) => (r.type === 'series' ? r.series.labels : []))[2]).toEqual(L('__name__', 'up', 'cluster', 'eu', 'job', 'b'));
    expect(out.every((r) => r.type === 'series' && !r.series.labels.some((l) => l.name === 'replica'))).toBe(true);
  });

  it('rejects an unknown chunk encoding', () => {
    const bad = frame(seriesMessage(L('a', 'b'), [{ min: 1, max: 2, type: 9, data: bytes(3, 0) }]));
    expect(() => transcode(bad, { ext, drop: [], limit: 0, batch: 0 }, bad.length)).toThrow(CorruptionError);
  });

  it('rejects a truncated stream', () => {
    expect(() => transcode(stream.subarray(0, stream.length - 3), { ext, drop: [], limit: 0, batch: 0 }, 50)).toThrow(CorruptionError);
  });

  it('skips fields it does not know, as protobuf requires', () => {
    // Unknown fields of every wire type in the response, the series and a chunk, plus a query_index: the output must
    // equal that of the same stream without them. (A label's fields are copied as they are, so they are left out.)
    const unknown = Buffer.from([0x28, 0x96, 0x01, 0x31, 1, 2, 3, 4, 5, 6, 7, 8, 0x3a, 2, 0xaa, 0xbb, 0x45, 1, 2, 3, 4]);
    const label = (n: string, v: string): Buffer => {
      const lw = new ProtoWriter().stringField(1, n).stringField(2, v).finish();
      return Buffer.from(new ProtoWriter().bytesField(1, lw).finish());
    };
    const chunk = Buffer.from(new ProtoWriter().bytesField(2, Buffer.concat([
      Buffer.from(new ProtoWriter().tag(1, 0).int64(1000).tag(2, 0).int64(2000).finish()), unknown,
      Buffer.from(new ProtoWriter().tag(3, 0).uvarint(1).bytesField(4, bytes(50, 9)).finish()),
    ])).finish());
    const seriesBody = Buffer.concat([label('__name__', 'up'), unknown, label('cluster', 'eu'), label('replica', 'r0'), chunk]);
    const withUnknown = Buffer.concat([unknown, Buffer.from(new ProtoWriter().bytesField(1, seriesBody).tag(2, 0).uvarint(3).finish())]);
    const plain = seriesMessage(L('__name__', 'up', 'cluster', 'eu', 'replica', 'r0'), [{ min: 1000, max: 2000, type: 1, data: bytes(50, 9) }]);
    for (const batch of [0, 64]) {
      const c: Case = { ext, drop: [], limit: 0, batch };
      expect(transcode(frame(withUnknown), c, 5)).toEqual(transcode(frame(plain), c, 5));
    }
  });

  // Frames whose checksum is right but whose message is not valid protobuf: a clear error naming the fault.
  const malformed: Array<[string, number[], RegExp]> = [
    ['a series length past the frame', [0x0a, 0x20, 0x0a, 0x00], /length 32 runs past the end/],
    ['a label length past the series', [0x0a, 0x04, 0x0a, 0x09, 0x0a, 0x01], /length 9 runs past the end/],
    ['a truncated varint', [0x0a, 0x03, 0x12, 0x01, 0x08], /truncated varint/],
    ['a varint over 10 bytes', [0x0a, 0x0e, 0x12, 0x0c, 0x08, ...Array<number>(11).fill(0xff)], /varint longer than 10 bytes/],
    ['an unsupported wire type', [0x0a, 0x02, 0x0f, 0x00], /unsupported wire type 7/],
    ['a fixed64 field past the end', [0x09, 1, 2, 3], /truncated field/],
  ];
  it.each(malformed)('rejects %s', (_, msg, reason) => {
    const bad = frame(Uint8Array.from(msg));
    for (const batch of [0, 64]) {
      let err: unknown;
      try {
        transcode(bad, { ext, drop: [], limit: 0, batch }, bad.length);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CorruptionError);
      expect((err as Error).message).toMatch(reason);
    }
  });

  // Prometheus sorts by its stored labels and merges external labels in afterwards, which breaks the order when a
  // series is a prefix of the next: {job=a} < {job=a,path=x}, but with cluster/replica merged in the second sorts
  // first (path < replica). The transcoder must still stream strictly sorted series.
  describe('streams series sorted when merged external labels break Prometheus order', () => {
    /** Frames in Prometheus order (sorted by stored labels, external labels merged in); some series split in two frames. */
    function promStream(stored: Label[][], splitEvery: number): { stream: Buffer; labels: Labels[] } {
      const sorted = [...stored].sort(compareLabels);
      const frames: Buffer[] = [];
      const labels: Labels[] = [];
      sorted.forEach((s, i) => {
        const merged = sortLabels([...s, ...ext]);
        const parts = splitEvery > 0 && i % splitEvery === 0 ? 2 : 1;
        for (let k = 0; k < parts; k++) {
          frames.push(frame(seriesMessage(merged, [{ min: i * 10 + k, max: i * 10 + k + 1, type: 1, data: bytes(40 + i, i * 2 + k) }])));
          labels.push(merged);
        }
      });
      return { stream: Buffer.concat(frames), labels };
    }
    /** What a sorted source would send: the object path over the frames reordered (stably) by served labels. */
    function sortedReference(stream: Buffer, c: Case): Buffer[] {
      const dec = new ChunkedFrameDecoder();
      const series = [...dec.push(stream)].flatMap((f) => f.series);
      const finish = labelFinisher(c.ext, c.drop);
      const rows = series.map((s) => ({ s, key: finish(s.labels) })).sort((a, b) => compareLabels(a.key, b.key));
      const b = new SeriesBatcher({ responseBatchSize: c.batch });
      const out: Uint8Array[] = [];
      for (const { s, key } of rows) out.push(...b.add({ type: 'series', series: { labels: key, chunks: convertChunks(s) } }));
      out.push(...b.flush());
      return out.map((m) => Buffer.from(m));
    }
    /**
     * The series the messages carry, in order. Batch boundaries may differ from the reference's (a batch is cut short
     * where a run was taken out of it), so messages are compared by content, each at most a batch in size.
     */
    function seriesOf(messages: Buffer[], c: Case): unknown[] {
      return messages.flatMap((m) => {
        const r = decodeSeriesResponse(m);
        if (r.type === 'batch') {
          expect(r.series.length).toBeLessThanOrEqual(c.batch);
          return r.series;
        }
        if (r.type !== 'series') throw new Error(`unexpected ${r.type} message`);
        expect(c.batch).toBeLessThanOrEqual(1);
        return [r.series];
      });
    }
    const cases: Case[] = [];
    for (const batch of [0, 2, 64]) for (const drop of [[], ['replica']]) cases.push({ ext, drop, limit: 0, batch });

    it.each(cases)('a prefix chain, split series inside and at the root (%o)', (c) => {
      const stored = [
        L('__name__', 'up', 'job', 'a'), L('__name__', 'up', 'job', 'a', 'path', '/x'), L('__name__', 'up', 'job', 'a', 'path', '/x', 'port', '1'),
        L('__name__', 'up', 'job', 'a', 'path', '/y'), L('__name__', 'up', 'job', 'a', 'zz', '1'), L('__name__', 'up', 'job', 'b'),
        L('__name__', 'up', 'job', 'b', 'le', '1'), L('__name__', 'up', 'job', 'c'), L('__name__', 'up', 'job', 'c', 'path', '/'),
      ];
      for (const splitEvery of [0, 1, 2, 3]) {
        const { stream: s } = promStream(stored, splitEvery);
        const want = sortedReference(s, c);
        // The input really is out of order (unless replica, the external label that breaks it, is dropped).
        if (c.drop.length === 0) expect(reference(s, c)).not.toEqual(want);
        for (const piece of [1, 13, s.length]) expect(seriesOf(transcode(s, c, piece), c)).toEqual(seriesOf(want, c));
      }
    });

    it('random label sets: always the sorted answer', () => {
      let seed = 42;
      const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
      const names = ['a', 'job', 'le', 'path', 'zone'];
      for (let round = 0; round < 40; round++) {
        const seen = new Set<string>();
        const stored: Label[][] = [];
        for (let i = 0; i < 30; i++) {
          const s = L('__name__', 'm');
          for (const n of names) if (rnd(2) === 0) s.push({ name: n, value: String(rnd(3)) });
          if (!seen.has(JSON.stringify(s))) stored.push(s);
          seen.add(JSON.stringify(s));
        }
        const c: Case = { ext, drop: rnd(2) === 0 ? [] : ['replica'], limit: 0, batch: [0, 2, 5][rnd(3)]! };
        const { stream: s } = promStream(stored, rnd(4));
        expect(seriesOf(transcode(s, c, 1 + rnd(200)), c)).toEqual(seriesOf(sortedReference(s, c), c));
      }
    });
  });
});
