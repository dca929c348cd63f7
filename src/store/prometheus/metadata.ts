// What the sidecar knows about its Prometheus (upstream's promMetadata): whether it answered, its external labels
// (re-read every --prometheus.get_config_interval) and the oldest timestamp it holds. Without external labels the
// sidecar refuses to serve, as upstream does, but keeps running and retrying.
import type { Labels } from '../../tsdb/labels/labels.js';
import { labelsEqual, formatLabels } from '../../tsdb/labels/labels.js';
import type { Logger } from '../../runtime/logger.js';
import { AbortError, errorMessage } from '../../runtime/errors.js';
import type { PrometheusClient } from './client.js';
import { sleep } from '../../runtime/async.js';
import { Gauge, type Registry } from 'prom-client';

export const NO_EXTERNAL_LABELS_MESSAGE =
  'no external labels configured on Prometheus server, uniquely identifying external labels must be configured; see https://thanos.io/tip/thanos/storage.md#external-labels for details.';

export interface PrometheusMetadataOptions {
  readonly logger: Logger;
  /** --prometheus.ready_timeout: how long to wait for /-/ready at start before giving up. */
  readonly readyTimeoutMs: number;
  /** --prometheus.get_config_interval / _timeout. */
  readonly configIntervalMs: number;
  readonly configTimeoutMs: number;
  /** How soon to try again while labels are missing or Prometheus fails. */
  readonly retryIntervalMs?: number;
  /** --min-time, ms: the store never serves data before it. */
  readonly limitMinTime: number;
  /** The oldest sample in local blocks (tsdb.path), when known. */
  readonly oldestBlockTime?: () => Promise<number | undefined>;
  /** Called when the sidecar becomes able (or unable) to serve. */
  readonly onReady?: () => void;
  readonly onNotReady?: (reason: string) => void;
  /** Called after every heartbeat (each external-labels read): whether Prometheus answered with usable labels. */
  readonly onHeartbeat?: (up: boolean) => void;
}

/**
 * Upstream's thanos_sidecar_prometheus_up gauge (read by ThanosSidecarNoConnectionToStartedPrometheus), as an
 * onHeartbeat callback: 0 until the first good heartbeat and after any failed one.
 */
export function prometheusUpGauge(registry: Registry): (up: boolean) => void {
  const g = new Gauge({ name: 'thanos_sidecar_prometheus_up', help: 'Boolean indicator whether the sidecar can reach its Prometheus peer.', registers: [registry] });
  g.set(0);
  return (up) => g.set(up ? 1 : 0);
}

export class PrometheusMetadata {
  private ext: Labels | undefined;
  private mint: number;

  constructor(private readonly client: PrometheusClient, private readonly o: PrometheusMetadataOptions) {
    this.mint = o.limitMinTime;
  }

  /** The external labels, or undefined until Prometheus answered with a non-empty set. */
  get externalLabels(): Labels | undefined {
    return this.ext;
  }

  /** Lowest timestamp served: the later of --min-time and the oldest data Prometheus holds. Max is open-ended. */
  get minTime(): number {
    return this.mint;
  }

  /** Waits for Prometheus, then keeps labels and time range fresh until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { logger } = this.o;
    logger.info('waiting for prometheus to be ready', { url: this.client.baseUrl });
    try {
      await this.client.waitReady(this.o.readyTimeoutMs, signal, undefined, (reason) => logger.warn('prometheus not ready yet', { reason }));
    } catch (err) {
      if (err instanceof AbortError) return;
      throw err;
    }
    while (!signal.aborted) {
      const ok = await this.refresh(signal);
      try {
        await sleep(ok ? this.o.configIntervalMs : (this.o.retryIntervalMs ?? 2000), signal);
      } catch {
        return;
      }
    }
  }

  /** One refresh; true when external labels are known afterwards. Never throws. */
  async refresh(signal: AbortSignal): Promise<boolean> {
    const { logger } = this.o;
    const timeout = AbortSignal.any([signal, AbortSignal.timeout(this.o.configTimeoutMs)]);
    let labels: Labels;
    try {
      labels = await this.client.externalLabels(timeout);
    } catch (err) {
      if (signal.aborted) return this.ext !== undefined;
      this.o.onHeartbeat?.(false);
      logger.warn('get prometheus external labels', { err: errorMessage(err) });
      // Keep serving with the last known labels: a brief Prometheus hiccup should not flap readiness.
      return this.ext !== undefined;
    }
    if (labels.length === 0) {
      logger.error('prometheus has no external labels', { err: NO_EXTERNAL_LABELS_MESSAGE });
      this.ext = undefined;
      this.o.onHeartbeat?.(false);
      this.o.onNotReady?.(NO_EXTERNAL_LABELS_MESSAGE);
      return false;
    }
    if (this.ext === undefined || !labelsEqual(this.ext, labels)) {
      logger.info('prometheus external labels', { labels: formatLabels(labels) });
    }
    this.ext = labels;
    await this.refreshMinTime(timeout);
    this.o.onHeartbeat?.(true);
    this.o.onReady?.();
    return true;
  }

  private async refreshMinTime(signal: AbortSignal): Promise<void> {
    let oldest: number | undefined;
    try {
      const blocks = await this.o.oldestBlockTime?.();
      const head = await this.client.headMinTime(signal);
      for (const t of [blocks, head]) if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
    } catch (err) {
      this.o.logger.debug('get prometheus oldest timestamp', { err: errorMessage(err) });
    }
    this.mint = oldest === undefined ? this.o.limitMinTime : Math.max(this.o.limitMinTime, oldest);
  }
}

