// End to end: the request limits of docs/security.md on real processes. Each limit passed gets its clear error
// (gRPC RESOURCE_EXHAUSTED with upstream's text, HTTP 413 or the API's error JSON), and the process answers a valid
// request right after: store gateway (--store.limits.request-series/-samples, --store.grpc.downloaded-bytes-limit),
// querier (--store.limits.* on its queries and its StoreAPI, the HTTP body limit), receive (--receive.limits-config
// request limits, --store.limits.* on its StoreAPI).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { LimitError } from '../../src/runtime/errors.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { MAX_REQUEST_BODY_BYTES } from '../../src/runtime/http-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { seriesRequest, type SeriesRequest } from '../../src/store/store-api.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { freePort } from '../support/peers/process.js';
import { startThanos, tempWorkDir, type ThanosProc } from '../query/support/ha-cluster.js';
import { collectSeries } from '../store/bucket/harness.js';
import { T0, openMetrics, promtoolBlocks, uploadBlock } from '../store/bucket/support.js';
import { postSeries } from '../receive/support.js';

const HOUR = 3600_000;
let work = '';
const procs: ThanosProc[] = [];
const clients: GrpcStoreClient[] = [];

function client(p: ThanosProc): GrpcStoreClient {
  const c = new GrpcStoreClient(p.grpcAddress);
  clients.push(c);
  return c;
}

const eq = (name: string, value: string): Matcher => new Matcher('=', name, value);

/** The LimitError a Series call fails with (RESOURCE_EXHAUSTED over gRPC), or a test failure if it succeeds. */
async function seriesRefusal(c: GrpcStoreClient, req: SeriesRequest): Promise<LimitError> {
  try {
    await collectSeries(c, req);
  } catch (err) {
    expect(err).toBeInstanceOf(LimitError);
    expect(((err as LimitError).cause as { code?: number }).code).toBe(Status.RESOURCE_EXHAUSTED);
    return err as LimitError;
  }
  throw new Error('the Series call was not refused');
}

async function seriesCount(c: GrpcStoreClient, req: SeriesRequest): Promise<number> {
  return (await collectSeries(c, req)).series.length;
}

beforeAll(async () => {
  work = await tempWorkDir('e2e-limits-');
  const bucketDir = path.join(work, 'bucket');
  const bucket = await createBucket(parseBucketConfig(`type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`, 'e2e', nopLogger), { logger: nopLogger });
  // 12 series (3 metrics x 2 jobs x 2 instances), one sample a minute for 6 h: three 2 h blocks, one chunk each.
  for (const d of await promtoolBlocks(work, 'a', openMetrics(6, 1, 2))) await uploadBlock(bucket, d, { cluster: 'a' });
  await bucket.close();
  await writeFile(path.join(work, 'bucket.yml'), `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await Promise.all(procs.map((p) => p.proc.stop(5000)));
});

describe('store gateway', () => {
  let store: ThanosProc;
  let bytesStore: ThanosProc;
  beforeAll(async () => {
    const common = [`--objstore.config-file=${path.join(work, 'bucket.yml')}`, '--ignore-deletion-marks-delay=1h'];
    [store, bytesStore] = await Promise.all([
      startThanos(work, 'store', ['store', ...common, `--data-dir=${path.join(work, 'store-data')}`,
        '--store.limits.request-series=6', '--store.limits.request-samples=600']),
      startThanos(work, 'store-bytes', ['store', ...common, `--data-dir=${path.join(work, 'store-bytes-data')}`,
        '--store.grpc.downloaded-bytes-limit=3000']),
    ]);
    procs.push(store, bytesStore);
  }, 180_000);

  // As upstream, series are counted per block (a series in three blocks counts three times), chunks as 120 samples.
  const firstBlock = { minTime: T0, maxTime: T0 + HOUR };

  it('--store.limits.request-series: 12 series fail the call; 4 are served after', async () => {
    const c = client(store);
    const err = await seriesRefusal(c, seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+')], ...firstBlock }));
    expect(err.message).toContain('exceeded series limit: limit 6 violated (got 12)');
    expect(await seriesCount(c, seriesRequest({ matchers: [eq('__name__', 'up')], ...firstBlock }))).toBe(4);
  });

  it('--store.limits.request-samples (chunks x 120): 6 chunks fail the call; 2 are served after', async () => {
    const c = client(store);
    const api = [eq('__name__', 'up'), eq('job', 'api')];
    const err = await seriesRefusal(c, seriesRequest({ matchers: api }));
    expect(err.message).toMatch(/exceeded samples limit: limit 600 violated \(got \d+\)/);
    expect(await seriesCount(c, seriesRequest({ matchers: api, ...firstBlock }))).toBe(2);
  });

  it('--store.grpc.downloaded-bytes-limit: a call reading more fails; a small one is served after', async () => {
    const c = client(bytesStore);
    const err = await seriesRefusal(c, seriesRequest({ matchers: [new Matcher('=~', '__name__', '.+')] }));
    expect(err.message).toMatch(/exceeded bytes limit: limit 3000 violated \(got \d+\)/);
    const one = [eq('__name__', 'up'), eq('job', 'api'), eq('instance', 'host-0:9100')];
    expect(await seriesCount(c, seriesRequest({ matchers: one, minTime: T0, maxTime: T0 + HOUR }))).toBe(1);
  });
});

describe('querier', () => {
  let query: ThanosProc;
  beforeAll(async () => {
    const store = await startThanos(work, 'store-open', ['store', `--objstore.config-file=${path.join(work, 'bucket.yml')}`,
      '--ignore-deletion-marks-delay=1h', `--data-dir=${path.join(work, 'store-open-data')}`]);
    procs.push(store);
    query = await startThanos(work, 'query', ['query', `--endpoint=${store.grpcAddress}`, '--store.limits.request-series=2']);
    procs.push(query);
    // The store is discovered through Info (polled every 5 s): wait until a query sees it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await instant(query, 'count(up{job="api"})');
      if (r.status === 200 && (r.body as { data: { result: unknown[] } }).data.result.length > 0) break;
      if (Date.now() > deadline) throw new Error(`the querier never saw the store: ${JSON.stringify(r.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }, 180_000);

  async function instant(q: ThanosProc, expr: string, body?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${q.httpUrl}/api/v1/query`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body ?? new URLSearchParams({ query: expr, time: String((T0 + 30 * 60_000) / 1000) }).toString(),
    });
    return { status: res.status, body: await res.json() as unknown };
  }

  it('--store.limits.request-series fails a PromQL query selecting more series; a smaller query is answered after', async () => {
    const r = await instant(query, 'up');
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.body).toMatchObject({ status: 'error', error: expect.stringContaining('exceeded series limit: limit 2 violated (got 3)') as unknown });
    const ok = await instant(query, 'up{job="api"}');
    expect(ok.status).toBe(200);
    expect((ok.body as { data: { result: unknown[] } }).data.result).toHaveLength(2);
  });

  it('--store.limits.request-series on the StoreAPI it serves', async () => {
    const c = client(query);
    const err = await seriesRefusal(c, seriesRequest({ matchers: [eq('__name__', 'up')] }));
    expect(err.message).toContain('exceeded series limit: limit 2 violated (got 3)');
    expect(await seriesCount(c, seriesRequest({ matchers: [eq('__name__', 'up'), eq('job', 'db')] }))).toBe(2);
  });

  it(`a request body over ${MAX_REQUEST_BODY_BYTES} bytes is answered 413 with the reason; the next query is answered`, async () => {
    const big = 'query=' + 'x'.repeat(MAX_REQUEST_BODY_BYTES + 10);
    const r = await instant(query, '', big);
    expect(r.status).toBe(413);
    expect(r.body).toEqual({ status: 'error', errorType: 'bad_data', error: `request body too large: more than ${MAX_REQUEST_BODY_BYTES} bytes (the limit of every HTTP route)` });
    expect((await instant(query, 'up{job="api"}')).status).toBe(200);
  });
});

describe('receive', () => {
  let receive: ThanosProc;
  let writeUrl = '';
  beforeAll(async () => {
    const rwPort = await freePort();
    writeUrl = `http://127.0.0.1:${rwPort}/api/v1/receive`;
    receive = await startThanos(work, 'receive', ['receive', `--tsdb.path=${path.join(work, 'receive-data')}`,
      `--remote-write.address=127.0.0.1:${rwPort}`, '--label=receive_replica="0"',
      '--receive.limits-config=write:\n  default:\n    request:\n      series_limit: 2\n      samples_limit: 4\n      size_bytes_limit: 4096\n',
      '--store.limits.request-series=3']);
    procs.push(receive);
  }, 120_000);

  const now = Date.now();
  const series = (i: number, samples = 1): { labels: ReturnType<typeof labelsFromRecord>; ts: number[]; vs: number[] } => ({
    labels: labelsFromRecord({ __name__: 'limits_test', i: String(i) }),
    ts: Array.from({ length: samples }, (_, k) => now + k * 1000), vs: Array.from({ length: samples }, (_, k) => k),
  });

  it('request limits of --receive.limits-config: 413 naming the limit; a request within them is stored after', async () => {
    const tooMany = await postSeries(writeUrl, [series(1), series(2), series(3)]);
    expect(tooMany.status).toBe(413);
    expect(tooMany.text).toContain('too many timeseries: 3, limit 2');
    const tooManySamples = await postSeries(writeUrl, [series(1, 5)]);
    expect(tooManySamples.status).toBe(413);
    expect(tooManySamples.text).toContain('too many samples: 5, limit 4');
    const tooBig = await postSeries(writeUrl, [{ ...series(1), labels: labelsFromRecord({ __name__: 'limits_test', big: 'v'.repeat(5000) }) }]);
    expect(tooBig.status).toBe(413);
    expect(tooBig.text).toMatch(/write request too large/);
    for (const pair of [[1, 2], [3, 4]]) expect((await postSeries(writeUrl, pair.map((i) => series(i)))).status).toBe(200);
  });

  it('--store.limits.request-series on its StoreAPI', async () => {
    const c = client(receive);
    const err = await seriesRefusal(c, seriesRequest({ matchers: [eq('__name__', 'limits_test')] }));
    expect(err.message).toContain('exceeded series limit: limit 3 violated (got 4)');
    expect(await seriesCount(c, seriesRequest({ matchers: [eq('__name__', 'limits_test'), new Matcher('=~', 'i', '1|2')] }))).toBe(2);
  });
});
