// The fuzz target table: every parser that takes outside bytes, with seeds built from our own encoders/writers or
// files in the repo (no network), and the regression inputs of crashes found and fixed.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDeletionMark, parseNoCompactMark, parseNoDownsampleMark } from '../../src/block/markers.js';
import { parseThanosMeta } from '../../src/block/meta.js';
import { decodeWriteRequestV1, decodeWriteRequestV2 } from '../../src/receive/write-request.js';
import { encodeWriteRequestV1, encodeWriteRequestV2, type SeriesToWrite } from '../../src/receive/write-request-encode.js';
import { parseRelabelConfigs } from '../../src/block/relabel.js';
import { parseBucketConfig } from '../../src/objstore/config.js';
import { parseExpr } from '../../src/promql/parser/parse.js';
import { parseHttpClientConfig } from '../../src/runtime/http-client-config.js';
import { isThanosError } from '../../src/runtime/errors.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { parseWebConfig } from '../../src/runtime/web-config.js';
import {
  decodeLabelNamesRequest, decodeLabelNamesResponse, decodeLabelValuesRequest, decodeLabelValuesResponse,
  decodeSeriesRequest, decodeSeriesResponse, encodeLabelNamesRequest, encodeLabelNamesResponse,
  encodeLabelValuesRequest, encodeLabelValuesResponse, encodeSeriesRequest, encodeSeriesResponse,
} from '../../src/store/codec.js';
import { FrameSplitter } from '../../src/store/prometheus/frame-splitter.js';
import { ProtoWriter } from '../../src/store/prometheus/proto-wire.js';
import { ChunkedFrameDecoder, decodeChunkedReadResponse, decodeReadResponse } from '../../src/store/prometheus/remote-read-codec.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest } from '../../src/store/store-api.js';
import { encodeTombstones as encodeBlockTombstones, decodeTombstones as decodeBlockTombstones } from '../../src/tsdb/block/tombstones.js';
import { parseMeta } from '../../src/tsdb/block/meta.js';
import { BlockWriter } from '../../src/tsdb/block/writer.js';
import { MemoryByteSource } from '../../src/tsdb/byte-source.js';
import { ValNone } from '../../src/tsdb/chunkenc/chunk.js';
import { XorIterator, encodeXor } from '../../src/tsdb/chunkenc/xor.js';
import { ChunkReader } from '../../src/tsdb/chunks/segment-reader.js';
import { crc32c } from '../../src/tsdb/encoding/crc32c.js';
import { snappyDecode, snappyEncode } from '../../src/tsdb/encoding/snappy.js';
import { IndexReader } from '../../src/tsdb/index/reader.js';
import { checkRuleFile } from '../../src/rule/rule-file.js';
import { labelsFromRecord } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { readSegmentRecords } from '../../src/tsdb/wal/reader.js';
import {
  RecordType, decodeExemplars, decodeMetadata, decodeSamplesInto, decodeSeries, decodeTombstones, encodeExemplars,
  encodeMetadata, encodeSamples, encodeSeries, encodeTombstones, newSampleColumns, recordType,
} from '../../src/tsdb/wal/records.js';
import { WalWriter } from '../../src/tsdb/wal/writer.js';
import type { FuzzTarget } from './driver.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function once<T>(f: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= f());
}

// ---- seeds ---------------------------------------------------------------------------------------------------

/** PromQL expressions from the shared promqltest files' `eval` lines (read, never edited), deduplicated. */
const promqlSeeds = once(async () => {
  const dir = join(REPO, '../shared/promql-testdata');
  const out = new Set<string>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.test')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const m = /^eval(?:_fail|_warn|_info|_ordered)?\s+(?:instant|range)\s+(?:from\s+\S+\s+to\s+\S+\s+step\s+\S+|at\s+\S+)\s+(.*)$/.exec(line);
      if (m?.[1]) out.add(m[1].trim());
    }
  }
  if (out.size < 100) throw new Error(`only ${out.size} PromQL seeds found under ${dir}`);
  return [...out];
});

const objstoreSeeds = once(async () => {
  const dir = join(REPO, 'examples/objstore');
  const files = readdirSync(dir).filter((n) => n.endsWith('.yaml')).sort();
  if (files.length === 0) throw new Error(`no objstore examples under ${dir}`);
  return [...files.map((f) => readFileSync(join(dir, f), 'utf8')), 'type: FILESYSTEM\nconfig:\n  directory: /tmp/x\nprefix: a/b\n', 'type: IN-MEMORY\n'];
});

/** Rule files: the shipped mixin's alerting and recording rules, and the fields Thanos adds. */
const ruleSeeds = async (): Promise<string[]> => [
  readFileSync(`${REPO}examples/mixin/alerts.yaml`, 'utf8'),
  readFileSync(`${REPO}examples/mixin/rules.yaml`, 'utf8'),
  'groups:\n- name: g\n  interval: 30s\n  partial_response_strategy: warn\n  limit: 10\n  query_offset: 1m\n  rules:\n' +
    '  - record: job:up:sum\n    expr: sum by (job) (up)\n    labels: {a: b}\n' +
    '  - alert: Down\n    expr: up == 0\n    for: 5m\n    keep_firing_for: 1m\n    labels: {severity: page}\n' +
    '    annotations: {summary: "{{ $labels.job }} down {{ $value | humanize }}"}\n',
];

const relabelSeeds = async (): Promise<string[]> => [
  '- action: keep\n  source_labels: [__name__, job]\n  separator: ;\n  regex: "up;(.+)"\n',
  '- source_labels: [__meta_x]\n  target_label: instance\n  replacement: $1:80\n  regex: (.*)\n  action: replace\n',
  '- action: hashmod\n  source_labels: [a]\n  modulus: 4\n  target_label: shard\n- action: keep\n  source_labels: [shard]\n  regex: "1"\n',
  '- action: labelmap\n  regex: __meta_(.+)\n- action: labeldrop\n  regex: tmp.*\n- action: labelkeep\n  regex: .*\n',
  '- action: keepequal\n  source_labels: [a]\n  target_label: b\n- action: lowercase\n  source_labels: [c]\n  target_label: d\n',
  '[]\n',
];

const HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';
const webSeeds = async (): Promise<string[]> => [
  '',
  `basic_auth_users:\n  alice: ${HASH}\n  bob: ${HASH}\n`,
  'tls_server_config:\n  cert_file: c.crt\n  key_file: c.key\n  client_ca_file: ca.crt\n  client_auth_type: RequireAndVerifyClientCert\n' +
    '  min_version: TLS12\n  max_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n',
  'http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n',
  'rate_limit:\n  burst: 5\n  interval: 1s\n',
];

const httpClientSeeds = async (): Promise<string[]> => [
  '',
  'basic_auth: {username: u, password: p}\n',
  'basic_auth:\n  username_file: /nonexistent/u\n  password_file: /nonexistent/p\n',
  'bearer_token: t\n',
  'authorization:\n  type: Bearer\n  credentials: abc\n',
  'tls_config: {ca_file: /ca, cert_file: /c, key_file: /k, server_name: prom, insecure_skip_verify: true, min_version: TLS12}\n',
  'proxy_url: http://proxy:3128\nfollow_redirects: false\nenable_http2: true\n',
  'transport_config:\n  dial_timeout: 5s\n  idle_conn_timeout: 90s\n  response_header_timeout: 2m\n  max_idle_conns: 100\n',
];

const META = {
  ulid: '01HF5Z4G0000000000000000AB', minTime: 1700000000000, maxTime: 1700007200000,
  stats: { numSamples: 120, numSeries: 3, numChunks: 3 },
  compaction: { level: 2, sources: ['01HF5Z4G0000000000000000AA', '01HF5Z4G0000000000000000AB'], parents: [{ ulid: '01HF5Z4G0000000000000000AA', minTime: 1, maxTime: 2 }] },
  version: 1,
};
const metaSeeds = async (): Promise<string[]> => [
  JSON.stringify(META, null, '\t'),
  JSON.stringify({
    ...META,
    thanos: {
      version: 1, labels: { cluster: 'eu', replica: 'a' }, downsample: { resolution: 300000 }, source: 'sidecar',
      segment_files: ['000001'], files: [{ rel_path: 'chunks/000001', size_bytes: 1234 }, { rel_path: 'index', size_bytes: 99 }, { rel_path: 'meta.json' }],
      index_stats: { series_max_size: 100, chunk_max_size: 200 }, extensions: { a: 1 },
    },
  }),
];

const markerSeeds = async (): Promise<string[]> => [
  JSON.stringify({ id: '01HF5Z4G0000000000000000AB', deletion_time: 1700000000, version: 1, details: 'retention' }),
  JSON.stringify({ id: '01HF5Z4G0000000000000000AB', no_compact_time: 1700000000, version: 1, reason: 'manual', details: 'x' }),
  JSON.stringify({ id: '01HF5Z4G0000000000000000AB', no_downsample_time: 1700000000, version: 1, reason: 'manual', details: 'y' }),
];

const tombstoneSeeds = async (): Promise<Uint8Array[]> => [
  encodeBlockTombstones(new Map()),
  encodeBlockTombstones(new Map([[1, [{ mint: 0, maxt: 100 }, { mint: 200, maxt: 300 }]], [77, [{ mint: -5, maxt: 2 ** 40 }]]])),
];

/** A small block (3 series incl. unicode labels, several chunks each) written by BlockWriter in a temp dir. */
const blockFiles = once(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fuzz-block-'));
  try {
    const w = await BlockWriter.create(dir, { chunkRange: 60_000 });
    const names = [
      { __name__: 'http_requests_total', job: 'api', code: '200' },
      { __name__: 'http_requests_total', job: 'api', code: '500' },
      { __name__: 'up', job: 'node', instance: 'h\u00e9:9100' },
    ].map(labelsFromRecord).sort((a, b) => JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
    for (const [k, ls] of names.entries()) {
      const ts = Array.from({ length: 300 }, (_, i) => 1_700_000_000_000 + i * 1000);
      const vs = ts.map((_, i) => (k === 2 ? 1 : i * 1.5 + k));
      await w.addSeries(ls, ts, vs);
    }
    await w.finish();
    const block = join(dir, w.ulid);
    return {
      index: new Uint8Array(readFileSync(join(block, 'index'))),
      chunks: new Uint8Array(readFileSync(join(block, 'chunks', '000001'))),
      meta: readFileSync(join(block, 'meta.json'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Chunk refs of the seed block (from its own index), used to read fuzzed segment files. */
const blockChunkRefs = once(async () => {
  const { index } = await blockFiles();
  const r = await IndexReader.open(new MemoryByteSource(index, 'index'));
  const refs: number[] = [];
  for await (const s of r.series(await r.allPostings())) for (const c of s.chunks) refs.push(c.ref);
  return refs;
});

const xorSeeds = async (): Promise<Uint8Array[]> => {
  const ramp = Array.from({ length: 120 }, (_, i) => 1_700_000_000_000 + i * 15_000);
  return [
    encodeXor([1000], [1]),
    encodeXor(ramp, ramp.map((_, i) => i)),
    encodeXor(ramp, ramp.map((_, i) => Math.sin(i) * 1e6)),
    encodeXor(ramp.map((t, i) => t + (i % 7) * 13), ramp.map(() => NaN)),
    encodeXor([0, 1, 2 ** 40, 2 ** 41], [Infinity, -Infinity, 0, -0]),
  ];
};

function walRecords(): Uint8Array[] {
  const cols = newSampleColumns(8);
  for (let i = 0; i < 6; i++) { cols.refs[i] = i % 3; cols.ts[i] = 1_700_000_000_000 + i * 1000; cols.vs[i] = i * 0.5; }
  cols.n = 6;
  return [
    encodeSeries([{ ref: 1, labels: labelsFromRecord({ __name__: 'up', job: 'a' }) }, { ref: 2, labels: labelsFromRecord({ __name__: 'x', l: '\u00e9' }) }]).slice(),
    encodeSamples(cols).slice(),
    encodeTombstones([{ ref: 1, mint: 0, maxt: 1000 }, { ref: 2, mint: -1000, maxt: 2 ** 45 }]).slice(),
    encodeExemplars([{ ref: 1, t: 1000, v: 1.5, labels: labelsFromRecord({ trace_id: 'abc' }) }]).slice(),
    encodeMetadata([{ ref: 1, type: 1, unit: 'seconds', help: 'help text' }]).slice(),
  ];
}

/** WAL segments written by our WalWriter, compressed and not, including a record spanning pages. */
const walSegmentSeeds = once(async () => {
  const out: Uint8Array[] = [];
  for (const compress of [false, true]) {
    const dir = mkdtempSync(join(tmpdir(), 'fuzz-wal-'));
    try {
      const w = WalWriter.open(dir, { compress, syncOnSegmentClose: false, segmentSize: 4 * 32 * 1024 });
      w.log(...walRecords());
      const big = encodeSeries(Array.from({ length: 400 }, (_, i) => ({ ref: i, labels: labelsFromRecord({ __name__: `m${i}`, pad: 'x'.repeat(80) }) }))).slice();
      w.log(big);
      w.log(...walRecords());
      w.close();
      for (const f of readdirSync(dir).sort()) out.push(new Uint8Array(readFileSync(join(dir, f))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  // Fuzzing a 32 KiB page spends most inputs on padding: keep the written part plus a little zero tail.
  return out.map((b) => { let end = b.length; while (end > 0 && b[end - 1] === 0) end--; return b.subarray(0, Math.min(b.length, end + 64)); });
});

const storeRequestSeeds = async (): Promise<Uint8Array[]> => [
  encodeSeriesRequest(seriesRequest({ matchers: [new Matcher('=', '__name__', 'up'), new Matcher('=~', 'job', 'a|b.*')], minTime: 0, maxTime: 1e12 })),
  encodeSeriesRequest(seriesRequest({
    matchers: [new Matcher('!~', 'x', '.+'), new Matcher('!=', 'y', '')], skipChunks: true, aggregates: ['COUNT', 'SUM'],
    maxResolutionWindow: 300000, withoutReplicaLabels: ['replica'], limit: 10, step: 15000, range: 60000, partialResponseStrategy: 'ABORT',
  })),
  encodeLabelNamesRequest(labelNamesRequest({ start: 0, end: 1000, matchers: [new Matcher('=', 'a', 'b')], limit: 5 })),
  encodeLabelValuesRequest(labelValuesRequest('job', { start: -1000, end: 1000, matchers: [new Matcher('=~', 'a', 'b+')], withoutReplicaLabels: ['r'] })),
];

const storeResponseSeeds = async (): Promise<Uint8Array[]> => {
  const data = encodeXor([1000, 2000, 3000], [1, 2, 3]);
  return [
    encodeSeriesResponse({ type: 'series', series: { labels: labelsFromRecord({ __name__: 'up', job: 'a' }), chunks: [{ minTime: 1000, maxTime: 3000, raw: { encoding: 'XOR', data } }] } }),
    encodeSeriesResponse({ type: 'series', series: { labels: labelsFromRecord({ a: 'b' }), chunks: [{ minTime: 0, maxTime: 1, count: { encoding: 'XOR', data }, sum: { encoding: 'XOR', data } }] } }),
    encodeSeriesResponse({ type: 'warning', warning: 'store x unavailable' }),
    encodeSeriesResponse({ type: 'hints', hints: { typeUrl: 'type.googleapis.com/thanos.hintspb.SeriesResponseHints', value: Uint8Array.of(10, 4, 10, 2, 105, 100) } }),
    encodeLabelNamesResponse({ names: ['__name__', 'job'], warnings: ['w'] }),
    encodeLabelValuesResponse({ values: ['a', 'b\u00e9'], warnings: [] }),
  ];
};

/** Prometheus remote-read ChunkedReadResponse messages and a ReadResponse (SAMPLES), built with the wire writer. */
function chunkedMessage(name: string, data: Uint8Array, queryIndex: number): Uint8Array {
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
const chunkedMessageSeeds = async (): Promise<Uint8Array[]> => [
  chunkedMessage('x', encodeXor([1000, 2000], [1, 2]), 0),
  chunkedMessage('y\u00e9', encodeXor(Array.from({ length: 50 }, (_, i) => i * 1000), Array.from({ length: 50 }, (_, i) => i)), 3),
];
const readResponseSeeds = async (): Promise<Uint8Array[]> => {
  const label = (n: string, v: string): Uint8Array => new ProtoWriter().stringField(1, n).stringField(2, v).finish();
  // Sample{value: double = 1, timestamp: int64 = 2}: the double's 8 bytes written after a fixed64 tag.
  const sample = (v: number, t: number): Uint8Array => {
    const head = new ProtoWriter().tag(1, 1).finish();
    const d = new Uint8Array(8);
    new DataView(d.buffer).setFloat64(0, v, true);
    return Buffer.concat([head, d, new ProtoWriter().tag(2, 0).int64(t).finish()]);
  };
  const ts = new ProtoWriter().bytesField(1, label('__name__', 'up')).bytesField(1, label('job', 'a')).bytesField(2, sample(1, 1000)).bytesField(2, sample(NaN, 2000)).finish();
  const qr = new ProtoWriter().bytesField(1, ts).bytesField(1, ts).finish();
  const resp = new ProtoWriter().bytesField(1, qr).bytesField(1, new Uint8Array(0)).finish();
  return [snappyEncode(resp), snappyEncode(new Uint8Array(0))];
};
const frameStreamSeeds = async (): Promise<Uint8Array[]> => {
  const [a, b] = await chunkedMessageSeeds();
  return [Buffer.concat([frame(a!), frame(b!)]), frame(a!)];
};

/** Remote-write bodies (before snappy) written by our encoders, v1 and v2. */
const WRITE_SERIES: readonly SeriesToWrite[] = [
  { labels: labelsFromRecord({ __name__: 'up', job: 'a', instance: 'h\u00e9:1' }), ts: [1000, 2000, 3000], vs: [1, 0, NaN] },
  { labels: labelsFromRecord({ __name__: 'http_requests_total', code: '200' }), ts: [1000], vs: [12.5] },
];
const writeV1Seeds = async (): Promise<Uint8Array[]> => [encodeWriteRequestV1(WRITE_SERIES).slice(), encodeWriteRequestV1([]).slice()];
const writeV2Seeds = async (): Promise<Uint8Array[]> => [encodeWriteRequestV2(WRITE_SERIES).slice(), encodeWriteRequestV2([]).slice()];

// ---- running one input ------------------------------------------------------------------------------------------

/** Runs every parser on the input; typed refusals are expected, anything else is rethrown for the driver. */
function eachParser<T>(parsers: readonly ((x: T) => unknown)[], x: T): void {
  for (const p of parsers) {
    try { p(x); } catch (err) { if (!isThanosError(err)) throw err; }
  }
}

/** The async form of eachParser. */
async function eachParserAsync<T>(parsers: readonly ((x: T) => Promise<unknown>)[], x: T): Promise<void> {
  for (const p of parsers) {
    try { await p(x); } catch (err) { if (!isThanosError(err)) throw err; }
  }
}

async function walkIndex(b: Uint8Array): Promise<void> {
  const r = await IndexReader.open(new MemoryByteSource(b, 'index'));
  r.symbols();
  for (const n of r.labelNames()) {
    const vs = r.labelValues(n);
    const p = await r.postings(n, vs);
    for await (const s of r.series(p)) void s.chunks.length;
  }
  const all = await r.allPostings();
  for await (const s of r.series(all)) void s.labels.length;
  await r.postingsForMatchers([new Matcher('=~', 'job', 'a.*'), new Matcher('!=', 'code', '500')]);
  await r.verify();
}

function drainXor(data: Uint8Array): void {
  const it = new XorIterator(data);
  let k = 0;
  while (it.next() !== ValNone) { it.atT(); it.atF(); if (++k > 1 << 17) throw new Error('xor iterator yields more than 131072 samples'); }
}

async function readSegment(b: Uint8Array, verifyChecksums: boolean): Promise<void> {
  const refs = await blockChunkRefs();
  const cr = await ChunkReader.fromSources([new MemoryByteSource(b, 'chunks/000001')], { verifyChecksums });
  for (const c of await cr.chunks(refs)) drainXor(c.data);
  // A ref made from the input itself: an arbitrary offset inside the segment.
  if (b.length > 8) await eachParserAsync([() => cr.chunk(8 + (((b[5]! << 8) | b[6]!) % (b.length - 8)))], 0);
}

function decodeWalRecord(rec: Uint8Array): void {
  const cols = newSampleColumns(4);
  switch (recordType(rec)) {
    case RecordType.Series: decodeSeries(rec); break;
    case RecordType.Samples: decodeSamplesInto(rec, cols); break;
    case RecordType.Tombstones: decodeTombstones(rec); break;
    case RecordType.Exemplars: decodeExemplars(rec); break;
    case RecordType.Metadata: decodeMetadata(rec); break;
    default: break;
  }
}

/** YAML that only fails when converted to JS (an alias to an undefined anchor; aliases expanding past the limit). */
const YAML_ALIAS_REGRESSIONS: readonly string[] = [
  // Found by this fuzzer in the objstore config (ReferenceError from the YAML library).
  'type: S3\nconfig:\n  bucket: b\n  access_ke<<: *nio\n',
  '- *undefined_anchor\n',
  'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n' +
    'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
  // Nesting deep enough to take the recursive YAML parser over a second, or past the stack (refused first now).
  ...YAML_DEPTH_INPUTS(),
];

/** Deeply nested YAML of every shape (flow, block sequences, indented mappings, mixed), 2,000 levels each. */
function YAML_DEPTH_INPUTS(): string[] {
  const n = 2000;
  return [
    '['.repeat(n) + ']'.repeat(n),
    '['.repeat(n),
    '{a: '.repeat(n) + '}'.repeat(n),
    'tls_config: ' + '[{'.repeat(n / 2),
    '- '.repeat(n) + 'x\n',
    Array.from({ length: n }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
    Array.from({ length: n }, (_, i) => `${' '.repeat(i)}- `).join('\n'),
  ];
}

/** Every target. `kind` text inputs are strings; bytes inputs are Uint8Arrays. */
export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'promql', kind: 'text', maxLen: 4096, seeds: promqlSeeds, run: (s) => parseExpr(s),
    // Found by this fuzzer: Lezer's error recovery over long garbage took over a second, and long unary-operator
    // chains up to 5.8 s (issue 27); deep nesting and long chains were refused past lezer's stack cap (issue 16).
    regressions: [
      'hist' + "'".repeat(16000), 'x' + '"'.repeat(16000), 'sum(' + '{'.repeat(8000),
      '-+'.repeat(2047) + '1', '-'.repeat(4095) + 'x', '1' + ' -'.repeat(2000) + ' )', '('.repeat(8000) + '1' + ')'.repeat(8000),
      Array.from({ length: 8000 }, () => 'a').join('+'), 'x[' + '-('.repeat(4000) + '1m' + ')'.repeat(4000) + ']',
    ],
  },
  { name: 'objstore-yaml', kind: 'text', maxLen: 4096, seeds: objstoreSeeds, run: (s) => parseBucketConfig(s, 'fuzz.yaml', nopLogger), regressions: YAML_ALIAS_REGRESSIONS },
  // checkRuleFile collects every problem as promtool does; it must never throw.
  { name: 'rule-yaml', kind: 'text', maxLen: 8192, seeds: ruleSeeds, run: (s) => { checkRuleFile(s, 'fuzz.yaml'); }, regressions: YAML_ALIAS_REGRESSIONS },
  { name: 'relabel-yaml', kind: 'text', maxLen: 4096, seeds: relabelSeeds, run: (s) => parseRelabelConfigs(s, 'fuzz.yaml'), regressions: YAML_ALIAS_REGRESSIONS },
  { name: 'web-config', kind: 'text', maxLen: 4096, seeds: webSeeds, run: (s) => parseWebConfig(s, '/nonexistent-fuzz-dir/web.yml'), regressions: YAML_ALIAS_REGRESSIONS },
  { name: 'http-client-config', kind: 'text', maxLen: 4096, seeds: httpClientSeeds, run: (s) => parseHttpClientConfig(s, 'fuzz.yaml'), regressions: YAML_ALIAS_REGRESSIONS },
  {
    name: 'meta-json', kind: 'text', maxLen: 4096,
    seeds: async () => [...await metaSeeds(), (await blockFiles()).meta],
    run: (s) => { parseMeta(s); parseThanosMeta(s); },
  },
  {
    name: 'markers', kind: 'text', maxLen: 2048, seeds: markerSeeds,
    run: (s) => {
      eachParser([parseDeletionMark, parseNoCompactMark, parseNoDownsampleMark], s);
    },
  },
  { name: 'tombstones', kind: 'bytes', maxLen: 4096, seeds: tombstoneSeeds, run: (b) => decodeBlockTombstones(b) },
  { name: 'index', kind: 'bytes', maxLen: 64 * 1024, seeds: async () => [(await blockFiles()).index], run: walkIndex },
  { name: 'xor-chunk', kind: 'bytes', maxLen: 8192, seeds: xorSeeds, run: drainXor },
  { name: 'chunk-segment', kind: 'bytes', maxLen: 64 * 1024, seeds: async () => [(await blockFiles()).chunks], run: (b) => readSegment(b, true) },
  { name: 'chunk-segment-nocrc', kind: 'bytes', maxLen: 64 * 1024, seeds: async () => [(await blockFiles()).chunks], run: (b) => readSegment(b, false) },
  {
    name: 'wal-segment', kind: 'bytes', maxLen: 128 * 1024, seeds: walSegmentSeeds,
    run: (b) => { for (const r of readSegmentRecords(b, '00000000', 0)) decodeWalRecord(r.data); },
  },
  { name: 'wal-records', kind: 'bytes', maxLen: 8192, seeds: async () => walRecords(), run: decodeWalRecord },
  {
    name: 'storeapi-requests', kind: 'bytes', maxLen: 4096, seeds: storeRequestSeeds,
    run: (b) => {
      eachParser([decodeSeriesRequest, decodeLabelNamesRequest, decodeLabelValuesRequest], b);
    },
  },
  {
    name: 'storeapi-responses', kind: 'bytes', maxLen: 8192, seeds: storeResponseSeeds,
    run: (b) => {
      eachParser([decodeSeriesResponse, decodeLabelNamesResponse, decodeLabelValuesResponse], b);
    },
  },
  { name: 'remote-read-chunked', kind: 'bytes', maxLen: 8192, seeds: chunkedMessageSeeds, run: (b) => { const r = decodeChunkedReadResponse(b); for (const s of r.series) for (const c of s.chunks) drainXor(c.data); } },
  {
    // The same messages inside frames whose CRC is recomputed, so mutations get past the checksum.
    name: 'remote-read-frames', kind: 'bytes', maxLen: 8192, seeds: chunkedMessageSeeds,
    run: (b) => { const d = new ChunkedFrameDecoder(1 << 20); d.push(frame(b)); d.end(); },
  },
  {
    // A raw stream (CRC as mutated), pushed in pieces whose sizes come from the input itself.
    name: 'remote-read-stream', kind: 'bytes', maxLen: 8192, seeds: frameStreamSeeds,
    run: (b) => {
      const d = new ChunkedFrameDecoder(1 << 16);
      const step = 1 + ((b[0] ?? 0) % 37);
      for (let i = 0; i < b.length; i += step) d.push(b.subarray(i, i + step));
      d.end();
      const s = new FrameSplitter(1 << 16);
      s.push(b, () => {});
      s.end();
    },
  },
  { name: 'remote-write-v1', kind: 'bytes', maxLen: 8192, seeds: writeV1Seeds, run: (b) => decodeWriteRequestV1(b) },
  { name: 'remote-write-v2', kind: 'bytes', maxLen: 8192, seeds: writeV2Seeds, run: (b) => decodeWriteRequestV2(b) },
  {
    // The body as it arrives: snappy-compressed, capped as the receive handler caps it.
    name: 'remote-write-snappy', kind: 'bytes', maxLen: 8192,
    seeds: async () => [...await writeV1Seeds(), ...await writeV2Seeds()].map((b) => snappyEncode(b)),
    run: (b) => { const raw = snappyDecode(b, 'remote write body', 1 << 20); decodeWriteRequestV1(raw); },
  },
  { name: 'remote-read-samples', kind: 'bytes', maxLen: 8192, seeds: readResponseSeeds, run: (b) => decodeReadResponse(b) },
  {
    name: 'snappy', kind: 'bytes', maxLen: 8192,
    seeds: async () => [...await readResponseSeeds(), snappyEncode(utf8('a'.repeat(1000) + 'bcd'.repeat(50)))],
    run: (b) => snappyDecode(b, 'fuzz', 1 << 20),
    // Found by this fuzzer: a literal length with its top bit set sent snappyjs's read position backwards (30 s).
    regressions: ['74880a700a360a0e0a085f5f6e616d655f5f120275700a080a036a6f62120161120c090000010210f03f10e807150e14f87f10d00f0ade3800fcf900308c0000'],
  },
  {
    // snappyDecode without a cap, as the WAL reader uses it: a header declaring gigabytes must not allocate them.
    name: 'snappy-uncapped', kind: 'bytes', maxLen: 8192, seeds: async () => [snappyEncode(utf8('hello '.repeat(200)))], run: (b) => snappyDecode(b, 'fuzz'),
    regressions: ['74880a700a360a0e0a085f5f6e616d655f5f120275700a080a036a6f62120161120c090000010210f03f10e807150e14f87f10d00f0ade3800fcf900308c0000'],
  },
];

/**
 * Parsers of outside bytes that other engineers are writing now (rule YAML in src/rule/; remote-write bodies from
 * src/receive/ are in TARGETS above since it landed). The smoke test asserts these modules do not exist yet: when one lands, that test fails and the
 * target must be added to TARGETS above.
 */
export const PENDING_TARGETS: readonly { readonly name: string; readonly module: string }[] = [];
