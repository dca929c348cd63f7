// Upstream's `ketama` ring (consistent hashing): each endpoint owns `sectionsPerNode` (1000) points on a uint64
// circle at xxhash64("<address>:<i>"), i = 1..1000; a series goes to the first section clockwise from its hash and
// its replicas to the next distinct endpoints, spreading over availability zones. Adding an endpoint moves only
// the series that land on its new sections.

import { ConfigError } from '../../runtime/errors.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import type { Endpoint, Hashring } from './hashring.js';
import { InsufficientNodesError } from './insufficient-nodes.js';
import { SeriesHasher, stringHash } from './series-hash.js';

/** Upstream's SectionsPerNode. */
export const SECTIONS_PER_NODE = 1000;

export interface KetamaOptions {
  /** Replicas precomputed per section (upstream's replication factor); more can still be asked for. Default 1. */
  readonly replicationFactor?: number;
  /** Points per endpoint on the circle; upstream's tests use 10, production 1000. */
  readonly sectionsPerNode?: number;
  /** Only labels errors. */
  readonly name?: string;
}

export class KetamaHashring implements Hashring {
  private readonly endpoints: readonly Endpoint[];
  /** Section hashes, ascending. */
  private readonly hashes: BigUint64Array;
  /** Endpoint index of each section (same order as `hashes`). */
  private readonly owner: Uint32Array;
  /** Zone index of each endpoint. */
  private readonly zoneOf: Uint32Array;
  private readonly zones: number;
  /** Precomputed replica endpoints: `rf` entries per section. */
  private readonly table: Uint32Array;
  private readonly rf: number;
  private readonly name: string;
  private readonly hasher = new SeriesHasher();

  constructor(endpoints: readonly Endpoint[], options: KetamaOptions = {}) {
    const rf = options.replicationFactor ?? 1;
    const perNode = options.sectionsPerNode ?? SECTIONS_PER_NODE;
    this.name = options.name ?? '';
    if (endpoints.length < rf) {
      throw new ConfigError(`ketama: amount of endpoints needs to be larger than replication factor (have ${endpoints.length}, replication factor ${rf})`);
    }
    // Ketama keeps the file's order: an endpoint's index is its position, its sections depend only on its address.
    this.endpoints = [...endpoints];
    const zoneIds = new Map<string, number>();
    this.zoneOf = new Uint32Array(endpoints.length);
    endpoints.forEach((e, i) => {
      let z = zoneIds.get(e.az);
      if (z === undefined) zoneIds.set(e.az, (z = zoneIds.size));
      this.zoneOf[i] = z;
    });
    this.zones = zoneIds.size;

    const total = endpoints.length * perNode;
    const rawHash = new BigUint64Array(total);
    const rawOwner = new Uint32Array(total);
    // The hash split in two 32-bit halves: sorting 1000 × N sections by number pairs is several times faster than
    // by bigint, and a reload must not stall the router for long.
    const hi = new Uint32Array(total);
    const lo = new Uint32Array(total);
    let k = 0;
    endpoints.forEach((e, i) => {
      for (let s = 1; s <= perNode; s++, k++) {
        const h = stringHash(`${e.address}:${s}`);
        rawHash[k] = h;
        hi[k] = Number(h >> 32n);
        lo[k] = Number(h & 0xffffffffn);
        rawOwner[k] = i;
      }
    });
    const order = new Uint32Array(total);
    for (let i = 0; i < total; i++) order[i] = i;
    order.sort((a, b) => hi[a]! - hi[b]! || lo[a]! - lo[b]!);
    this.hashes = new BigUint64Array(total);
    this.owner = new Uint32Array(total);
    for (let to = 0; to < total; to++) {
      const from = order[to]!;
      this.hashes[to] = rawHash[from]!;
      this.owner[to] = rawOwner[from]!;
    }

    this.rf = rf;
    this.table = new Uint32Array(total * rf);
    const chosen: number[] = [];
    const spread = new Int32Array(this.zones);
    for (let s = 0; s < total; s++) {
      this.walkInto(s, rf, chosen, spread);
      for (let n = 0; n < rf; n++) this.table[s * rf + n] = chosen[n]!;
    }
  }

  private walk(start: number, count: number): number[] {
    const chosen: number[] = [];
    this.walkInto(start, count, chosen, new Int32Array(this.zones));
    return chosen;
  }

  /**
   * The first `count` distinct endpoints clockwise from section `start` (upstream calculateSectionReplicas):
   * skip an endpoint already chosen, or, when there is more than one zone, one whose zone already holds more
   * replicas than the least-used zone. Decisions never depend on `count`, so a shorter walk is a prefix of a
   * longer one. Where upstream would loop forever (every unchosen endpoint sits in an over-used zone, e.g. zones
   * of 1 and 3 endpoints with 4 replicas), after one full lap without a pick the zone rule is dropped.
   */
  private walkInto(start: number, count: number, chosen: number[], spread: Int32Array): void {
    chosen.length = 0;
    spread.fill(0);
    const n = this.hashes.length;
    let j = start;
    let sinceLastPick = 0;
    let zoneRule = this.zones > 1;
    while (chosen.length < count) {
      const ep = this.owner[j]!;
      j = j + 1 === n ? 0 : j + 1;
      if (++sinceLastPick > n) zoneRule = false;
      if (chosen.includes(ep)) continue;
      if (zoneRule) {
        const z = spread[this.zoneOf[ep]!]!;
        if (z > 0) {
          let min = z;
          for (const c of spread) if (c < min) min = c;
          if (z > min) continue;
        }
      }
      chosen.push(ep);
      spread[this.zoneOf[ep]!]!++;
      sinceLastPick = 0;
    }
  }

  /** Index of the first section whose hash is ≥ h, wrapping to 0 past the last. */
  private sectionFor(h: bigint): number {
    let lo = 0;
    let hi = this.hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.hashes[mid]! >= h) hi = mid;
      else lo = mid + 1;
    }
    return lo === this.hashes.length ? 0 : lo;
  }

  endpointsFor(tenant: string, labels: Labels, replicas: number): readonly Endpoint[] {
    if (replicas > this.endpoints.length) throw new InsufficientNodesError(this.endpoints.length, replicas, this.name);
    if (replicas <= 0) return [];
    const s = this.sectionFor(this.hasher.hash(tenant, labels));
    const out: Endpoint[] = [];
    if (replicas <= this.rf) {
      for (let n = 0; n < replicas; n++) out.push(this.endpoints[this.table[s * this.rf + n]!]!);
    } else {
      for (const ep of this.walk(s, replicas)) out.push(this.endpoints[ep]!);
    }
    return out;
  }

  nodes(): readonly Endpoint[] {
    return this.endpoints;
  }
}
