// End to end: --tracing.config with type OTLP (client_type http) on a real `thanos-ts query` and `thanos-ts store`
// over a FILESYSTEM bucket of promtool blocks. One PromQL query yields one trace: the querier's HTTP and evaluation
// spans, its StoreAPI client call, and the store's server span for that call (its parent, across processes, is the
// client span: W3C traceparent in gRPC metadata) with the store's bucket reads beneath it.
//
// The receiving end is a stand-in: no OpenTelemetry Collector (nor Jaeger/Tempo) is packaged on this machine (see
// ../shared/peers/README.md), so the test serves OTLP/HTTP itself: POST /v1/traces with an ExportTraceServiceRequest
// in OTLP's JSON encoding, which is what @opentelemetry/exporter-trace-otlp-http sends (a real collector accepts the
// same request on :4318). A protobuf body would fail the test loudly rather than be skipped.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBucket, parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { freePort, spawnPeer, stopAll, waitForHttp, type PeerProcess } from '../support/peers/process.js';
import { runCli } from '../support/cli.js';
import { T0, openMetrics, promtoolBlocks, uploadBlock } from '../store/bucket/support.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

/** One span as the test reads it from OTLP JSON, with the service.name of the resource it came under. */
interface ReceivedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
}

interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number }> }>;
  }>;
}

/** OTLP JSON writes ids as hex (the spec); some encoders used base64 — accept both, compare as hex. */
const hexId = (id: string | undefined): string => {
  if (id === undefined || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
};

/** The stand-in OTLP/HTTP receiver (see the file's comment). */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly problems: string[] = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          this.problems.push(`unexpected ${req.method} ${req.url}`);
          res.writeHead(404).end();
          return;
        }
        if (!String(req.headers['content-type']).startsWith('application/json')) {
          this.problems.push(`body is ${req.headers['content-type']}, not OTLP JSON`);
          res.writeHead(415).end();
          return;
        }
        this.take(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }

  private take(body: OtlpJson): void {
    for (const rs of body.resourceSpans ?? []) {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({ service, traceId: hexId(s.traceId), spanId: hexId(s.spanId), parentSpanId: hexId(s.parentSpanId), name: s.name, kind: s.kind });
        }
      }
    }
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let work = '';
const receiver = new OtlpReceiver();
const procs: PeerProcess[] = [];

function tracingYaml(service: string): string {
  return `type: OTLP\nconfig:\n  client_type: http\n  endpoint: 127.0.0.1:${receiver.port}\n  insecure: true\n  service_name: ${service}\n` +
    '  sampler_type: alwayssample\n';
}

async function start(mode: string, args: readonly string[]): Promise<{ http: string; grpc: string }> {
  const httpPort = await freePort();
  const grpcPort = await freePort();
  const proc = spawnPeer(`${mode}-traced`, process.execPath, ['--import', 'tsx', MAIN, mode,
    `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, ...args], { logDir: work, cwd: REPO_ROOT });
  procs.push(proc);
  const http = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  } catch (err) {
    throw new Error(`${mode} did not become ready: ${readFileSync(proc.logFile, 'utf8').slice(-2000)}`, { cause: err });
  }
  return { http, grpc: `127.0.0.1:${grpcPort}` };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'e2e-tracing-'));
  await receiver.start();
  const bucketDir = path.join(work, 'bucket');
  const bucketYaml = `type: FILESYSTEM\nconfig:\n  directory: ${bucketDir}\n`;
  const bucket = await createBucket(parseBucketConfig(bucketYaml, 'e2e', nopLogger), { logger: nopLogger });
  for (const d of await promtoolBlocks(work, 'a', openMetrics(3, 1))) await uploadBlock(bucket, d, { cluster: 'a', replica: '0' });
  await bucket.close();
  await writeFile(path.join(work, 'bucket.yml'), bucketYaml);
}, 120_000);

afterAll(async () => {
  await stopAll(procs);
  await receiver.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('--tracing.config type OTLP', () => {
  it('one query is one trace across query and store, linked by the gRPC call', async () => {
    const store = await start('store', [
      `--objstore.config-file=${path.join(work, 'bucket.yml')}`, `--data-dir=${path.join(work, 'store')}`,
      '--ignore-deletion-marks-delay=1h', `--tracing.config=${tracingYaml('store-under-test')}`,
    ]);
    const query = await start('query', [`--endpoint=${store.grpc}`, `--tracing.config=${tracingYaml('query-under-test')}`]);
    const url = `${query.http}/api/v1/query?query=${encodeURIComponent('sum(http_requests)')}&time=${(T0 + 3600_000) / 1000}`;
    // The querier learns the store from Info shortly after start; until then the answer is empty.
    let traceId = '';
    await expect.poll(async () => {
      const res = await fetch(url);
      const body = (await res.json()) as { data: { result: unknown[] } };
      traceId = res.headers.get('x-thanos-trace-id') ?? '';
      return body.data.result.length;
    }, { timeout: 30_000, interval: 500 }).toBe(1);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    // The batch processors export every 5 s.
    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === traceId);
    const named = (service: string, name: string): ReceivedSpan | undefined => inTrace().find((s) => s.service === service && s.name === name);
    await expect.poll(() => named('store-under-test', '/thanos.Store/Series') !== undefined && named('query-under-test', '/query HTTP[server]') !== undefined,
      { timeout: 20_000, interval: 500 }).toBe(true);
    // Give the store's bucket read spans (ending with their streams) the next export too.
    await expect.poll(() => inTrace().some((s) => s.name === 'bucket_get_range'), { timeout: 15_000, interval: 500 }).toBe(true);
    expect(receiver.problems).toEqual([]);

    const httpSpan = named('query-under-test', '/query HTTP[server]')!;
    const exec = named('query-under-test', 'instant_query_exec')!;
    const client = named('query-under-test', '/thanos.Store/Series')!;
    const server = named('store-under-test', '/thanos.Store/Series')!;
    expect(httpSpan.parentSpanId).toBe(''); // the trace's root
    expect(exec.parentSpanId).toBe(httpSpan.spanId);
    expect(client.parentSpanId).toBe(exec.spanId);
    expect(client.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(server.kind).toBe(2); // SPAN_KIND_SERVER
    expect(server.parentSpanId).toBe(client.spanId); // across the process boundary
    // Every span of the store in this trace descends from its server span.
    const byId = new Map(inTrace().map((s) => [s.spanId, s]));
    const storeSpans = inTrace().filter((s) => s.service === 'store-under-test');
    for (const s of storeSpans) {
      let at: ReceivedSpan | undefined = s;
      while (at && at !== server) at = byId.get(at.parentSpanId);
      expect(at, `${s.name} is not under the store's Series span`).toBe(server);
    }
    expect(storeSpans.some((s) => s.name === 'bucket_get_range')).toBe(true);
    // One trace: nothing the query caused went elsewhere (no second root in either process for this request).
    expect(inTrace().filter((s) => s.parentSpanId === '')).toHaveLength(1);
  }, 120_000);

  it('refuses another provider at start (exit 2), naming the field and what to use instead', () => {
    // The other providers' messages are checked in test/runtime/tracing/config.test.ts.
    const jaeger = runCli(['query', '--tracing.config=type: JAEGER\nconfig:\n  endpoint: http://jaeger:14268/api/traces\n']);
    expect(jaeger.code).toBe(2);
    expect(jaeger.stderr).toContain('--tracing.config.type: type JAEGER');
    expect(jaeger.stderr).toContain('use type: OTLP with client_type: grpc and endpoint: <jaeger-host>:4317');
  });
});
