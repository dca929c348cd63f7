// Sends alerts to Alertmanagers as upstream's pkg/alert does: a queue (capacity 10,000, oldest dropped on
// overflow) that drops --alert.label-drop names, adds external labels and applies --alert.relabel-config on push;
// batches of at most 100 POSTed to every discovered Alertmanager of every group at once (API v2 or v1), success
// when any answers 2xx; per-Alertmanager metrics, and a drop count when every send failed.

import { errorMessage } from '../runtime/errors.js';
import { nopLogger, type Logger } from '../runtime/logger.js';
import { relabel, type RelabelConfig } from '../block/relabel.js';
import { labelsToRecord, sortLabels, type Labels } from '../tsdb/labels/labels.js';
import type { HttpEndpointGroup } from './http-endpoints.js';
import type { AlertMetrics } from './metrics.js';
import type { Alert } from './rules.js';
import { queryEscape } from './template/functions.js';

export const QUEUE_CAPACITY = 10_000;
export const MAX_BATCH = 100;

/** An alert as Alertmanager receives it. */
export interface OutgoingAlert {
  readonly labels: Labels;
  readonly annotations: Labels;
  /** ms */
  readonly startsAt: number;
  readonly endsAt: number;
  readonly generatorURL: string;
}

export interface AlertQueueOptions {
  readonly externalLabels: Labels;
  readonly labelDrop: readonly string[];
  readonly relabel: readonly RelabelConfig[];
  readonly metrics: AlertMetrics;
  readonly capacity?: number;
}

export class AlertQueue {
  private items: OutgoingAlert[] = [];
  private waiter: (() => void) | undefined;
  private readonly capacity: number;
  private readonly drop: ReadonlySet<string>;

  constructor(private readonly opts: AlertQueueOptions) {
    this.capacity = opts.capacity ?? QUEUE_CAPACITY;
    this.drop = new Set(opts.labelDrop);
    opts.metrics.queueCapacity.set(this.capacity);
  }

  get length(): number {
    return this.items.length;
  }

  push(alerts: readonly OutgoingAlert[]): void {
    for (const a of alerts) {
      const m = new Map<string, string>();
      for (const l of a.labels) if (!this.drop.has(l.name)) m.set(l.name, l.value);
      for (const l of this.opts.externalLabels) if (!this.drop.has(l.name) && !m.has(l.name)) m.set(l.name, l.value);
      let labels: Labels | undefined = sortLabels([...m].map(([name, value]) => ({ name, value })));
      if (this.opts.relabel.length > 0) labels = relabel(labels, this.opts.relabel);
      if (labels === undefined || labels.length === 0) continue;
      this.items.push({ ...a, labels });
      this.opts.metrics.queuePushed.inc();
    }
    const over = this.items.length - this.capacity;
    if (over > 0) {
      this.items.splice(0, over);
      this.opts.metrics.queueDropped.inc(over);
    }
    this.opts.metrics.queueLength.set(this.items.length);
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  /** Waits for alerts (or `signal`), then takes up to `max`. */
  async pop(max: number, signal: AbortSignal): Promise<OutgoingAlert[]> {
    while (this.items.length === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
    }
    const batch = this.items.splice(0, max);
    this.opts.metrics.queuePopped.inc(batch.length);
    this.opts.metrics.queueLength.set(this.items.length);
    return batch;
  }
}

/** The generatorURL of an alert: --alert.query-url + --alert.query-template with .Expr query-escaped. */
export function generatorUrl(queryUrl: string, template: string, expr: string): string {
  return queryUrl.replace(/\/$/, '') + template.replace(/\{\{-?\s*\.Expr\s*-?\}\}/g, queryEscape(expr));
}

/** What a rule's alerts become at Alertmanager (Prometheus's SendAlerts). */
export function toOutgoing(alerts: readonly Alert[], url: string): OutgoingAlert[] {
  return alerts.map((a) => ({
    labels: a.labels, annotations: a.annotations, startsAt: a.firedAt,
    endsAt: a.resolvedAt !== 0 ? a.resolvedAt : a.validUntil, generatorURL: url,
  }));
}

function bodyV2(alerts: readonly OutgoingAlert[]): string {
  return JSON.stringify(alerts.map((a) => ({
    labels: labelsToRecord(a.labels), annotations: labelsToRecord(a.annotations),
    startsAt: new Date(a.startsAt).toISOString(), endsAt: new Date(a.endsAt).toISOString(), generatorURL: a.generatorURL,
  })));
}

export interface SenderOptions {
  readonly metrics: AlertMetrics;
  readonly logger?: Logger;
}

export class AlertSender {
  private readonly logger: Logger;

  constructor(private readonly groups: () => readonly HttpEndpointGroup[], private readonly opts: SenderOptions) {
    this.logger = opts.logger ?? nopLogger;
  }

  /** Sends one batch to every Alertmanager; resolves true when at least one accepted it. */
  async send(alerts: readonly OutgoingAlert[], signal?: AbortSignal): Promise<boolean> {
    if (alerts.length === 0) return true;
    const body = bodyV2(alerts);
    const sends: Promise<boolean>[] = [];
    for (const g of this.groups()) {
      for (const base of g.urls()) {
        const url = `${base}/api/${g.config.apiVersion}/alerts`;
        sends.push(this.post(g, url, body, alerts.length, signal));
      }
    }
    const ok = (await Promise.all(sends)).some((x) => x);
    if (!ok) {
      this.opts.metrics.senderDropped.inc(alerts.length);
      this.logger.warn('failed to send alerts to any Alertmanager; dropped', { alerts: alerts.length, alertmanagers: sends.length });
    }
    return ok;
  }

  private async post(g: HttpEndpointGroup, url: string, body: string, n: number, signal?: AbortSignal): Promise<boolean> {
    const am = new URL(url).host;
    const started = performance.now();
    const timeout = AbortSignal.timeout(g.config.timeoutMs > 0 ? g.config.timeoutMs : 10_000);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'User-Agent': 'thanos-ts-rule' };
    try {
      const res = await g.client.fetch(url, { method: 'POST', body, headers, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) throw new Error(`bad response status ${res.status}: ${text.slice(0, 200)}`);
      this.opts.metrics.latency.observe({ alertmanager: am }, (performance.now() - started) / 1000);
      this.opts.metrics.sent.inc({ alertmanager: am }, n);
      return true;
    } catch (err) {
      this.opts.metrics.errors.inc({ alertmanager: am });
      this.logger.warn('sending alerts failed', { alertmanager: am, alerts: n, err: errorMessage(err) });
      return false;
    }
  }

  /** Pops batches from the queue and sends them until `signal` aborts. */
  async run(queue: AlertQueue, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const batch = await queue.pop(MAX_BATCH, signal);
      if (batch.length > 0) await this.send(batch);
    }
  }
}
