// Where the router gets its Hashring: the hashrings file, watched (fs.watch on its directory, plus a re-read every
// --receive.hashrings-file-refresh-interval), or the inline --receive.hashrings content. A new file that is empty or
// invalid keeps the ring in use (logged, counted); an invalid file at startup is fatal, as upstream.

import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Registry } from 'prom-client';
import { ConfigError, errorMessage } from '../../runtime/errors.js';
import type { Logger } from '../../runtime/logger.js';
import type { HashringConfig } from './config.js';
import { parseHashringsConfig } from './config.js';
import type { HashringsMetrics } from './metrics.js';
import { configHashValue, createHashringsMetrics } from './metrics.js';
import type { RingOptions } from './multi.js';
import { MultiHashring } from './multi.js';

/** What the forwarder holds: the ring to route with now, and word when it is replaced. */
export interface HashringSource {
  /** The ring in use; replaced as a whole on a good reload, never mutated. */
  current(): MultiHashring;
  /** Calls `listener` with each new ring after it became current. Returns the unsubscribe function. */
  onChange(listener: (ring: MultiHashring) => void): () => void;
  /** Watches until `signal` aborts (a no-op for inline content). */
  run(signal: AbortSignal): Promise<void>;
}

export interface LoadHashringsOptions extends RingOptions {
  /** --receive.hashrings-file ('' or undefined = none). Wins over `content`, as upstream. */
  readonly file?: string | undefined;
  /** --receive.hashrings ('' or undefined = none). */
  readonly content?: string | undefined;
  /** --receive.hashrings-file-refresh-interval in ms (default 5m). */
  readonly refreshIntervalMs?: number;
  readonly logger: Logger;
  /** Where the upstream config metrics go (file only); omitted in tools. */
  readonly registry?: Registry | undefined;
}

export const DEFAULT_REFRESH_INTERVAL_MS = 5 * 60_000;

/**
 * The entry point for `thanos-ts receive`: undefined when neither flag is given (IngestorOnly mode), else the
 * source of the ring. Throws ConfigError when the file or content is unusable at startup.
 */
export function loadHashringsConfig(options: LoadHashringsOptions): HashringSource | undefined {
  if (options.file) return new HashringsFileWatcher(options.file, options);
  if (options.content) return new StaticHashringSource(options.content, options);
  return undefined;
}

/** Parses and builds in one step, so a file is accepted only when the router could actually use it. */
export function buildHashrings(text: string, source: string, options: RingOptions, logger?: Logger): { configs: HashringConfig[]; ring: MultiHashring } {
  const configs = parseHashringsConfig(text, source, logger);
  return { configs, ring: new MultiHashring(configs, options) };
}

class StaticHashringSource implements HashringSource {
  private readonly ring: MultiHashring;
  constructor(content: string, options: LoadHashringsOptions) {
    this.ring = buildHashrings(content, '--receive.hashrings', options, options.logger).ring;
  }
  current(): MultiHashring { return this.ring; }
  onChange(): () => void { return () => {}; }
  async run(): Promise<void> {}
}

/** Debounce for bursts of fs events (an editor's write + rename, a ConfigMap's symlink swap). */
const SETTLE_MS = 50;

export class HashringsFileWatcher implements HashringSource {
  private ring: MultiHashring;
  private text: Buffer;
  private readonly listeners = new Set<(ring: MultiHashring) => void>();
  private readonly metrics: HashringsMetrics | undefined;
  private readonly logger: Logger;
  private readonly intervalMs: number;

  constructor(readonly file: string, private readonly options: LoadHashringsOptions) {
    this.logger = options.logger;
    this.intervalMs = options.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS;
    this.metrics = options.registry ? createHashringsMetrics(options.registry) : undefined;
    this.metrics?.refreshes.inc();
    this.text = readHashringsFile(file);
    const { configs, ring } = buildHashrings(this.text.toString('utf8'), file, options, this.logger);
    this.ring = ring;
    this.publish(configs);
  }

  current(): MultiHashring {
    return this.ring;
  }

  onChange(listener: (ring: MultiHashring) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private publish(configs: readonly HashringConfig[]): void {
    const m = this.metrics;
    if (!m) return;
    m.changes.inc();
    m.configHash.set(configHashValue(this.text));
    m.lastReloadSuccessful.set(1);
    m.lastReloadSuccessTimestamp.set(Date.now() / 1000);
    m.nodes.reset();
    m.tenants.reset();
    for (const c of configs) {
      m.nodes.set({ name: c.name }, c.endpoints.length);
      m.tenants.set({ name: c.name }, c.tenants?.tenants.length ?? 0);
    }
  }

  private failed(what: string, err: unknown): void {
    this.metrics?.errors.inc();
    this.metrics?.lastReloadSuccessful.set(0);
    this.logger.error(`${what}, keeping the current hashring`, { file: this.file, err: errorMessage(err) });
  }

  /** Re-reads the file; returns whether the ring was replaced. A bad or empty file keeps the current ring. */
  refresh(): boolean {
    this.metrics?.refreshes.inc();
    let text: Buffer;
    try {
      text = readHashringsFile(this.file);
    } catch (err) {
      this.failed('reading hashrings file failed', err);
      return false;
    }
    if (text.equals(this.text)) {
      // Back to (or still) what is in use: e.g. a broken edit reverted.
      this.metrics?.lastReloadSuccessful.set(1);
      return false;
    }
    let built: { configs: HashringConfig[]; ring: MultiHashring };
    try {
      built = buildHashrings(text.toString('utf8'), this.file, this.options, this.logger);
    } catch (err) {
      this.failed('invalid hashrings file', err);
      return false;
    }
    this.text = text;
    this.ring = built.ring;
    this.publish(built.configs);
    this.logger.info('hashrings file reloaded', { file: this.file, hashrings: built.configs.length, nodes: built.ring.nodes().length });
    for (const l of this.listeners) {
      try {
        l(built.ring);
      } catch (err) {
        this.logger.error('hashring change listener failed', { err: errorMessage(err) });
      }
    }
    return true;
  }

  /**
   * Watches the file's directory (a file watch dies when an editor or Kubernetes replaces the file by rename) and
   * re-reads on any event there, plus every refresh interval in case an event was lost.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    let settle: NodeJS.Timeout | undefined;
    const poke = (): void => {
      if (settle) clearTimeout(settle);
      settle = setTimeout(() => { settle = undefined; if (!signal.aborted) this.refresh(); }, SETTLE_MS);
    };
    let watcher: FSWatcher | undefined;
    const name = basename(this.file);
    try {
      watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
        // Other files in the directory do not matter, except the ..data swaps of a Kubernetes ConfigMap volume.
        if (changed === null || changed === name || changed.startsWith('..')) poke();
      });
      watcher.on('error', (err) => {
        this.metrics?.errors.inc();
        this.logger.error('error watching hashrings file; still re-reading it every refresh interval', { file: this.file, err: errorMessage(err) });
      });
    } catch (err) {
      this.metrics?.errors.inc();
      this.logger.error('cannot watch hashrings file; re-reading it every refresh interval', { file: this.file, err: errorMessage(err) });
    }
    const tick = setInterval(() => this.refresh(), this.intervalMs);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(tick);
    if (settle) clearTimeout(settle);
    watcher?.close();
  }
}

function readHashringsFile(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`failed to read configuration file: ${errorMessage(err)}`, { where: file });
  }
}
