// A receive node: the remote-write listener, the writer into per-tenant TSDBs, the StoreAPI over them, and the loops
// that compact heads, ship blocks and apply retention (IngestorOnly); with a hashring, a Router in front of the
// local writer that forwards to peers (RouterIngestor), or in front of peers only, with no TSDB at all (RouterOnly).
// src/cmd/receive-build.ts wires it from flags; tests and the standalone mode build it directly.

import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Registry } from 'prom-client';
import type { Bucket } from '../objstore/bucket.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { parseHostPort } from '../runtime/flag-values.js';
import type { Logger } from '../runtime/logger.js';
import type { TlsFilesWatcher } from '../runtime/tls-files.js';
import { TlsServerFileConfig, type TlsServerFiles } from '../runtime/tls-server-files.js';
import type { ShipperMetrics } from '../shipper/shipper.js';
import type { DbOptions } from '../tsdb/head/db.js';
import type { Labels } from '../tsdb/labels/labels.js';
import type { TokenAuth } from './auth.js';
import { DecodePool } from './decode-pool.js';
import { ReceiveHandler } from './handler.js';
import { LimitsSource, type LimitsMetrics } from './limits.js';
import { MultiTsdb } from './multitsdb.js';
import { TenantsStore } from './tenants-store.js';
import { LocalWriter, type TenantWriter } from './writer.js';
import type { Hashring } from './hashring/hashring.js';
import { Peers, type PeersOptions } from './peers.js';
import { Router } from './router.js';
import { writeableStoreService } from './writeable-store.js';
import type { GrpcService } from '../runtime/grpc-server.js';

/** A hashring in front of the writer (RouterIngestor with a local endpoint, RouterOnly without). */
export interface RoutingOptions {
  /** The current hashring (reloads replace it; nothing else changes, no node turns unready). */
  readonly hashring: () => Hashring;
  /** --receive.local-endpoint: this node's address in the hashring; undefined = RouterOnly (no local TSDB). */
  readonly localEndpoint: string | undefined;
  /** --receive.replication-factor */
  readonly replicationFactor: number;
  /** --receive-forward-timeout in ms. */
  readonly timeoutMs: number;
  readonly peers: Omit<PeersOptions, 'registry' | 'timeoutMs'>;
}

export interface ReceiverOptions {
  readonly tsdbPath: string;
  readonly externalLabels: Labels;
  readonly tenantHeader: string;
  readonly defaultTenant: string;
  readonly tenantLabelName: string;
  readonly replicaHeader: string;
  readonly db: DbOptions;
  readonly retentionMs: number;
  readonly tooFarInFutureMs: number;
  readonly limitsFile?: string | undefined;
  readonly limitsContent?: string | undefined;
  readonly auth?: TokenAuth | undefined;
  readonly bucket?: Bucket | undefined;
  readonly shipperMetrics?: ShipperMetrics | undefined;
  readonly limitsMetrics?: LimitsMetrics | undefined;
  readonly logger: Logger;
  readonly registry?: Registry | undefined;
  readonly now?: () => number;
  /** How often heads are checked for compaction, blocks shipped and retention applied (default 30 s). */
  readonly maintenanceIntervalMs?: number;
  /** Routing through a hashring; absent = IngestorOnly. */
  readonly routing?: RoutingOptions | undefined;
  /** --receive.decode-threads: decode worker threads; 0 or absent (default) = decode on the HTTP thread, -1 = one per core beyond the first (1 to 4). */
  readonly decodeThreads?: number | undefined;
  /** --remote-write.server-tls-*: HTTPS on the remote-write listener (files re-read when they change). */
  readonly tls?: TlsServerFiles | undefined;
  /** --receive.max-inflight-request-bytes: compressed bytes of remote-write requests in progress; 0 or absent = no cap. */
  readonly maxInflightRequestBytes?: number | undefined;
}

export class Receiver {
  /** The local TSDBs; undefined in RouterOnly mode, which opens none (and has no WAL directory). */
  readonly tsdbs: MultiTsdb | undefined;
  readonly store: TenantsStore | undefined;
  readonly handler: ReceiveHandler;
  readonly limits: LimitsSource;
  /** Where writes go: the local TSDBs, or the Router in front of them and of the peers. */
  readonly writer: TenantWriter;
  /** Connections to the hashring's peers when routing. */
  readonly peers: Peers | undefined;
  /** Worker threads decoding remote-write bodies beside the thread that appends (none with decodeThreads 0). */
  readonly decodePool: DecodePool | undefined;
  private server: Server | undefined;
  private tlsWatcher: TlsFilesWatcher | undefined;
  /** Maintenance passes and the final flush run one at a time (two head compactions must never overlap). */
  private chain: Promise<unknown> = Promise.resolve();

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  constructor(private readonly o: ReceiverOptions) {
    const now = o.now ?? Date.now;
    // Off unless asked for: measured slower on a loaded 2-core machine (bench:receive --inline).
    this.decodePool = o.decodeThreads === undefined || o.decodeThreads === 0 ? undefined : new DecodePool(o.decodeThreads === -1 ? undefined : o.decodeThreads);
    const ingesting = o.routing === undefined || o.routing.localEndpoint !== undefined;
    this.tsdbs = ingesting ? new MultiTsdb({
      dir: o.tsdbPath, externalLabels: o.externalLabels, tenantLabelName: o.tenantLabelName, db: o.db,
      retentionMs: o.retentionMs, logger: o.logger, now,
      ...(o.registry ? { registry: o.registry } : {}), ...(o.bucket ? { bucket: o.bucket } : {}),
      ...(o.shipperMetrics ? { shipperMetrics: o.shipperMetrics } : {}),
    }) : undefined;
    this.store = this.tsdbs ? new TenantsStore(this.tsdbs, o.logger) : undefined;
    this.limits = new LimitsSource(o.limitsFile, o.limitsContent, o.logger, o.limitsMetrics);
    const local = this.tsdbs ? new LocalWriter(this.tsdbs, { tooFarInFutureMs: o.tooFarInFutureMs, now }) : undefined;
    const r = o.routing;
    if (r) {
      this.peers = new Peers({ ...r.peers, timeoutMs: r.timeoutMs, registry: o.registry });
      this.writer = new Router({
        hashring: r.hashring, localEndpoint: r.localEndpoint, local, peers: this.peers,
        replicationFactor: r.replicationFactor, timeoutMs: r.timeoutMs, logger: o.logger, registry: o.registry,
      });
    } else {
      this.peers = undefined;
      this.writer = local!;
    }
    this.handler = new ReceiveHandler({
      writer: this.writer, tenantHeader: o.tenantHeader, defaultTenant: o.defaultTenant, replicaHeader: o.replicaHeader,
      limits: () => this.limits.current, headSeries: (t) => this.tsdbs?.headSeries(t) ?? 0, logger: o.logger, decodePool: this.decodePool,
      maxInflightRequestBytes: o.maxInflightRequestBytes,
      ...(o.auth ? { auth: o.auth } : {}), ...(o.registry ? { registry: o.registry } : {}),
      ...(o.limitsMetrics ? { limitsMetrics: o.limitsMetrics } : {}),
    });
  }

  /** Binds the remote-write listener (writes to tenants still replaying get 503). Resolves with the bound port. */
  async listen(address: string): Promise<{ host: string; port: number }> {
    const { host, port } = parseHostPort(address);
    const t = this.o.tls;
    const tls = t ? new TlsServerFileConfig(t, '--remote-write.server-tls') : undefined;
    let server: Server;
    let https: HttpsServer | undefined;
    if (tls) {
      const options = tls.serverOptions();
      try {
        https = createHttpsServer(options, this.handler.listener);
      } catch (err) {
        throw new ConfigError(`remote write TLS: ${errorMessage(err)}`, { where: '--remote-write.server-tls-cert', cause: err });
      }
      server = https as unknown as Server;
    } else {
      server = createHttpServer(this.handler.listener);
    }
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(new ConfigError(`cannot listen on ${address}: ${err.code === 'EADDRINUSE' ? 'address already in use' : errorMessage(err)}`, { where: '--remote-write.address', cause: err }));
      });
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    // Rotated certificate, key or client CA files apply to new connections, as on the gRPC port.
    if (tls && https) this.tlsWatcher = tls.watch(https, 'remote-write server', (message) => this.o.logger.warn(message));
    const a = server.address();
    const bound = typeof a === 'object' && a !== null ? { host: a.address, port: a.port } : { host, port };
    this.o.logger.info('listening for remote write', { address: `${bound.host}:${bound.port}`, tls: t !== undefined });
    return bound;
  }

  /** `thanos.WriteableStore` for the gRPC server: what peers forward here goes through this node's writer. */
  writeableStore(ready?: () => boolean): GrpcService {
    return writeableStoreService({
      writer: this.writer, defaultTenant: this.o.defaultTenant, logger: this.o.logger, registry: this.o.registry,
      ...(ready ? { ready } : {}),
    });
  }

  /** Replays the tenants found on disk; resolves once all take writes (readiness). */
  async start(): Promise<void> {
    await this.tsdbs?.start();
  }

  /** One maintenance pass: head compaction, then shipping, then retention. */
  maintain(signal?: AbortSignal): Promise<void> {
    const dbs = this.tsdbs;
    if (!dbs) return Promise.resolve();
    return this.serial(async () => {
      await dbs.compact();
      if (this.o.bucket) await dbs.ship(signal);
      await dbs.applyRetention();
    });
  }

  /** Runs maintenance every interval until `signal` aborts. */
  async runMaintenance(signal: AbortSignal): Promise<void> {
    // Upstream ships every 30 s; with short blocks (tests), maintain at least twice per block.
    const every = this.o.maintenanceIntervalMs ?? Math.max(1000, Math.min(30_000, (this.o.db.chunkRange ?? 7_200_000) / 2));
    while (!signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, every);
        signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
      });
      if (signal.aborted) return;
      try {
        await this.maintain(signal);
      } catch (err) {
        this.o.logger.error('receive maintenance failed', { err: errorMessage(err) });
      }
    }
  }

  /** Stops the listener (in-flight requests finish), writes the heads out as blocks, ships them, closes the TSDBs. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    this.tlsWatcher?.stop();
    if (s) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeIdleConnections();
        setTimeout(() => { s.closeAllConnections(); }, 5000).unref();
      });
    }
    this.peers?.close();
    await this.decodePool?.close();
    const dbs = this.tsdbs;
    if (!dbs) return;
    await this.serial(async () => {
      await dbs.flush();
      if (this.o.bucket) await dbs.ship();
    }).catch((err: unknown) => this.o.logger.error('final flush and upload failed', { err: errorMessage(err) }));
    await dbs.close();
  }
}
