// Upstream's `hashmod` ring (simpleHashring): endpoints sorted by address, replica n of a series goes to
// endpoints[(hash + n) mod len] with uint64 wrap-around. Cheap, but any endpoint change moves most series.

import { ConfigError } from '../../runtime/errors.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import type { Endpoint, Hashring } from './hashring.js';
import { InsufficientNodesError } from './insufficient-nodes.js';
import { SeriesHasher } from './series-hash.js';

const U64 = (1n << 64n) - 1n;

export class HashmodHashring implements Hashring {
  private readonly endpoints: readonly Endpoint[];
  private readonly len: bigint;
  private readonly hasher = new SeriesHasher();

  /** `name` only labels errors. Refuses AZs, as upstream does (hashmod cannot spread over zones). */
  constructor(endpoints: readonly Endpoint[], private readonly name = '') {
    if (endpoints.some((e) => e.az !== '')) {
      throw new ConfigError('Hashmod algorithm does not support AZ aware hashring configuration. Either use Ketama or remove AZ configuration.');
    }
    // Upstream sorts by address (Go string compare = bytewise on UTF-8; addresses are ASCII in practice).
    this.endpoints = [...endpoints].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    this.len = BigInt(endpoints.length);
  }

  endpointsFor(tenant: string, labels: Labels, replicas: number): readonly Endpoint[] {
    if (replicas > this.endpoints.length) throw new InsufficientNodesError(this.endpoints.length, replicas, this.name);
    const h = this.hasher.hash(tenant, labels);
    const out: Endpoint[] = [];
    for (let n = 0; n < replicas; n++) out.push(this.endpoints[Number(((h + BigInt(n)) & U64) % this.len)]!);
    return out;
  }

  nodes(): readonly Endpoint[] {
    return this.endpoints;
  }
}
