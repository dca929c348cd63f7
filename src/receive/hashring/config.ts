// Upstream's hashrings JSON (--receive.hashrings-file / --receive.hashrings, pkg/receive/config.go): an array of
// rings, each with its tenants, matcher, endpoints (strings or {address, capnproto_address, az}), algorithm and
// external labels. Parsed into checked values; every error names the ring index and field.

import { ConfigError, errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { Labels } from '../../tsdb/labels/labels.js';
import { labelsFromRecord } from '../../tsdb/labels/labels.js';
import { compileGlob } from './glob.js';
import type { Endpoint } from './hashring.js';

export const ALGORITHMS = ['hashmod', 'ketama'] as const;
export type HashringAlgorithm = (typeof ALGORITHMS)[number];

/** Upstream's DefaultCapNProtoPort: a string endpoint gets `<host>:19391` for Cap'n Proto replication. */
export const DEFAULT_CAPNPROTO_PORT = '19391';

/** An endpoint as the file gives it: the Hashring seam's fields plus the Cap'n Proto address. */
export interface ConfiguredEndpoint extends Endpoint {
  readonly capnprotoAddress: string;
}

export interface TenantMatcher {
  readonly type: 'exact' | 'glob';
  readonly tenants: readonly string[];
  /** Whether this ring takes the tenant (rings without tenants take every tenant). */
  matches(tenant: string): boolean;
}

export interface HashringConfig {
  /** `hashring`: the ring's name ('' when unnamed); labels metrics and errors. */
  readonly name: string;
  /** null = no `tenants`: the catch-all ring. */
  readonly tenants: TenantMatcher | null;
  readonly endpoints: readonly ConfiguredEndpoint[];
  /** `algorithm`; undefined = use --receive.hashrings-algorithm. */
  readonly algorithm: HashringAlgorithm | undefined;
  readonly externalLabels: Labels;
  /** shuffle_sharding_config.shard_size; 0 = off. */
  readonly shuffleShardSize: number;
}

const RING_KEYS = ['hashring', 'tenants', 'tenant_matcher_type', 'endpoints', 'algorithm', 'external_labels', 'shuffle_sharding_config'];
const ENDPOINT_KEYS = ['address', 'capnproto_address', 'az'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(v: unknown, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new ConfigError(`expected a string, got ${JSON.stringify(v)}`, { where });
  return v;
}

function strings(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new ConfigError(`expected an array of strings, got ${JSON.stringify(v)}`, { where });
  return v.map((s, i) => str(s, `${where}[${i}]`));
}

/** Go json.Unmarshal ignores unknown keys, so a file that works upstream must load; say so instead of failing. */
function warnUnknown(o: Obj, keys: readonly string[], where: string, logger: Logger | undefined): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) logger?.warn('unknown field in hashrings config is ignored', { where, field: k });
}

function endpoint(v: unknown, where: string, logger: Logger | undefined): ConfiguredEndpoint {
  let address: string;
  let capnp = '';
  let az = '';
  if (typeof v === 'string') {
    address = v;
  } else if (isObj(v)) {
    warnUnknown(v, ENDPOINT_KEYS, where, logger);
    address = str(v.address, `${where}.address`);
    capnp = str(v.capnproto_address, `${where}.capnproto_address`);
    az = str(v.az, `${where}.az`);
  } else {
    throw new ConfigError(`expected an address string or an object {address, capnproto_address, az}, got ${JSON.stringify(v)}`, { where });
  }
  if (address === '') throw new ConfigError('endpoint address must be set', { where });
  // Upstream: host part before the first ':' plus the default Cap'n Proto port.
  if (capnp === '') capnp = `${address.split(':')[0]}:${DEFAULT_CAPNPROTO_PORT}`;
  return { address, capnprotoAddress: capnp, az };
}

function tenantMatcher(tenants: string[], type: 'exact' | 'glob', where: string): TenantMatcher {
  if (type === 'exact') {
    const set = new Set(tenants);
    return { type, tenants, matches: (t) => set.has(t) };
  }
  const globs = tenants.map((p, i) => compileGlob(p, `${where}.tenants[${i}]`));
  return { type, tenants, matches: (t) => globs.some((g) => g.test(t)) };
}

function ring(v: unknown, where: string, logger: Logger | undefined): HashringConfig {
  if (!isObj(v)) throw new ConfigError(`expected a hashring object, got ${JSON.stringify(v)}`, { where });
  warnUnknown(v, RING_KEYS, where, logger);
  const name = str(v.hashring, `${where}.hashring`);
  const tenants = strings(v.tenants, `${where}.tenants`);
  const mt = str(v.tenant_matcher_type, `${where}.tenant_matcher_type`);
  if (mt !== '' && mt !== 'exact' && mt !== 'glob') {
    throw new ConfigError(`unknown tenant matcher type ${JSON.stringify(mt)} (want exact or glob)`, { where: `${where}.tenant_matcher_type` });
  }
  if (!Array.isArray(v.endpoints)) throw new ConfigError(`expected an array of endpoints, got ${JSON.stringify(v.endpoints ?? null)}`, { where: `${where}.endpoints` });
  if (v.endpoints.length === 0) throw new ConfigError('a hashring needs at least one endpoint', { where: `${where}.endpoints` });
  const endpoints = v.endpoints.map((e, i) => endpoint(e, `${where}.endpoints[${i}]`, logger));
  const seen = new Map<string, number>();
  endpoints.forEach((e, i) => {
    const first = seen.get(e.address);
    if (first !== undefined) throw new ConfigError(`address ${JSON.stringify(e.address)} repeats endpoints[${first}]`, { where: `${where}.endpoints[${i}]` });
    seen.set(e.address, i);
  });
  const alg = str(v.algorithm, `${where}.algorithm`);
  let algorithm: HashringAlgorithm | undefined;
  if (alg === 'hashmod' || alg === 'ketama') algorithm = alg;
  else if (alg !== '') {
    // As upstream: an unknown algorithm is not fatal, the ring falls back to hashmod.
    logger?.warn('Unrecognizable hashring algorithm. Fall back to hashmod algorithm.', { where: `${where}.algorithm`, algorithm: alg, hashring: name });
    algorithm = 'hashmod';
  }
  let externalLabels: Labels = [];
  if (v.external_labels !== undefined && v.external_labels !== null) {
    if (!isObj(v.external_labels)) throw new ConfigError(`expected a map of label names to values, got ${JSON.stringify(v.external_labels)}`, { where: `${where}.external_labels` });
    const rec: Record<string, string> = {};
    for (const [k, lv] of Object.entries(v.external_labels)) {
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) throw new ConfigError(`invalid label name ${JSON.stringify(k)}`, { where: `${where}.external_labels` });
      rec[k] = str(lv, `${where}.external_labels.${k}`);
    }
    externalLabels = labelsFromRecord(rec);
  }
  let shuffleShardSize = 0;
  const ss = v.shuffle_sharding_config;
  if (ss !== undefined && ss !== null) {
    if (!isObj(ss)) throw new ConfigError(`expected an object, got ${JSON.stringify(ss)}`, { where: `${where}.shuffle_sharding_config` });
    const size = ss.shard_size ?? 0;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw new ConfigError(`expected a non-negative integer, got ${JSON.stringify(size)}`, { where: `${where}.shuffle_sharding_config.shard_size` });
    }
    shuffleShardSize = size;
  }
  return {
    name,
    tenants: tenants.length === 0 ? null : tenantMatcher(tenants, mt === 'glob' ? 'glob' : 'exact', where),
    endpoints, algorithm, externalLabels, shuffleShardSize,
  };
}

/**
 * Parses the hashrings JSON. `source` (the file, or the flag) prefixes every error. An empty file or an empty array
 * is an error, as upstream's watcher treats it (it would route nothing).
 */
export function parseHashringsConfig(text: string, source: string, logger?: Logger): HashringConfig[] {
  if (text.trim() === '') throw new ConfigError('configuration file is empty', { where: source });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`configuration file is not parsable: ${errorMessage(err)}`, { where: source });
  }
  if (!Array.isArray(doc)) throw new ConfigError('expected a JSON array of hashrings', { where: source });
  if (doc.length === 0) throw new ConfigError('configuration file is empty (no hashrings)', { where: source });
  return doc.map((r, i) => ring(r, `${source}: hashrings[${i}]`, logger));
}
