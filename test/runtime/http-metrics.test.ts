// http_requests_total and friends on a real HttpServer over loopback: upstream's handler names for the Prometheus
// API, lower-case methods, status codes, sizes, and one bounded `other` handler for paths no route serves.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { httpHandlerName } from '../../src/runtime/http-metrics.js';
import { HttpServer } from '../../src/runtime/http-server.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { Prober } from '../../src/runtime/prober.js';

describe('httpHandlerName', () => {
  it.each([
    ['/api/v1/query', 'query'],
    ['/api/v1/query_range', 'query_range'],
    ['/api/v1/label/:name/values', 'label_values'],
    ['/api/v1/labels', 'label_names'],
    ['/api/v1/series', 'series'],
    ['/api/v1/query_exemplars', 'exemplars'],
    ['/api/v1/status/runtimeinfo', 'status_runtime'],
    ['/api/v1/status/buildinfo', 'status_build'],
    ['/prefix/api/v1/query', 'query'],
    ['/api/v1/some/new', 'some_new'],
    ['/-/healthy', '/-/healthy'],
    [undefined, 'other'],
  ])('%s → %s', (url, name) => expect(httpHandlerName(url)).toBe(name));
});

describe('HTTP server metrics', () => {
  const registry = new Registry();
  let server: HttpServer;
  let base = '';

  beforeAll(async () => {
    server = new HttpServer({ address: '127.0.0.1:0', logger: nopLogger, registry, prober: new Prober(), gracePeriodMs: 100 });
    server.app.get('/api/v1/query', async () => ({ status: 'success', data: 'x'.repeat(300) }));
    server.app.post('/api/v1/query', async (_req, reply) => reply.code(400).send({ status: 'error' }));
    const { port } = await server.listen();
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => server.close());

  it('counts requests by handler, code and lower-case method, with durations and sizes', async () => {
    for (let i = 0; i < 3; i++) expect((await fetch(`${base}/api/v1/query?query=up`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/query`, { method: 'POST', body: 'query=up', headers: { 'content-type': 'text/plain' } })).status).toBe(400);
    expect((await fetch(`${base}/no/such/path/${Math.random()}`)).status).toBe(404);
    expect((await fetch(`${base}/-/healthy`)).status).toBe(200);

    const text = await registry.metrics();
    expect(text).toContain('http_requests_total{code="200",handler="query",method="get"} 3');
    expect(text).toContain('http_requests_total{code="400",handler="query",method="post"} 1');
    expect(text).toContain('http_requests_total{code="404",handler="other",method="get"} 1');
    expect(text).toContain('http_requests_total{code="200",handler="/-/healthy",method="get"} 1');
    expect(text).toContain('http_request_duration_seconds_count{code="200",handler="query",method="get"} 3');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="720",code="200",handler="query",method="get"\} 3/);
    // Each answer is more than 256 bytes and less than 512: all three land in the 512 bucket, none in 256.
    expect(text).toContain('http_response_size_bytes_bucket{le="256",code="200",handler="query",method="get"} 0');
    expect(text).toContain('http_response_size_bytes_bucket{le="512",code="200",handler="query",method="get"} 3');
    expect(text).toContain('http_request_size_bytes_sum{code="400",handler="query",method="post"} 8');
    expect(text).toContain('http_inflight_requests{handler="query",method="GET"} 0');
  });
});
