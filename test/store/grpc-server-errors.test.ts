// Failure modes of the StoreAPI gRPC server: malformed protobuf frames, invalid regexes and unknown matcher types
// are answered with InvalidArgument, and the server keeps serving afterwards.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, credentials, Metadata, status as Status, type ServiceError } from '@grpc/grpc-js';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { seriesRequest } from '../../src/store/store-api.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { MemoryStore, series } from './support/memory-store.js';
import { upstreamEncode, upstreamRoot } from './support/upstream-schema.js';

const up = upstreamRoot();
const ident = (b: Buffer): Buffer => b;

describe('StoreAPI gRPC server with bad requests', () => {
  let server: RunningGrpcServer;
  let raw: Client;

  beforeAll(async () => {
    server = await startGrpcServer(storeGrpcServices(new MemoryStore([series({ __name__: 'up' }, [0, 1])])), { address: '127.0.0.1:0' });
    raw = new Client(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    raw.close();
    await server.stop(1000);
  });

  /** Sends raw request bytes to a Series or unary method and returns the final status. */
  function seriesStatus(body: Buffer): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      const call = raw.makeServerStreamRequest('/thanos.Store/Series', ident, ident, body, new Metadata());
      call.on('data', () => {});
      call.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details }));
      call.on('end', () => resolve({ code: Status.OK, details: '' }));
    });
  }
  function unaryStatus(path: string, body: Buffer): Promise<{ code: number; details: string }> {
    return new Promise((resolve) => {
      raw.makeUnaryRequest(path, ident, ident, body, new Metadata(), (e) => resolve(e ? { code: e.code, details: e.details } : { code: Status.OK, details: '' }));
    });
  }

  it.each([
    { name: 'truncated length-delimited field', body: Buffer.from([0x1a, 0x10, 0x01]) },
    { name: 'truncated varint', body: Buffer.from([0x08, 0xff, 0xff]) },
    { name: 'invalid wire type', body: Buffer.from([0x0f, 0x00]) },
  ])('answers InvalidArgument to a malformed Series frame ($name)', async ({ body }) => {
    const s = await seriesStatus(body);
    expect(s.code).toBe(Status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/malformed protobuf/);
  });

  it('answers InvalidArgument to a malformed LabelNames frame', async () => {
    expect((await unaryStatus('/thanos.Store/LabelNames', Buffer.from([0x32, 0x05]))).code).toBe(Status.INVALID_ARGUMENT);
  });

  it('answers InvalidArgument to an invalid regex, naming the matcher', async () => {
    const s = await seriesStatus(Buffer.from(upstreamEncode(up, 'thanos.SeriesRequest', { matchers: [{ type: 'RE', name: 'job', value: '(unclosed' }] })));
    expect(s.code).toBe(Status.INVALID_ARGUMENT);
    expect(s.details).toContain('matchers[0]');
    expect(s.details).toContain('(unclosed');
  });

  it('answers InvalidArgument to an unknown matcher type', async () => {
    // Field 3 (matchers) holding LabelMatcher{type: 7, name: "a"}: built by hand since no schema allows type 7.
    const matcher = Buffer.from([0x08, 0x07, 0x12, 0x01, 0x61]);
    const s = await seriesStatus(Buffer.concat([Buffer.from([0x1a, matcher.length]), matcher]));
    expect(s.code).toBe(Status.INVALID_ARGUMENT);
    expect(s.details).toMatch(/matchers\[0\]\.type.*unknown enum value 7/);
    const lv = await unaryStatus('/thanos.Store/LabelValues', Buffer.concat([Buffer.from([0x0a, 0x01, 0x61, 0x3a, matcher.length]), matcher]));
    expect(lv.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('keeps serving after bad requests', async () => {
    for (let i = 0; i < 5; i++) expect((await seriesStatus(Buffer.from([0x1a, 0x10]))).code).toBe(Status.INVALID_ARGUMENT);
    const client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
    try {
      const got = [];
      for await (const f of client.series(seriesRequest({ matchers: [new Matcher('=', '__name__', 'up')] }))) got.push(f);
      expect(got).toHaveLength(1);
    } finally {
      client.close();
    }
  });
});
