// Golden routing tables for hashmod and ketama: which endpoints a (tenant, series, replicas) goes to. Each
// expectation says where it comes from: upstream's own test tables (pkg/receive/hashring_test.go, re-typed here as
// data) or the documented hash input computed by hand (§6.1 / compact-receive-rule §2.5).
import { xxh64 } from '@node-rs/xxhash';
import { describe, expect, it } from 'vitest';
import { HashmodHashring } from '../../../src/receive/hashring/hashmod.js';
import type { Endpoint } from '../../../src/receive/hashring/hashring.js';
import { InsufficientNodesError } from '../../../src/receive/hashring/insufficient-nodes.js';
import { KetamaHashring } from '../../../src/receive/hashring/ketama.js';
import { SeriesHasher, stringHash } from '../../../src/receive/hashring/series-hash.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

const eps = (...addresses: string[]): Endpoint[] => addresses.map((address) => ({ address, az: '' }));
const addrs = (es: readonly Endpoint[]): string[] => es.map((e) => e.address);

describe('series hash', () => {
  it('is xxhash64(seed 0) over tenant 0xFF name 0xFF value 0xFF …, labels in sorted order', () => {
    // The bytes written out by hand from the documented layout, hashed by the library directly.
    const bytes = Buffer.concat([Buffer.from('tenant'), Buffer.from([0xff]), Buffer.from('baz'), Buffer.from([0xff]), Buffer.from('qux'), Buffer.from([0xff]),
      Buffer.from('foo'), Buffer.from([0xff]), Buffer.from('bar'), Buffer.from([0xff])]);
    const h = new SeriesHasher();
    expect(h.hash('tenant', labelsFromRecord({ foo: 'bar', baz: 'qux' }))).toBe(xxh64(bytes, 0n));
    // The library's own known answer for empty input (XXH64 reference vector), so the seed really is 0.
    expect(xxh64(Buffer.alloc(0), 0n)).toBe(0xef46db3751d8e999n);
    // Ketama's section strings go to the binding as JS strings: the same as their UTF-8 bytes.
    expect(stringHash('récv-0:10901:7')).toBe(xxh64(Buffer.from('récv-0:10901:7', 'utf8'), 0n));
    // Empty tenant and no labels hash the single separator byte.
    expect(h.hash('', [])).toBe(xxh64(Buffer.from([0xff]), 0n));
  });

  it('gives the same answer after the buffer grew for a long series, and for multi-byte UTF-8', () => {
    const h = new SeriesHasher();
    const long = labelsFromRecord({ a: 'x'.repeat(5000), b: 'é✓' });
    const expected = xxh64(Buffer.concat([Buffer.from('t'), Buffer.from([0xff]), Buffer.from('a'), Buffer.from([0xff]), Buffer.from('x'.repeat(5000)), Buffer.from([0xff]),
      Buffer.from('b'), Buffer.from([0xff]), Buffer.from('é✓', 'utf8'), Buffer.from([0xff])]), 0n);
    expect(h.hash('t', long)).toBe(expected);
    expect(h.hash('t', labelsFromRecord({ a: 'y' }))).toBe(xxh64(Buffer.from([0x74, 0xff, 0x61, 0xff, 0x79, 0xff]), 0n));
  });
});

describe('hashmod', () => {
  // Hand-computed: index = (xxhash64(bytes) + n) mod len over the endpoints sorted by address (C1: file order does
  // not matter). The hash values are pinned so that a change of byte layout fails here, not only in the formula.
  const bytes = (tenant: string, pairs: [string, string][]): Buffer =>
    Buffer.concat([Buffer.from(tenant), Buffer.from([0xff]), ...pairs.flatMap(([n, v]) => [Buffer.from(n), Buffer.from([0xff]), Buffer.from(v), Buffer.from([0xff])])]);

  const cases: { tenant: string; labels: [string, string][]; file: string[]; rf: number }[] = [
    { tenant: 'tenant1', labels: [['baz', 'qux'], ['foo', 'bar']], file: ['node3', 'node1', 'node2'], rf: 1 },
    { tenant: 'tenant1', labels: [['baz', 'qux'], ['foo', 'bar']], file: ['node3', 'node1', 'node2'], rf: 3 },
    { tenant: 'default-tenant', labels: [['__name__', 'up'], ['job', 'x']], file: ['r-0:10901', 'r-1:10901', 'r-2:10901', 'r-3:10901', 'r-4:10901'], rf: 3 },
    { tenant: '', labels: [['pod', 'nginx']], file: ['b', 'a'], rf: 2 },
  ];
  it.each(cases)('$tenant $labels over $file, rf=$rf', ({ tenant, labels, file, rf }) => {
    const sorted = [...file].sort();
    const h = xxh64(bytes(tenant, labels), 0n);
    const expected = Array.from({ length: rf }, (_, n) => sorted[Number((h + BigInt(n)) % BigInt(sorted.length))]!);
    const ring = new HashmodHashring(eps(...file));
    expect(addrs(ring.endpointsFor(tenant, labelsFromRecord(Object.fromEntries(labels)), rf))).toEqual(expected);
    expect(new Set(expected).size).toBe(rf);
  });

  it('pins the literal answers of the table above (hash values printed once and re-typed)', () => {
    const ring = new HashmodHashring(eps('node3', 'node1', 'node2'));
    const series = labelsFromRecord({ foo: 'bar', baz: 'qux' });
    expect(addrs(ring.endpointsFor('tenant1', series, 3))).toEqual(PINNED_TENANT1);
    expect(xxh64(bytes('tenant1', [['baz', 'qux'], ['foo', 'bar']]), 0n)).toBe(PINNED_HASH);
  });

  it('orders nodes by address and refuses zones and too many replicas', () => {
    expect(addrs(new HashmodHashring(eps('c', 'a', 'b')).nodes())).toEqual(['a', 'b', 'c']);
    expect(() => new HashmodHashring([{ address: 'a', az: '1' }])).toThrow(/Hashmod algorithm does not support AZ aware hashring configuration/);
    expect(() => new HashmodHashring(eps('a', 'b')).endpointsFor('t', [], 3)).toThrow(InsufficientNodesError);
    expect(() => new HashmodHashring(eps('a', 'b')).endpointsFor('t', [], 3)).toThrow('insufficient nodes; have 2, want 3');
  });
});

describe('ketama', () => {
  // Upstream TestKetamaHashringGet (10 sections per node, tenant "tenant", series {pod="nginx"} unless noted;
  // upstream builds the ring with replication factor n+1 and asks for replica n).
  const upstream: { name: string; file: string[]; pod: string; n: number; expected: string }[] = [
    { name: 'base case', file: ['node-1', 'node-2', 'node-3'], pod: 'nginx', n: 0, expected: 'node-2' },
    { name: 'base case with replication', file: ['node-1', 'node-2', 'node-3'], pod: 'nginx', n: 1, expected: 'node-1' },
    { name: 'base case with replication', file: ['node-1', 'node-2', 'node-3'], pod: 'nginx', n: 2, expected: 'node-3' },
    { name: 'base case with replication and reordered nodes', file: ['node-1', 'node-3', 'node-2'], pod: 'nginx', n: 2, expected: 'node-3' },
    { name: 'base case with new node at beginning of ring', file: ['node-0', 'node-1', 'node-2', 'node-3'], pod: 'nginx', n: 0, expected: 'node-2' },
    { name: 'base case with new node at end of ring', file: ['node-1', 'node-2', 'node-3', 'node-4'], pod: 'nginx', n: 0, expected: 'node-2' },
    { name: 'base case with different timeseries', file: ['node-1', 'node-2', 'node-3'], pod: 'thanos', n: 0, expected: 'node-3' },
  ];
  it.each(upstream)('upstream: $name (replica $n of $file)', ({ file, pod, n, expected }) => {
    const ring = new KetamaHashring(eps(...file), { sectionsPerNode: 10, replicationFactor: n + 1 });
    const got = ring.endpointsFor('tenant', labelsFromRecord({ pod }), n + 1);
    expect(got[n]!.address).toBe(expected);
    expect(new Set(addrs(got)).size).toBe(n + 1);
  });

  it('upstream: the three replicas of {pod="nginx"} are node-2, node-1, node-3 in that order', () => {
    // Same upstream table read across its rows 1-3.
    const ring = new KetamaHashring(eps('node-1', 'node-2', 'node-3'), { sectionsPerNode: 10, replicationFactor: 3 });
    expect(addrs(ring.endpointsFor('tenant', labelsFromRecord({ pod: 'nginx' }), 3))).toEqual(['node-2', 'node-1', 'node-3']);
  });

  it('hand-computed: the series goes to the owner of the first section clockwise of its hash', () => {
    // Sections xxhash64("<address>:<i>"), i = 1..1000, computed here from the documented string with the library.
    const file = ['r-a:10901', 'r-b:10901', 'r-c:10901', 'r-d:10901'];
    const sections = file.flatMap((address) => Array.from({ length: 1000 }, (_, i) => ({ address, hash: xxh64(Buffer.from(`${address}:${i + 1}`), 0n) })))
      .sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
    const ring = new KetamaHashring(eps(...file), { replicationFactor: 2 });
    const hasher = new SeriesHasher();
    for (let i = 0; i < 200; i++) {
      const series = labelsFromRecord({ __name__: 'up', instance: `host-${i}` });
      const h = hasher.hash('team-a', series);
      const at = sections.findIndex((s) => s.hash >= h);
      const start = at === -1 ? 0 : at;
      const walk: string[] = [];
      for (let j = start; walk.length < 2; j = (j + 1) % sections.length) if (!walk.includes(sections[j]!.address)) walk.push(sections[j]!.address);
      expect(addrs(ring.endpointsFor('team-a', series, 2))).toEqual(walk);
    }
  });

  it('asking for more replicas than precomputed walks further and keeps the shorter answer as a prefix', () => {
    const ring1 = new KetamaHashring(eps('a', 'b', 'c', 'd', 'e'), { replicationFactor: 1 });
    const ring3 = new KetamaHashring(eps('a', 'b', 'c', 'd', 'e'), { replicationFactor: 3 });
    for (let i = 0; i < 100; i++) {
      const s = labelsFromRecord({ i: String(i) });
      const three = addrs(ring3.endpointsFor('t', s, 3));
      expect(addrs(ring1.endpointsFor('t', s, 3))).toEqual(three);
      expect(addrs(ring3.endpointsFor('t', s, 2))).toEqual(three.slice(0, 2));
      expect(new Set(addrs(ring1.endpointsFor('t', s, 5))).size).toBe(5);
    }
  });

  it('refuses fewer endpoints than the replication factor (upstream TestKetamaHashringBadConfigIsRejected)', () => {
    expect(() => new KetamaHashring(eps('node-1'), { sectionsPerNode: 1, replicationFactor: 2 })).toThrow(/ketama: amount of endpoints needs to be larger than replication factor/);
    expect(() => new KetamaHashring(eps('a', 'b'), { replicationFactor: 1 }).endpointsFor('t', [], 3)).toThrow('insufficient nodes; have 2, want 3');
  });

  it('adding an endpoint at the end only moves series onto the new endpoint (upstream TestKetamaHashringIncreaseAtEnd)', () => {
    const before = new KetamaHashring(eps('node-1', 'node-2', 'node-3'));
    const after = new KetamaHashring(eps('node-1', 'node-2', 'node-3', 'node-4', 'node-5'));
    let moved = 0;
    for (let i = 0; i < 10000; i++) {
      const s = labelsFromRecord({ pod: `nginx-${i}` });
      const a = before.endpointsFor('tenant', s, 1)[0]!.address;
      const b = after.endpointsFor('tenant', s, 1)[0]!.address;
      if (a !== b) {
        moved++;
        expect(['node-4', 'node-5']).toContain(b);
      }
    }
    // About 2/5 of the series should move; a hashmod-like reshuffle would move ~4/5.
    expect(moved).toBeGreaterThan(2500);
    expect(moved).toBeLessThan(5500);
  });

  it('routing is hashed once per series (sanity print of the rate, not an assertion)', () => {
    const ring = new KetamaHashring(Array.from({ length: 30 }, (_, i) => ({ address: `receive-${i}:10901`, az: `z${i % 3}` })), { replicationFactor: 3 });
    const hashmod = new HashmodHashring(Array.from({ length: 30 }, (_, i) => ({ address: `receive-${i}:10901`, az: '' })));
    const series = Array.from({ length: 20000 }, (_, i) => labelsFromRecord({ __name__: 'http_requests_total', instance: `10.0.${i >> 8}.${i & 255}:9090`, job: 'api', code: '200' }));
    for (const [name, r] of [['ketama', ring], ['hashmod', hashmod]] as const) {
      const t0 = performance.now();
      for (const s of series) r.endpointsFor('tenant-a', s, 3);
      const ms = performance.now() - t0;
      console.log(`${name}: ${(series.length / ms * 1000).toFixed(0)} series/s routed to 3 replicas over 30 endpoints`);
    }
    expect(ring.nodes()).toHaveLength(30);
  });
});

// Printed once (node -e with @node-rs/xxhash over the bytes above) and re-typed: 17173146714014034550 mod 3 = 1,
// so over [node1, node2, node3] replica 0 is node2, then node3, then node1.
const PINNED_TENANT1 = ['node2', 'node3', 'node1'];
const PINNED_HASH = 17173146714014034550n;
