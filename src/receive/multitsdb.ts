// One TSDB (head + WAL + blocks) per tenant under --tsdb.path/<tenant>/ (upstream pkg/receive/multitsdb.go):
// tenants found on disk are replayed at start (their writes get 503 until then), new ones are created on their
// first write. Head compaction, retention and, with a bucket, shipping run per tenant; the StoreAPI spans all.

import { readdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Bucket } from '../objstore/bucket.js';
import { UnavailableError, errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logger.js';
import { Shipper, type ShipperMetrics } from '../shipper/shipper.js';
import { readShipperMeta } from '../shipper/shipper-meta.js';
import { TsdbStore } from '../store/tsdb-store.js';
import type { HeadAppender } from '../tsdb/head/appender.js';
import { Db, type DbOptions } from '../tsdb/head/db.js';
import { sortLabels, type Labels } from '../tsdb/labels/labels.js';
import type { TenantAppendables } from './writer.js';

export interface MultiTsdbOptions {
  readonly dir: string;
  /** --label: external labels of every tenant. */
  readonly externalLabels: Labels;
  /** --receive.tenant-label-name */
  readonly tenantLabelName: string;
  readonly db: DbOptions;
  /** --tsdb.retention in ms; 0 keeps blocks forever. */
  readonly retentionMs: number;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** With --objstore.config-file: each tenant's blocks are shipped there, and deleted locally only once shipped. */
  readonly bucket?: Bucket;
  readonly shipperMetrics?: ShipperMetrics;
  readonly now: () => number;
  /** Test hook: how long a block dropped by retention stays open for queries already reading it. */
  readonly closeDelayMs?: number;
}

/** A tenant's TSDB: opening (replaying its WAL) or open. */
interface Tenant {
  readonly id: string;
  readonly dir: string;
  readonly labels: Labels;
  /** Found on disk at start: writes get 503 until its WAL is replayed. */
  readonly fromDisk: boolean;
  db: Db | undefined;
  opening: Promise<Db> | undefined;
  store: TsdbStore | undefined;
  shipper: Shipper | undefined;
  /** ULIDs the shipper has uploaded (refreshed after each sync). */
  shipped: Set<string>;
}

/** Upstream's rule for a tenant ID: usable as one directory name (path.Base(tenant) == tenant). */
export function tenantProblem(tenant: string): string | undefined {
  if (tenant === '' || tenant === '.' || tenant === '..' || tenant.includes('/') || tenant.includes('\\') || tenant.includes('\0')) {
    return `tenant ID ${JSON.stringify(tenant)} is not a valid directory name`;
  }
  return undefined;
}

export class MultiTsdb implements TenantAppendables {
  private readonly tenants = new Map<string, Tenant>();
  private readonly logger: Logger;
  private startupDone = false;
  private closed = false;
  private readonly pendingCloses = new Set<() => Promise<void>>();

  constructor(private readonly o: MultiTsdbOptions) {
    this.logger = o.logger;
    if (o.registry) {
      const tenants = this.tenants;
      new Gauge({
        name: 'prometheus_tsdb_head_series', help: 'Total number of series in the head block.', labelNames: ['tenant'], registers: [o.registry],
        collect() {
          this.reset();
          for (const t of tenants.values()) if (t.db) this.set({ tenant: t.id }, t.db.head.numSeries);
        },
      });
    }
  }

  /** Whether every tenant found at start has replayed its WAL. */
  get ready(): boolean {
    return this.startupDone;
  }

  /** The tenants with an open TSDB. */
  openTenants(): { id: string; db: Db; labels: Labels }[] {
    return [...this.tenants.values()].flatMap((t) => (t.db ? [{ id: t.id, db: t.db, labels: t.labels }] : []));
  }

  /**
   * Opens every tenant directory found under the data dir, one after the other (replay gives the event loop a turn
   * every few ms, so health and metrics answer; writes to the tenants not yet open get 503 meanwhile). Resolves once
   * all are open.
   */
  async start(): Promise<void> {
    const found: string[] = [];
    try {
      for (const e of readdirSync(this.o.dir, { withFileTypes: true })) {
        if (!e.isDirectory() || e.name === 'lost+found' || tenantProblem(e.name) !== undefined) continue;
        found.push(e.name);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Mark them all first: a write to one not yet replayed must wait (503), not create a second Db over it.
    const pending = found.map((id) => this.tenantEntry(id, true));
    for (const t of pending) {
      if (this.closed) break;
      await this.open(t);
    }
    this.startupDone = true;
  }

  private tenantEntry(id: string, fromDisk: boolean): Tenant {
    let t = this.tenants.get(id);
    if (t) return t;
    const labels = sortLabels([...this.o.externalLabels.filter((l) => l.name !== this.o.tenantLabelName), { name: this.o.tenantLabelName, value: id }]);
    t = { id, dir: join(this.o.dir, id), labels, fromDisk, db: undefined, opening: undefined, store: undefined, shipper: undefined, shipped: new Set() };
    this.tenants.set(id, t);
    return t;
  }

  private open(t: Tenant): Promise<Db> {
    t.opening ??= (async () => {
      const logger = this.logger.with({ tenant: t.id });
      const started = Date.now();
      const db = await Db.open(t.dir, { ...this.o.db, logger });
      if (this.closed) {
        await db.close();
        throw new UnavailableError('receive is shutting down');
      }
      t.db = db;
      t.store = TsdbStore.forDb(db, { externalLabels: t.labels, componentType: 'receive', logger });
      if (this.o.bucket) {
        t.shipper = new Shipper(this.o.bucket, t.dir, {
          logger: logger.with({ component: 'shipper' }), labels: () => t.labels, source: 'receive',
          ...(this.o.shipperMetrics ? { metrics: this.o.shipperMetrics } : {}),
        });
      }
      logger.info('tenant TSDB open', { duration_ms: Date.now() - started, series: db.head.numSeries, blocks: db.blocks.length });
      return db;
    })();
    return t.opening;
  }

  async appender(tenant: string): Promise<HeadAppender> {
    if (this.closed) throw new UnavailableError('receive is shutting down');
    const known = this.tenants.get(tenant);
    if (known?.db) return known.db.appender();
    // Fail fast while a tenant found on disk replays (upstream blocked such writes for the whole replay, #9004).
    if (known?.fromDisk) throw new UnavailableError(`tenant ${tenant} is replaying its WAL`);
    return (await this.open(known ?? this.tenantEntry(tenant, false))).appender();
  }

  /** Head series of a tenant (0 when unknown), for head_series_limit. */
  headSeries(tenant: string): number {
    return this.tenants.get(tenant)?.db?.head.numSeries ?? 0;
  }

  /** Per-tenant stores (open tenants), for the StoreAPI over all of them. */
  stores(): { id: string; labels: Labels; store: TsdbStore }[] {
    return [...this.tenants.values()].flatMap((t) => (t.store ? [{ id: t.id, labels: t.labels, store: t.store }] : []));
  }

  /** Head compaction for every open tenant; returns the number of blocks written. */
  async compact(): Promise<number> {
    let n = 0;
    for (const t of this.tenants.values()) {
      if (!t.db || this.closed) continue;
      try {
        n += (await t.db.compactHead()).length;
      } catch (err) {
        this.logger.error('head compaction failed', { tenant: t.id, err: errorMessage(err) });
      }
    }
    return n;
  }

  /** Writes every tenant's whole head out as blocks (upstream does so at shutdown, before the last upload). */
  async flush(): Promise<void> {
    for (const t of this.tenants.values()) {
      if (!t.db) continue;
      try {
        await t.db.flush();
      } catch (err) {
        this.logger.error('flushing the head failed', { tenant: t.id, err: errorMessage(err) });
      }
    }
  }

  /** Ships every tenant's new blocks; returns blocks uploaded. */
  async ship(signal?: AbortSignal): Promise<number> {
    let n = 0;
    for (const t of this.tenants.values()) {
      if (!t.shipper || !t.db) continue;
      try {
        n += (await t.shipper.sync(signal)).uploaded;
        t.shipped = new Set((await readShipperMeta(join(t.dir, 'thanos.shipper.json'), this.logger)).uploaded);
      } catch (err) {
        this.logger.error('shipping failed', { tenant: t.id, err: errorMessage(err) });
      }
    }
    return n;
  }

  /**
   * Prometheus's time retention per tenant: a block ending more than --tsdb.retention before the newest data is
   * dropped (only once shipped, when a bucket is set). Readers are closed after a delay, so queries already
   * reading the block finish.
   */
  async applyRetention(): Promise<number> {
    if (this.o.retentionMs <= 0) return 0;
    let n = 0;
    for (const t of this.tenants.values()) {
      const db = t.db;
      if (!db) continue;
      const newest = Math.max(db.head.maxTime, ...db.blocks.map((b) => b.meta.maxTime));
      for (const b of [...db.blocks]) {
        if (newest - b.meta.maxTime <= this.o.retentionMs) continue;
        if (this.o.bucket && !t.shipped.has(b.meta.ulid)) continue;
        db.blocks.splice(db.blocks.indexOf(b), 1);
        const dir = join(t.dir, b.meta.ulid);
        const gone = `${dir}.tmp-for-deletion`;
        await rename(dir, gone);
        n++;
        this.logger.info('block beyond retention dropped', { tenant: t.id, block: b.meta.ulid, maxTime: b.meta.maxTime });
        const finish = async (): Promise<void> => {
          this.pendingCloses.delete(finish);
          clearTimeout(timer);
          await b.close();
          await rm(gone, { recursive: true, force: true });
        };
        const timer = setTimeout(() => { void finish(); }, this.o.closeDelayMs ?? 120_000);
        timer.unref();
        this.pendingCloses.add(finish);
      }
    }
    return n;
  }

  /** Closes every tenant's TSDB (the WAL's last page is flushed and fsynced). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pendingCloses].map((f) => f()));
    await Promise.allSettled([...this.tenants.values()].map(async (t) => {
      const db = t.db ?? (t.opening ? await t.opening.catch(() => undefined) : undefined);
      await db?.close();
    }));
  }
}

