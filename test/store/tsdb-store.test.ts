// TsdbStore over blocks that promtool created: for each selector it returns exactly the series and samples that
// `promtool tsdb dump --match` prints, with external labels attached, through the StoreAPI over gRPC as well.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcServer, type RunningGrpcServer } from '../../src/runtime/grpc-server.js';
import { GrpcStoreClient } from '../../src/store/grpc-client.js';
import { storeGrpcServices } from '../../src/store/grpc-server.js';
import { labelNamesRequest, labelValuesRequest, seriesRequest, type StoreAPI } from '../../src/store/store-api.js';
import { TsdbStore } from '../../src/store/tsdb-store.js';
import { findBlockDirs } from '../../src/tsdb/block/reader.js';
import { XorIterator } from '../../src/tsdb/chunkenc/xor.js';
import { formatLabels } from '../../src/tsdb/labels/labels.js';
import { Matcher } from '../../src/tsdb/labels/matcher.js';
import { promtoolCreateBlocks, promtoolDump } from '../support/promtool.js';

const START = 1_700_000_000; // seconds
const STEP = 15;
const POINTS = 3 * 3600 / STEP; // three hours: promtool cuts two 2h-aligned blocks, so series span blocks

/** OpenMetrics input: a counter with several label shapes, a gauge with decimals, odd label values. */
function openMetrics(): string {
  const lines: string[] = [];
  const family = (name: string, type: string, series: { labels: string; value: (i: number) => number }[]): void => {
    lines.push(`# TYPE ${name} ${type}`);
    for (const s of series) {
      for (let i = 0; i < POINTS; i++) lines.push(`${name}${s.labels} ${s.value(i)} ${START + i * STEP}`);
    }
  };
  family('http_requests', 'counter', [
    { labels: '{job="api",instance="h1",code="200"}', value: (i) => i * 3 },
    { labels: '{job="api",instance="h2",code="500"}', value: (i) => Math.floor(i / 7) },
    { labels: '{job="web",instance="h1"}', value: (i) => i },
    { labels: '{job="batch",instance="b\\"1\\\\x"}', value: (i) => 1000 + i },
  ]);
  family('temperature', 'gauge', [
    { labels: '{job="web",room="a"}', value: (i) => 20 + Math.sin(i / 10) },
    { labels: '{job="sensors",room="b"}', value: (i) => -1.5 + i / 1000 },
  ]);
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

interface Sample { series: string; t: number; v: number }

/** Parses `promtool tsdb dump` lines: `{labels} value timestamp`. */
function parseDump(text: string): Sample[] {
  return text.split('\n').filter((l) => l !== '').map((l) => {
    const j = l.lastIndexOf(' ');
    const i = l.lastIndexOf(' ', j - 1);
    return { series: l.slice(0, i), v: Number(l.slice(i + 1, j)), t: Number(l.slice(j + 1)) };
  });
}

/** Every sample our store returns for the request, decoded from the chunks, trimmed to [mint, maxt]. */
async function samplesFrom(store: StoreAPI, matchers: Matcher[], mint?: number, maxt?: number): Promise<Sample[]> {
  const out: Sample[] = [];
  const it = new XorIterator();
  let prev = '';
  for await (const f of store.series(seriesRequest({ matchers, withoutReplicaLabels: ['region'], ...(mint !== undefined ? { minTime: mint } : {}), ...(maxt !== undefined ? { maxTime: maxt } : {}) }))) {
    if (f.type !== 'series') continue;
    const name = formatLabels(f.series.labels);
    expect(name > prev || prev === '', `${name} sorted after ${prev}`).toBe(true);
    prev = name;
    for (const c of f.series.chunks) {
      expect(c.raw?.encoding).toBe('XOR');
      it.reset(c.raw!.data);
      while (it.next()) {
        const t = it.atT();
        if ((mint === undefined || t >= mint) && (maxt === undefined || t <= maxt)) out.push({ series: name, t, v: it.atF() });
      }
      expect(it.err()).toBeUndefined();
    }
  }
  return out;
}

const cases: { name: string; selector: string; matchers: Matcher[]; mint?: number; maxt?: number }[] = [
  { name: 'metric name', selector: '{__name__="http_requests"}', matchers: [new Matcher('=', '__name__', 'http_requests')] },
  { name: 'regex and negation', selector: '{job=~"api|web",__name__!="temperature"}', matchers: [new Matcher('=~', 'job', 'api|web'), new Matcher('!=', '__name__', 'temperature')] },
  { name: 'empty value matches a missing label', selector: '{__name__=~".+",code=""}', matchers: [new Matcher('=~', '__name__', '.+'), new Matcher('=', 'code', '')] },
  { name: 'negative regex', selector: '{__name__=~"temp.*|http_requests",instance!~"h.*"}', matchers: [new Matcher('=~', '__name__', 'temp.*|http_requests'), new Matcher('!~', 'instance', 'h.*')] },
  { name: 'escaped label values', selector: '{instance="b\\"1\\\\x"}', matchers: [new Matcher('=', 'instance', 'b"1\\x')] },
  { name: 'time range across the block boundary', selector: '{job="api"}', matchers: [new Matcher('=', 'job', 'api')], mint: (START + 3000) * 1000, maxt: (START + 9000) * 1000 },
];

describe('TsdbStore over promtool-created blocks', () => {
  let dir = '';
  let store: Awaited<ReturnType<typeof TsdbStore.open>>;
  let server: RunningGrpcServer;
  let client: GrpcStoreClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tsdb-store-'));
    writeFileSync(path.join(dir, 'input.om'), openMetrics());
    await promtoolCreateBlocks(path.join(dir, 'input.om'), path.join(dir, 'data'));
    store = await TsdbStore.open(path.join(dir, 'data'), { externalLabels: [{ name: 'region', value: 'eu' }] });
    server = await startGrpcServer(storeGrpcServices(store), { address: '127.0.0.1:0' });
    client = new GrpcStoreClient(`127.0.0.1:${server.port}`);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop(1000);
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(cases)('returns what promtool tsdb dump --match returns ($name)', async ({ selector, matchers, mint, maxt }) => {
    const want = parseDump(await promtoolDump(path.join(dir, 'data'), { match: selector, ...(mint !== undefined ? { minTime: mint } : {}), ...(maxt !== undefined ? { maxTime: maxt } : {}) }));
    expect(want.length).toBeGreaterThan(0);
    const local = await samplesFrom(store, matchers, mint, maxt);
    const remote = await samplesFrom(client, matchers, mint, maxt);
    const key = (s: Sample): string => `${s.series} ${s.t}`;
    const sort = (xs: Sample[]): Sample[] => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    expect(sort(local)).toEqual(sort(want));
    expect(remote).toEqual(local);
  });

  it('reads series that span both blocks promtool cut', async () => {
    expect(await findBlockDirs(path.join(dir, 'data'))).toHaveLength(2);
    const series = [];
    for await (const f of store.series(seriesRequest({ matchers: [new Matcher('=', 'instance', 'h2')] }))) if (f.type === 'series') series.push(f.series);
    // One series, merged from both blocks, its chunks in time order.
    expect(series).toHaveLength(1);
    const mins = series[0]!.chunks.map((c) => c.minTime);
    expect(mins).toEqual([...mins].sort((a, b) => a - b));
    expect(series[0]!.chunks[0]!.minTime).toBe(START * 1000);
    expect(series[0]!.chunks.at(-1)!.maxTime).toBe((START + (POINTS - 1) * STEP) * 1000);
  });

  it('advertises and attaches external labels, and answers matchers on them', async () => {
    const info = await client.info();
    expect(info.labelSets).toEqual([[{ name: 'region', value: 'eu' }]]);
    expect(info.minTime).toBe(START * 1000);
    expect(info.maxTime).toBeGreaterThan((START + (POINTS - 1) * STEP) * 1000);
    const names: string[] = [];
    for await (const f of client.series(seriesRequest({ matchers: [new Matcher('=', 'region', 'eu'), new Matcher('=', 'job', 'web')], skipChunks: true }))) {
      if (f.type === 'series') names.push(formatLabels(f.series.labels));
    }
    expect(names).toEqual([
      '{__name__="http_requests", instance="h1", job="web", region="eu"}',
      '{__name__="temperature", job="web", region="eu", room="a"}',
    ]);
    let other = 0;
    for await (const _ of client.series(seriesRequest({ matchers: [new Matcher('=', 'region', 'us')] }))) other++;
    expect(other).toBe(0);
    expect((await client.labelNames(labelNamesRequest())).names).toEqual(['__name__', 'code', 'instance', 'job', 'region', 'room']);
    expect((await client.labelValues(labelValuesRequest('job', { matchers: [new Matcher('=', '__name__', 'temperature')] }))).values).toEqual(['sensors', 'web']);
    expect((await client.labelValues(labelValuesRequest('region'))).values).toEqual(['eu']);
  });
});
