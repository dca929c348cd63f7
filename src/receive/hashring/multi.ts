// The router's view of a whole hashrings file: one ring per entry, the first whose tenants match routes a tenant
// (a ring without tenants takes everyone), remembered per tenant. What the forwarder asks for every series.

import { ConfigError, ThanosError } from '../../runtime/errors.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import type { ConfiguredEndpoint, HashringAlgorithm, HashringConfig } from './config.js';
import { HashmodHashring } from './hashmod.js';
import type { Endpoint, Hashring } from './hashring.js';
import { KetamaHashring } from './ketama.js';

/** No ring of the file takes this tenant (upstream answers 500). */
export class NoMatchingHashringError extends ThanosError {
  constructor(readonly tenant: string) {
    super('THANOS_INVALID_ARGUMENT', `no matching hashring to handle tenant ${JSON.stringify(tenant)}`);
  }
}

export interface RingOptions {
  /** --receive.hashrings-algorithm: for rings that name none. */
  readonly algorithm: HashringAlgorithm;
  /** --receive.replication-factor: ketama precomputes this many replicas and refuses smaller rings. */
  readonly replicationFactor: number;
}

/** One ring of the file, built. */
export interface TenantRing {
  readonly config: HashringConfig;
  readonly algorithm: HashringAlgorithm;
  readonly ring: Hashring;
}

/** Builds one ring with its algorithm; errors name the ring. */
export function buildRing(config: HashringConfig, index: number, options: RingOptions): TenantRing {
  const algorithm = config.algorithm ?? options.algorithm;
  const where = `hashrings[${index}]${config.name ? ` (${JSON.stringify(config.name)})` : ''}`;
  if (config.shuffleShardSize > 0) {
    if (algorithm === 'hashmod') {
      throw new ConfigError('hashmod algorithm does not support shuffle sharding. Either use Ketama or remove shuffle sharding configuration', { where: `${where}.shuffle_sharding_config` });
    }
    throw new ConfigError('shuffle sharding is not supported by thanos-ts yet; remove shuffle_sharding_config (or set shard_size to 0)', { where: `${where}.shuffle_sharding_config` });
  }
  try {
    const ring = algorithm === 'ketama'
      ? new KetamaHashring(config.endpoints, { replicationFactor: options.replicationFactor, name: config.name })
      : new HashmodHashring(config.endpoints, config.name);
    return { config, algorithm, ring };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.message, { where, cause: err });
    throw err;
  }
}

const TENANT_CACHE_LIMIT = 100_000;

export class MultiHashring implements Hashring {
  readonly rings: readonly TenantRing[];
  private readonly cache = new Map<string, TenantRing>();
  private readonly allNodes: readonly ConfiguredEndpoint[];

  constructor(configs: readonly HashringConfig[], options: RingOptions) {
    this.rings = configs.map((c, i) => buildRing(c, i, options));
    const byAddress = new Map<string, ConfiguredEndpoint>();
    for (const c of configs) for (const e of c.endpoints) if (!byAddress.has(e.address)) byAddress.set(e.address, e);
    this.allNodes = [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  }

  /** The ring a tenant's series go to: the first ring, in file order, with no tenants or with a matching one. */
  ringFor(tenant: string): TenantRing {
    const hit = this.cache.get(tenant);
    if (hit) return hit;
    const found = this.rings.find((r) => r.config.tenants === null || r.config.tenants.matches(tenant));
    if (!found) throw new NoMatchingHashringError(tenant);
    // Tenants come from request headers: bound the memo so a stream of made-up tenants cannot grow it forever.
    if (this.cache.size >= TENANT_CACHE_LIMIT) this.cache.clear();
    this.cache.set(tenant, found);
    return found;
  }

  endpointsFor(tenant: string, labels: Labels, replicas: number): readonly Endpoint[] {
    return this.ringFor(tenant).ring.endpointsFor(tenant, labels, replicas);
  }

  /** Every endpoint of every ring, distinct by address (the first ring's entry wins), sorted by address. */
  nodes(): readonly ConfiguredEndpoint[] {
    return this.allNodes;
  }
}
