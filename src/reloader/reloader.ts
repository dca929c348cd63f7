// The sidecar's config reloader (upstream pkg/reloader): renders the config template with `$(NAME)` substituted,
// hashes it and every rule directory, and when either changed tells Prometheus to reload, retrying until it did.
// Changes are noticed by fs.watch on the directories (Kubernetes swaps ConfigMap symlinks, so files are not watched
// one by one) and, as a safety net, every watch interval.
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Logger } from '../runtime/logger.js';
import { AbortError, ConfigError, errorMessage } from '../runtime/errors.js';
import { expandEnvRefs } from './envsubst.js';
import type { ReloaderMetrics } from './metrics.js';
import type { ReloadTrigger } from './trigger.js';
import { sleep } from '../runtime/async.js';

export interface ReloaderOptions {
  /** Template to watch (--reloader.config-file); undefined: no config watching. */
  readonly configFile?: string | undefined;
  /** Where the substituted config goes (--reloader.config-envsubst-file); undefined: no substitution. */
  readonly configEnvsubstFile?: string | undefined;
  readonly ruleDirs: readonly string[];
  readonly watchIntervalMs: number;
  readonly retryIntervalMs: number;
  readonly trigger: ReloadTrigger;
  readonly logger: Logger;
  readonly metrics: ReloaderMetrics;
  readonly env?: NodeJS.ProcessEnv;
  /** Wall clock (ms) for the last-success timestamp metric. */
  readonly now?: () => number;
  /** Quiet period after a file event before applying, so an editor's several writes make one reload. */
  readonly debounceMs?: number;
}

export class Reloader {
  private lastConfigHash = '';
  private lastRulesHash = '';
  private wake: (() => void) | undefined;
  private pendingEvent = false;

  constructor(private readonly o: ReloaderOptions) {}

  /** Applies once, then on every change or tick until `signal` aborts. Failures are logged and retried. */
  async run(signal: AbortSignal): Promise<void> {
    const watchers = this.startWatchers();
    try {
      while (!signal.aborted) {
        try {
          await this.apply(signal);
        } catch (err) {
          if (signal.aborted) break;
          this.o.logger.error('apply config and reload', { err: errorMessage(err) });
        }
        await this.waitForChange(signal);
      }
    } finally {
      for (const w of watchers) w.close();
      this.o.metrics.watches.set(0);
    }
  }

  /**
   * Renders the config, hashes config and rules, and triggers a reload when they differ from what Prometheus last
   * loaded; retries every retry interval for at most one watch interval (the next pass starts over).
   */
  async apply(signal: AbortSignal): Promise<void> {
    const { metrics, logger } = this.o;
    metrics.configApply.inc();
    let configHash: string;
    let rulesHash: string;
    try {
      configHash = await this.applyConfig();
      rulesHash = await this.hashRuleDirs();
    } catch (err) {
      metrics.configApplyErrors.inc();
      throw err;
    }
    if (configHash === this.lastConfigHash && rulesHash === this.lastRulesHash) return;
    const deadline = Date.now() + this.o.watchIntervalMs;
    for (;;) {
      if (signal.aborted) throw new AbortError('reload aborted');
      metrics.reloads.inc();
      try {
        await this.o.trigger(signal);
        metrics.lastReloadSuccess.set(1);
        metrics.lastReloadSuccessTimestamp.set((this.o.now ?? Date.now)() / 1000);
        this.lastConfigHash = configHash;
        this.lastRulesHash = rulesHash;
        logger.info('reload triggered', { cfg_in: this.o.configFile ?? '', cfg_out: this.o.configEnvsubstFile ?? '', watched_dirs: this.o.ruleDirs.join(', ') });
        return;
      } catch (err) {
        metrics.reloadErrors.inc();
        metrics.lastReloadSuccess.set(0);
        if (signal.aborted) throw new AbortError('reload aborted');
        if (Date.now() + this.o.retryIntervalMs > deadline) throw err;
        logger.warn('trigger reload failed, retrying', { err: errorMessage(err), retry_in: `${this.o.retryIntervalMs}ms` });
        await sleep(this.o.retryIntervalMs, signal);
      }
    }
  }

  /** Reads the template, writes the substituted output (atomically, only when it changed) and returns its hash. */
  private async applyConfig(): Promise<string> {
    const { configFile, configEnvsubstFile } = this.o;
    if (configFile === undefined) return '';
    let raw: string;
    try {
      const bytes = await readFile(configFile);
      // As upstream: a template ending in .gz is gzipped (large configs in Kubernetes secrets are stored that way).
      raw = (configFile.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    } catch (err) {
      throw new ConfigError(`read config: ${errorMessage(err)}`, { where: configFile, cause: err });
    }
    if (configEnvsubstFile === undefined) return sha256(raw);
    const rendered = expandEnvRefs(raw, configFile, this.o.env ?? process.env);
    let current: string | undefined;
    try {
      current = await readFile(configEnvsubstFile, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== rendered) {
      await mkdir(path.dirname(configEnvsubstFile), { recursive: true });
      const tmp = `${configEnvsubstFile}.tmp`;
      await writeFile(tmp, rendered);
      await rename(tmp, configEnvsubstFile);
    }
    return sha256(rendered);
  }

  /** One hash over the names and contents of the regular files (symlinks followed) directly in each rule dir. */
  private async hashRuleDirs(): Promise<string> {
    if (this.o.ruleDirs.length === 0) return '';
    const h = createHash('sha256');
    for (const dir of this.o.ruleDirs) {
      let names: string[];
      try {
        names = (await readdir(dir)).sort();
      } catch (err) {
        throw new ConfigError(`read rule dir: ${errorMessage(err)}`, { where: dir, cause: err });
      }
      for (const name of names) {
        const file = path.join(dir, name);
        try {
          if (!(await stat(file)).isFile()) continue;
          const data = await readFile(file);
          h.update(file).update('\0').update(data).update('\0');
        } catch {
          // Removed between listing and reading: the next event or tick sees the new state.
        }
      }
    }
    return h.digest('hex');
  }

  private startWatchers(): FSWatcher[] {
    const dirs = new Set<string>(this.o.ruleDirs);
    if (this.o.configFile !== undefined) dirs.add(path.dirname(path.resolve(this.o.configFile)));
    const watchers: FSWatcher[] = [];
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.onEvent());
        w.on('error', (err) => {
          this.o.metrics.watchErrors.inc();
          this.o.logger.warn('watch error', { dir, err: errorMessage(err) });
        });
        watchers.push(w);
      } catch (err) {
        // A missing dir is still picked up by the periodic check once it appears.
        this.o.metrics.watchErrors.inc();
        this.o.logger.warn('watch directory', { dir, err: errorMessage(err) });
      }
    }
    this.o.metrics.watches.set(watchers.length);
    return watchers;
  }

  private onEvent(): void {
    this.o.metrics.watchEvents.inc();
    this.pendingEvent = true;
    this.wake?.();
  }

  /** Resolves after a (debounced) file event, after the watch interval, or when aborted. */
  private async waitForChange(signal: AbortSignal): Promise<void> {
    // An abort during the apply before this wait has already fired: listening for it now would wait a whole interval.
    if (signal.aborted) return;
    if (!this.pendingEvent) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          this.wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, this.o.watchIntervalMs);
        signal.addEventListener('abort', done, { once: true });
        this.wake = done;
      });
    }
    // Let a burst of events settle into one apply.
    if (this.pendingEvent && !signal.aborted) await sleep(this.o.debounceMs ?? 100, signal).catch(() => undefined);
    this.pendingEvent = false;
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

