// PrometheusStore failure modes against a misbehaving HTTP server standing in for Prometheus: an answer cut inside
// a frame, a connection reset mid-stream, a non-200 answer, and an unknown chunk encoding.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../../src/store/prometheus/client.js';
import { PrometheusStore } from '../../../src/store/prometheus/prometheus-store.js';
import { ProtoWriter } from '../../../src/store/prometheus/proto-wire.js';
import { seriesRequest } from '../../../src/store/store-api.js';
import { decodeSeriesResponse } from '../../../src/store/codec.js';
import { Matcher } from '../../../src/tsdb/labels/matcher.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { crc32c } from '../../../src/tsdb/encoding/crc32c.js';
import { CorruptionError, InvalidArgumentError, UnavailableError } from '../../../src/runtime/errors.js';

function frame(chunkType: number): Buffer {
  const label = new ProtoWriter().stringField(1, '__name__').stringField(2, 'x').finish();
  const chunk = new ProtoWriter().tag(1, 0).int64(1).tag(2, 0).int64(2).tag(3, 0).uvarint(chunkType).bytesField(4, new Uint8Array([0, 1, 2, 3])).finish();
  const series = new ProtoWriter().bytesField(1, label).bytesField(2, chunk).finish();
  const msg = new ProtoWriter().bytesField(1, series).finish();
  const head = new ProtoWriter().uvarint(msg.length).finish();
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32c(msg));
  return Buffer.concat([head, crc, msg]);
}

let server: Server;
let url: string;
let behaviour: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => behaviour(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const STREAMED = 'application/x-streamed-protobuf; proto=prometheus.ChunkedReadResponse';

type Path = 'series' | 'encodedSeries';
let path: Path = 'series';

/** Series count through store.series() (objects), or through encodedSeries() (the gRPC server's bytes, batched). */
async function consume(): Promise<number> {
  const store = new PrometheusStore(new PrometheusClient(url), { externalLabels: () => labelsFromRecord({ replica: 'a' }), minTime: () => 0 });
  const req = seriesRequest({ matchers: [new Matcher('=', '__name__', 'x')], minTime: 0, maxTime: 10 });
  let n = 0;
  if (path === 'series') {
    for await (const r of store.series(req)) if (r.type === 'series') n++;
    return n;
  }
  for await (const m of store.encodedSeries({ ...req, responseBatchSize: 8 })) {
    const r = decodeSeriesResponse(m);
    if (r.type === 'batch') n += r.series.length;
    else if (r.type === 'series') n++;
  }
  return n;
}

describe.each<Path>(['series', 'encodedSeries'])('PrometheusStore failure modes through %s()', (p) => {
  beforeAll(() => {
    path = p;
  });

  it('serves a well-formed streamed answer, one series split over two frames (the control case)', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'Content-Type': STREAMED });
      res.end(Buffer.concat([frame(1), frame(1)]));
    };
    expect(await consume()).toBe(2);
  });

  it('reports an answer that ends inside a frame as corruption', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'Content-Type': STREAMED });
      res.end(frame(1).subarray(0, 10));
    };
    await expect(consume()).rejects.toThrow(CorruptionError);
  });

  it('reports a connection reset mid-stream as unavailable', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'Content-Type': STREAMED });
      res.write(frame(1).subarray(0, 10), () => res.socket?.destroy());
    };
    await expect(consume()).rejects.toThrow(UnavailableError);
  });

  it('maps a 400 answer to InvalidArgumentError with the body as message', async () => {
    behaviour = (_req, res) => res.writeHead(400).end('snappy: corrupt input\n');
    await expect(consume()).rejects.toThrow(new InvalidArgumentError('remote read: prometheus answered 400: snappy: corrupt input'));
  });

  it('maps a 503 answer to UnavailableError', async () => {
    behaviour = (_req, res) => res.writeHead(503).end('busy');
    await expect(consume()).rejects.toThrow(UnavailableError);
  });

  it('rejects a chunk encoding it does not know', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'Content-Type': STREAMED });
      res.end(frame(9));
    };
    await expect(consume()).rejects.toThrow(/unsupported chunk encoding 9/);
  });
});
