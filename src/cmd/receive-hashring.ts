// The receive mode's hashring flags, read and turned into a HashringSource plus its watcher actor, for the receive
// wiring (receive.ts / receive-build.ts) to call once the forwarder lands (#23); until then the flags stay refused.
import type { Registry } from 'prom-client';
import type { Logger } from '../runtime/logger.js';
import type { Actor } from '../runtime/run-group.js';
import type { HashringAlgorithm } from '../receive/hashring/config.js';
import { parseHashringAlgorithm } from '../receive/hashring/config.js';
import type { HashringSource } from '../receive/hashring/watcher.js';
import { loadHashringsConfig } from '../receive/hashring/watcher.js';
import type { FlagReader } from './flags.js';
import { FlagError } from './flags.js';

/** What the five hashring flags say (part of ReceiveOptions). */
export interface HashringFlags {
  /** --receive.hashrings-file; wins over `content`, as upstream (lower priority, not exclusive). */
  readonly file: string | undefined;
  /** --receive.hashrings. */
  readonly content: string | undefined;
  readonly algorithm: HashringAlgorithm;
  readonly refreshIntervalMs: number;
  /** --receive.local-endpoint: this node's address in the file (matched against address or capnproto_address). */
  readonly localEndpoint: string | undefined;
}

export function readHashringFlags(f: FlagReader): HashringFlags {
  const algorithm = parseHashringAlgorithm(f.string('receive.hashrings-algorithm'), '--receive.hashrings-algorithm');
  const refreshIntervalMs = f.durationMs('receive.hashrings-file-refresh-interval');
  if (refreshIntervalMs <= 0) throw new FlagError('receive.hashrings-file-refresh-interval', f.string('receive.hashrings-file-refresh-interval'), 'must be positive');
  return {
    file: f.optionalString('receive.hashrings-file'),
    content: f.optionalString('receive.hashrings'),
    algorithm,
    refreshIntervalMs,
    localEndpoint: f.optionalString('receive.local-endpoint'),
  };
}

/** Upstream's three modes (compact-receive-rule §2.1), from whether a hashring and a local endpoint are given. */
export type ReceiverMode = 'RouterOnly' | 'IngestorOnly' | 'RouterIngestor';

export function receiverMode(flags: HashringFlags): ReceiverMode {
  if (flags.file === undefined && flags.content === undefined) return 'IngestorOnly';
  return flags.localEndpoint === undefined ? 'RouterOnly' : 'RouterIngestor';
}

/**
 * Loads the hashring (fatal ConfigError when unusable at startup) and the actor that watches its file; undefined
 * in IngestorOnly mode. `replicationFactor` is --receive.replication-factor.
 */
export function buildHashringSource(flags: HashringFlags, replicationFactor: number, logger: Logger, registry: Registry): { source: HashringSource; actor: Actor } | undefined {
  const source = loadHashringsConfig({ ...flags, replicationFactor, logger, registry });
  if (!source) return undefined;
  return { source, actor: { name: 'hashrings-watcher', run: (signal) => source.run(signal) } };
}
