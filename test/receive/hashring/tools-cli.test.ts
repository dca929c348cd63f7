// `thanos-ts tools receive hashring` through the built binary (run `npm run build` first): prints one line per
// replica naming the endpoint the router would pick, and refuses bad input with exit 2 and one clear line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHashringsConfig } from '../../../src/receive/hashring/config.js';
import { MultiHashring } from '../../../src/receive/hashring/multi.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';
import { runCli } from '../../support/cli.js';

const FILE = JSON.stringify([
  { hashring: 'teams', tenants: ['team-*'], tenant_matcher_type: 'glob', algorithm: 'ketama',
    endpoints: [{ address: 'r-0:10901', az: 'z1' }, { address: 'r-1:10901', az: 'z2' }, { address: 'r-2:10901', az: 'z1' }, { address: 'r-3:10901', az: 'z2' }] },
  { endpoints: ['node3', 'node1', 'node2'] },
]);

describe('thanos-ts tools receive hashring', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashring-cli-'));
    file = join(dir, 'hashrings.json');
    writeFileSync(file, FILE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hashmod: the pinned hand-computed answer (xxhash64 mod 3 = 1 → node2, node3, node1)', () => {
    const r = runCli(['tools', 'receive', 'hashring', `--receive.hashrings-file=${file}`, '--receive.replication-factor=3', '--tenant=tenant1', '--series={foo="bar",baz="qux"}']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe([
      '{baz="qux", foo="bar"} replica=0 endpoint=node2 az="" hashring="" algorithm=hashmod tenant=tenant1',
      '{baz="qux", foo="bar"} replica=1 endpoint=node3 az="" hashring="" algorithm=hashmod tenant=tenant1',
      '{baz="qux", foo="bar"} replica=2 endpoint=node1 az="" hashring="" algorithm=hashmod tenant=tenant1',
      '',
    ].join('\n'));
  });

  it('ketama with zones, inline config, several series: the same endpoints as the library, one zone each', () => {
    const ring = new MultiHashring(parseHashringsConfig(FILE, 'f'), { algorithm: 'hashmod', replicationFactor: 2 });
    const series = ['{__name__="up",job="x"}', 'up{job="y"}', 'http_requests_total{code="200",instance="a:9090"}'];
    const r = runCli(['tools', 'receive', 'hashring', `--receive.hashrings=${FILE}`, '--receive.replication-factor=2', '--tenant=team-a', ...series.map((s) => `--series=${s}`)]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    const records = [{ __name__: 'up', job: 'x' }, { __name__: 'up', job: 'y' }, { __name__: 'http_requests_total', code: '200', instance: 'a:9090' }];
    records.forEach((rec, i) => {
      const want = ring.endpointsFor('team-a', labelsFromRecord(rec), 2);
      for (const n of [0, 1]) {
        expect(lines[i * 2 + n]).toContain(`replica=${n} endpoint=${want[n]!.address} az=${want[n]!.az} hashring=teams algorithm=ketama tenant=team-a`);
      }
      expect(want[0]!.az).not.toBe(want[1]!.az);
    });
  });

  it.each([
    { name: 'a regex matcher', args: ['--series={job=~"x"}'], error: /--series: series "\{job=~\\"x\\"\}": job=~"…" is not an exact label value/ },
    { name: 'no series', args: [], error: /--series.*give at least one series/ },
    { name: 'a bad algorithm', args: ['--series={a="b"}', '--receive.hashrings-algorithm=maglev'], error: /--receive\.hashrings-algorithm: unknown hashring algorithm "maglev"/ },
    { name: 'more replicas than endpoints', args: ['--series={a="b"}', '--receive.replication-factor=4', '--tenant=x'], error: /insufficient nodes; have 3, want 4/ },
    { name: 'no matching ring', args: ['--series={a="b"}', '--receive.hashrings=[{"tenants":["a"],"endpoints":["n"]}]', '--tenant=b'], error: /no matching hashring to handle tenant "b"/ },
  ])('refuses $name', ({ args, error }) => {
    const withFile = args.some((a) => a.startsWith('--receive.hashrings=')) ? args : [`--receive.hashrings-file=${file}`, ...args];
    const r = runCli(['tools', 'receive', 'hashring', ...withFile]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(error);
  });

  it('refuses a broken file naming the file, ring and field', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"endpoints": ["a"]}, {"endpoints": [{"address": "b", "az": "z"}]}]');
    const r = runCli(['tools', 'receive', 'hashring', `--receive.hashrings-file=${bad}`, '--series={a="b"}']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}: hashrings[1]: Hashmod algorithm does not support AZ aware hashring configuration`);
  });
});
