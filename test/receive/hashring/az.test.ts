// Ketama spreads a series' replicas over availability zones (compact-receive-rule §2.5): cases re-typed from upstream's
// TestKetamaHashringEvenAZSpread / EvenNodeSpread / ReplicationConsistencyWithAZs, plus the case upstream loops on.
import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../../../src/receive/hashring/hashring.js';
import { KetamaHashring } from '../../../src/receive/hashring/ketama.js';
import { labelsFromRecord } from '../../../src/tsdb/labels/labels.js';

const ring = (spec: string): Endpoint[] => spec.split(' ').map((p) => {
  const [address, az] = p.split('@');
  return { address: address!, az: az ?? '' };
});

describe('ketama zone spreading', () => {
  const even: { nodes: string; rf: number }[] = [
    { nodes: 'a@1 b@2 c@1 d@2', rf: 1 },
    { nodes: 'a b c d', rf: 1 },
    { nodes: 'a@1 b@2 c@1 d@2', rf: 2 },
    { nodes: 'a@1 b@2 c@3 d@1 e@2 f@3', rf: 3 },
    { nodes: 'a b c d e f g', rf: 3 },
    { nodes: 'a@1 b@2 c@3 d@1 e@2 f@3 g@4 h@4 i@4 j@5 k@5 l@5', rf: 10 },
  ];
  it.each(even)('upstream EvenAZSpread: $nodes rf=$rf uses min(rf, zones) zones, counts within 1', ({ nodes, rf }) => {
    const eps = ring(nodes);
    const r = new KetamaHashring(eps, { replicationFactor: rf });
    const zones = new Set(eps.map((e) => e.az));
    for (let i = 0; i < 200; i++) {
      const got = r.endpointsFor('default-tenant', labelsFromRecord({ foo: `bar-${i}` }), rf);
      expect(new Set(got.map((e) => e.address)).size).toBe(rf);
      const spread = new Map<string, number>();
      for (const e of got) spread.set(e.az, (spread.get(e.az) ?? 0) + 1);
      expect(spread.size).toBe(Math.min(rf, zones.size));
      const counts = [...spread.values()];
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  const nodeSpread: { nodes: string; rf: number; series: number }[] = [
    { nodes: 'a@1 b@2 c@1 d@2', rf: 2, series: 1000 },
    { nodes: 'a b c d', rf: 2, series: 1000 },
    { nodes: 'a@1 b@2 c@3 d@2 e@1 f@3', rf: 3, series: 10000 },
    { nodes: 'a@1 b@2 c@3 d@2 e@1 f@3 g@1 h@2 i@3', rf: 2, series: 10000 },
    { nodes: 'a@1 b@2 c@3 d@2 e@1 f@3 g@1 h@2 i@3', rf: 9, series: 10000 },
  ];
  it.each(nodeSpread)('upstream EvenNodeSpread: $nodes rf=$rf, every node within 10% of its fair share', ({ nodes, rf, series }) => {
    const eps = ring(nodes);
    const r = new KetamaHashring(eps, { replicationFactor: rf });
    const perNode = new Map<string, number>();
    for (let i = 0; i < series; i++) {
      for (const e of r.endpointsFor('default-tenant', labelsFromRecord({ foo: String(i) }), rf)) perNode.set(e.address, (perNode.get(e.address) ?? 0) + 1);
    }
    const fair = (series * rf) / eps.length;
    for (const [node, n] of perNode) expect(Math.abs(n - fair) / fair, node).toBeLessThan(0.1);
  });

  const growth: { before: string; after: string; rf: number }[] = [
    { before: 'a@1 b@2 c@3', after: 'b@2 c@3 a@1 d@2 e@4', rf: 3 },
    { before: 'a@1 b@2 c@3', after: 'a@1 b@2 c@3 d@1 e@2 f@3', rf: 3 },
    { before: 'a@1 b@2 c@3', after: 'a@1 b@2 c@3 d@4 e@5 f@6', rf: 2 },
    { before: 'a@1 c@2 f@3', after: 'a@1 b@1 c@2 d@2 f@3', rf: 2 },
  ];
  it.each(growth)('upstream ReplicationConsistencyWithAZs: growing $before to $after gives old nodes no new series', ({ before, after, rf }) => {
    const r0 = new KetamaHashring(ring(before), { replicationFactor: rf });
    const r1 = new KetamaHashring(ring(after), { replicationFactor: rf });
    const old = new Set(ring(before).map((e) => e.address));
    for (let i = 0; i < 3000; i++) {
      const s = labelsFromRecord({ pod: `nginx-${i}` });
      const had = new Set(r0.endpointsFor('tenant', s, rf).map((e) => e.address));
      for (const e of r1.endpointsFor('tenant', s, rf)) if (old.has(e.address)) expect(had.has(e.address), `${e.address} got {pod="nginx-${i}"}`).toBe(true);
    }
  });

  it('zones of 1 and 3 endpoints with 4 replicas still answer (upstream would loop forever), all distinct', () => {
    const r = new KetamaHashring(ring('a@x b@y c@y d@y'), { replicationFactor: 4, sectionsPerNode: 50 });
    const got = r.endpointsFor('t', labelsFromRecord({ a: '1' }), 4).map((e) => e.address);
    expect(new Set(got)).toEqual(new Set(['a', 'b', 'c', 'd']));
    // The first two replicas still cover both zones.
    const two = r.endpointsFor('t', labelsFromRecord({ a: '1' }), 2);
    expect(new Set(two.map((e) => e.az))).toEqual(new Set(['x', 'y']));
  });
});
