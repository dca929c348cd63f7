// The objstore config loader behind --objstore.config-file / --objstore.config: `type` (any case), `config`, `prefix`,
// with env substitution `$(VAR)` as upstream, strict fields, file/line in errors, and secrets never logged.
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isScalar } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Registry } from 'prom-client';
import type { Logger } from '../runtime/logger.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { parseYamlDocument } from '../runtime/yaml-fields.js';
import type { Bucket } from './bucket.js';
import { FieldReader } from './config-fields.js';
import type { ConfigContext } from './config-fields.js';
import type { ProviderRegistry } from './registry.js';
import { builtinProviders } from './providers/index.js';
import { PrefixedBucket } from './prefixed.js';
import { TracedBucket } from './traced.js';
import { InstrumentedBucket } from './instrumented.js';

/** A validated objstore config. `config` is whatever the provider's parse() returned. */
export interface BucketConfig {
  /** Canonical upper-case type. */
  readonly type: string;
  readonly config: unknown;
  /** Key prefix for every object ('' for none). */
  readonly prefix: string;
  /** File path or flag it came from, for messages. */
  readonly where: string;
}

export interface BucketConfigSource {
  /** --objstore.config-file */
  readonly file?: string | undefined;
  /** --objstore.config (YAML content) */
  readonly inline?: string | undefined;
}

export const CONFIG_FILE_FLAG = '--objstore.config-file';
export const CONFIG_FLAG = '--objstore.config';

/** Whether either flag was given (components where a bucket is optional, like the sidecar, ask this first). */
export function hasBucketConfig(src: BucketConfigSource): boolean {
  return (src.file ?? '') !== '' || (src.inline ?? '') !== '';
}

/**
 * Reads and validates the config from the file or the inline flag (exactly one must be set). Throws ConfigError
 * naming the file (or flag), the field and its line for: unreadable file, bad YAML, unset `$(VAR)`, unknown `type`,
 * unknown or missing fields. Deprecated keys are accepted with one warning each.
 */
export async function loadBucketConfig(src: BucketConfigSource, logger: Logger, registry: ProviderRegistry = builtinProviders()): Promise<BucketConfig> {
  const file = src.file ?? '';
  const inline = src.inline ?? '';
  if (file !== '' && inline !== '') throw new ConfigError(`both ${CONFIG_FILE_FLAG} and ${CONFIG_FLAG} are set; use one`);
  if (file === '' && inline === '') throw new ConfigError(`no bucket configured: set ${CONFIG_FILE_FLAG} or ${CONFIG_FLAG}`);
  let text = inline;
  const where = file !== '' ? file : CONFIG_FLAG;
  if (file !== '') {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`reading object storage config: ${errorMessage(err)}`, { where, cause: err });
    }
  }
  return parseBucketConfig(text, where, logger, registry);
}

/** Parses config text; `where` names its origin in errors. */
export function parseBucketConfig(text: string, where: string, logger: Logger, registry: ProviderRegistry = builtinProviders()): BucketConfig {
  const expanded = expandEnv(text, where);
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseYamlDocument>;
  try {
    doc = parseYamlDocument(expanded, { lineCounter: lines, uniqueKeys: true });
  } catch (err) {
    throw new ConfigError(`parsing object storage config YAML: ${errorMessage(err)}`, { where, cause: err });
  }
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ConfigError(`parsing object storage config YAML (line ${e.linePos?.[0].line ?? '?'}): ${e.message.split('\n')[0]}`, { where });
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // An alias to an undefined anchor, or one expanding past the alias limit, only fails when converting.
    throw new ConfigError(`parsing object storage config YAML: ${errorMessage(err)}`, { where, cause: err });
  }
  if (raw === null || raw === undefined) throw new ConfigError('object storage config is empty', { where });
  const ctx: ConfigContext = {
    where, logger,
    lineOf: (path) => {
      const node = keyNode(doc.contents, path);
      return node?.range ? lines.linePos(node.range[0]).line : undefined;
    },
  };
  const top = FieldReader.of(raw, [], ctx, 'object storage config');
  const typeName = top.string('type');
  const prefix = top.string('prefix').replace(/^\/+|\/+$/g, '');
  const fields = top.child('config');
  top.done();
  if (typeName === '') throw top.error('type', `is required (one of ${registry.types().join(', ')})`);
  const provider = registry.get(typeName);
  if (!provider) {
    throw top.error('type', `${JSON.stringify(typeName)} is not a supported object storage type (supported: ${registry.types().join(', ')})`);
  }
  const config = provider.parse(fields);
  return { type: provider.type, config, prefix, where };
}

export interface CreateBucketOptions {
  readonly logger: Logger;
  readonly registry?: ProviderRegistry;
  /** When set, the bucket is wrapped with upstream's thanos_objstore_bucket_* metrics registered here. */
  readonly metrics?: Registry;
  /** --tracing.config is on: every operation is a span (upstream's objstore.TracingBucket). */
  readonly tracing?: boolean | undefined;
}

/** Builds the provider's bucket, wrapped with the prefix and (optionally) metrics. */
export async function createBucket(config: BucketConfig, options: CreateBucketOptions): Promise<Bucket> {
  const registry = options.registry ?? builtinProviders();
  const provider = registry.get(config.type);
  if (!provider) throw new ConfigError(`object storage type ${config.type} is not registered`, { where: config.where });
  const logger = options.logger.with({ component: 'objstore', provider: config.type });
  let bucket = await provider.create(config.config, { logger });
  logger.debug('object storage bucket created', { bucket: bucket.name, prefix: config.prefix });
  if (config.prefix !== '') bucket = new PrefixedBucket(bucket, config.prefix);
  if (options.metrics) bucket = new InstrumentedBucket(bucket, options.metrics);
  if (options.tracing) bucket = new TracedBucket(bucket);
  return bucket;
}

/** Replaces `$(NAME)` with the environment variable's value, as upstream's env substitution does. */
export function expandEnv(text: string, where: string, env: NodeJS.ProcessEnv = process.env): string {
  return text.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) throw new ConfigError(`found reference to unset environment variable ${JSON.stringify(name)}`, { where });
    return v;
  });
}

/** The key node at `path` in a YAML document, for line numbers. */
function keyNode(root: unknown, path: readonly string[]): YamlNode | undefined {
  let cur: unknown = root;
  let key: YamlNode | undefined;
  for (const p of path) {
    if (!isMap(cur)) return key;
    const pair = cur.items.find((it) => isScalar(it.key) && String(it.key.value) === p);
    if (!pair) return key;
    key = isScalar(pair.key) ? pair.key : undefined;
    cur = pair.value;
  }
  return key;
}
