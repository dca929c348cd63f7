// --request.logging-config: upstream's YAML parsed with its rules (global options overridden per protocol, levels,
// start-without-end refused, unknown fields refused), and a real `thanos-ts query` logging its HTTP and gRPC calls.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { labelNamesRequest } from '../../src/store/store-api.js';
import { NO_REQUEST_LOGGING, parseRequestLoggingConfig } from '../../src/runtime/request-logging.js';
import { freePort, spawnPeer, waitForHttp, type PeerProcess } from '../support/peers/process.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'src', 'cmd', 'main.ts');

describe('parseRequestLoggingConfig', () => {
  it('takes the global options, overridden by a protocol\'s own, with path:port and service/method filters', () => {
    const cfg = parseRequestLoggingConfig([
      'options:', '  level: ERROR', '  decision:', '    log_start: true', '    log_end: true',
      'http:', '  config:', '    - path: /api/v1/query', '      port: 10904',
      'grpc:', '  options:', '    level: DEBUG', '    decision:', '      log_end: true',
      '  config:', '    - service: thanos.Store', '      method: Series', '',
    ].join('\n'), 'cfg.yaml');
    expect(cfg.http).toEqual({ decision: 'start-and-finish', level: 'ERROR', only: new Set(['/api/v1/query:10904']) });
    expect(cfg.grpc).toEqual({ decision: 'finish', level: 'DEBUG', only: new Set(['thanos.Store/Series']) });
  });

  it('logs nothing for an empty config or one without decisions', () => {
    expect(parseRequestLoggingConfig('', 'x')).toBe(NO_REQUEST_LOGGING);
    const c = parseRequestLoggingConfig('http:\n  config: []\n', 'x');
    expect(c.http.decision).toBe('none');
    expect(c.grpc.decision).toBe('none');
  });

  it('refuses what upstream refuses, saying where', () => {
    const bad: [string, RegExp][] = [
      ['options:\n  decision:\n    log_end: true\n', /cfg\.yaml: options: level field is empty/],
      ['options:\n  level: TRACE\n  decision:\n    log_end: true\n', /cfg\.yaml: http: the format of level is invalid\. Expected INFO\/DEBUG\/ERROR\/WARNING, got this TRACE/],
      ['grpc:\n  options:\n    level: INFO\n    decision:\n      log_start: true\n', /cfg\.yaml: grpc: logging the start of calls without their end is not supported/],
      ['http:\n  optons: {}\n', /cfg\.yaml: http: unknown field "optons"/],
      ['http:\n  config:\n    - path: /x\n      host: a\n', /cfg\.yaml: http\.config\[0\]: unknown field "host"/],
      ['options: [1\n', /cfg\.yaml: /],
    ];
    for (const [text, want] of bad) expect(() => parseRequestLoggingConfig(text, 'cfg.yaml'), text).toThrow(want);
  });
});

describe('thanos-ts query --request.logging-config', { timeout: 90_000 }, () => {
  let work = '';
  let proc: PeerProcess;
  let http = '';
  let grpc = '';

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'request-logging-'));
    const httpPort = await freePort();
    const grpcPort = await freePort();
    // HTTP: only /api/v1/labels on this port, start and finish; gRPC: every call, finish only.
    const config = [
      'http:', '  options:', '    level: DEBUG', '    decision:', '      log_start: true', '      log_end: true',
      '  config:', '    - path: /api/v1/labels', `      port: ${httpPort}`,
      'grpc:', '  options:', '    level: DEBUG', '    decision:', '      log_end: true', '',
    ].join('\n');
    proc = spawnPeer('query', process.execPath, ['--import', 'tsx', MAIN, 'query', '--log.level=debug',
      `--http-address=127.0.0.1:${httpPort}`, `--grpc-address=127.0.0.1:${grpcPort}`, `--request.logging-config=${config}`], { logDir: work, cwd: REPO_ROOT });
    http = `http://127.0.0.1:${httpPort}`;
    grpc = `127.0.0.1:${grpcPort}`;
    await waitForHttp(`${http}/-/ready`, proc, 60_000, (s) => s === 200);
  }, 90_000);

  afterAll(async () => {
    await proc?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const lines = (): string[] => readFileSync(proc.logFile, 'utf8').split('\n');

  it('logs the start and finish of the selected HTTP path only, with upstream\'s fields', async () => {
    expect((await fetch(`${http}/api/v1/labels`, { headers: { 'x-request-id': 'req-42', 'user-agent': 'mixin-test' } })).status).toBe(200);
    expect((await fetch(`${http}/api/v1/label/job/values`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const logged = lines().filter((l) => l.includes('protocol=http'));
    const started = logged.filter((l) => l.includes('msg="started call"'));
    const finished = logged.filter((l) => l.includes('msg="finished call"'));
    expect(started).toHaveLength(1);
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatch(/level=debug/);
    expect(finished[0]).toContain('http.method="GET /api/v1/labels"');
    expect(finished[0]).toContain('http.request_id=req-42');
    expect(finished[0]).toContain('http.user_agent=mixin-test');
    expect(finished[0]).toContain('http.status_code=200');
    expect(finished[0]).toMatch(/http\.time_ms=[0-9.]+/);
    expect(logged.join('\n')).not.toContain('/api/v1/label/job/values');
  });

  it('logs the finish of every gRPC call with service, method, type and code', async () => {
    const client = new GrpcStoreClient(grpc);
    try {
      await client.labelNames(labelNamesRequest());
    } finally {
      client.close();
    }
    await new Promise((r) => setTimeout(r, 300));
    const finished = lines().filter((l) => l.includes('protocol=grpc') && l.includes('msg="finished call"'));
    const labelNames = finished.find((l) => l.includes('grpc.method=LabelNames'));
    expect(labelNames, finished.join('\n')).toBeDefined();
    expect(labelNames).toContain('grpc.service=thanos.Store');
    expect(labelNames).toContain('grpc.method_type=unary');
    expect(labelNames).toContain('grpc.code=OK');
    expect(lines().some((l) => l.includes('protocol=grpc') && l.includes('started call'))).toBe(false);
  });

  it('stops the mode with the file and reason when the config is invalid', async () => {
    const bad = spawnPeer('query-bad', process.execPath, ['--import', 'tsx', MAIN, 'query', `--http-address=127.0.0.1:${await freePort()}`,
      `--grpc-address=127.0.0.1:${await freePort()}`, '--request.logging-config=options:\n  level: LOUD\n  decision:\n    log_end: true\n'], { logDir: work, cwd: REPO_ROOT });
    const deadline = Date.now() + 60_000;
    while (!readFileSync(bad.logFile, 'utf8').includes('LOUD') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await bad.stop();
    expect(readFileSync(bad.logFile, 'utf8')).toContain('--request.logging-config: http: the format of level is invalid. Expected INFO/DEBUG/ERROR/WARNING, got this LOUD');
  });
});
