// Wiring of the standalone mode: demo data, the store gateway, an optional sidecar and the querier over them, all
// in one process, the querier reading the other two in-process. Loaded only when the mode runs.
import type { FastifyInstance } from 'fastify';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { QuerierOptions } from '../query/querier.js';
import { buildQuerier } from '../query/querier.js';
import { registerWebUi } from '../query/ui/web-ui.js';
import { pause } from '../runtime/async.js';
import { Prober } from '../runtime/prober.js';
import type { Actor } from '../runtime/run-group.js';
import type { Runtime } from '../runtime/runtime.js';
import { writeDemoData } from '../standalone/demo-data.js';
import type { StoreTarget } from '../store/proxy.js';
import type { StoreAPI } from '../store/store-api.js';
import type { ObjstoreFlagValue } from './flag-groups.js';
import type { ModeParts } from './serve.js';
import { buildSidecar } from './sidecar-build.js';
import type { SidecarOptions } from './sidecar.js';
import { buildStore } from './store-build.js';
import type { StoreOptions } from './store.js';

export interface StandaloneOptions {
  readonly objstore: ObjstoreFlagValue;
  readonly store: StoreOptions;
  readonly querier: QuerierOptions;
  readonly sidecar: SidecarOptions | undefined;
  readonly demo: boolean;
  /** The compactor's settings; undefined with --compact.disable. */
  readonly compact: { readonly dataDir: string; readonly waitIntervalMs: number; readonly consistencyDelayMs: number; readonly deleteDelayMs: number; readonly retentionRawMs: number } | undefined;
  readonly webUi: { readonly routePrefix: string; readonly externalPrefix: string; readonly prefixHeader: string };
}

/** An in-process store with its Info kept fresh (every second) for the querier's store selection. */
class LocalTarget {
  private current: StoreTarget | undefined;

  constructor(readonly name: string, private readonly store: StoreAPI) {}

  target(): StoreTarget | undefined {
    return this.current;
  }

  async refresh(signal?: AbortSignal): Promise<void> {
    try {
      this.current = { name: this.name, store: this.store, info: await this.store.info(signal) };
    } catch {
      this.current = undefined;
    }
  }

  actor(): Actor {
    return {
      name: `${this.name}-info`,
      run: async (signal) => {
        while (!signal.aborted) {
          await this.refresh(signal);
          await pause(1000, signal);
        }
      },
    };
  }
}

/** A prober that, when the store gateway declares itself ready, first refreshes its Info, then readies `rt`. */
class ReadyAfterRefresh extends Prober {
  constructor(private readonly outer: Prober, private readonly refresh: () => Promise<void>) {
    super();
  }

  override ready(): void {
    super.ready();
    this.refresh().then(() => this.outer.ready(), () => this.outer.ready());
  }

  override notReady(reason: string): void {
    super.notReady(reason);
    this.outer.notReady(reason);
  }
}

export async function buildStandalone(rt: Runtime, app: FastifyInstance, o: StandaloneOptions): Promise<ModeParts> {
  if (o.demo) {
    const bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger), { logger: rt.logger });
    try {
      await writeDemoData(bucket, { logger: rt.logger, now: rt.now() });
    } finally {
      await bucket.close();
    }
  }
  const locals: LocalTarget[] = [];
  // Standalone is ready once the store gateway has synced and the querier sees what it synced.
  const storeParts = await buildStore({ ...rt, prober: new ReadyAfterRefresh(rt.prober, () => locals[0]!.refresh()) }, o.store);
  locals.push(new LocalTarget('store-gateway', storeParts.store!));
  const sidecarParts = o.sidecar ? await buildSidecar({ ...rt, prober: new Prober() }, o.sidecar) : undefined;
  if (sidecarParts?.store) locals.push(new LocalTarget('sidecar', sidecarParts.store));
  registerWebUi(app, { ...o.webUi, logger: rt.logger });
  // The querier's own readiness would flip at once; standalone's follows the store gateway's.
  const queryParts = buildQuerier({ ...rt, prober: new Prober() }, app, {
    ...o.querier,
    localTargets: () => locals.flatMap((l) => { const t = l.target(); return t ? [t] : []; }),
    localApis: () => {
      const apis = sidecarParts?.apis;
      const info = locals.find((l) => l.name === 'sidecar')?.target()?.info;
      return apis && info ? [{ name: 'sidecar', labelSets: info.labelSets, apis }] : [];
    },
  });
  const compactActors = o.compact ? [await buildStandaloneCompactor(rt, o.objstore, o.compact)] : [];
  return {
    grpcServices: queryParts.grpcServices,
    actors: [...(storeParts.actors ?? []), ...(sidecarParts?.actors ?? []), ...locals.map((l) => l.actor()), ...queryParts.actors, ...compactActors],
  };
}

/** The compactor over standalone's bucket, as `compact -w` with downsampling (its meta-fetcher metrics are the store gateway's already). */
async function buildStandaloneCompactor(rt: Runtime, objstore: ObjstoreFlagValue, c: NonNullable<StandaloneOptions['compact']>): Promise<Actor> {
  const [{ BucketCompactor }, { runCompactor }, { downsampleIterationPass, downsampleMetrics }] = await Promise.all([
    import('../compact/bucket-compactor.js'), import('../compact/run.js'), import('../compact/downsample-pass.js'),
  ]);
  const bucket = await createBucket(parseBucketConfig(objstore.content, objstore.source, rt.logger), { logger: rt.logger });
  const logger = rt.logger.with({ component: 'compact' });
  const compactor = new BucketCompactor({
    bucket, dataDir: c.dataDir, logger, registry: rt.registry, fetcherMetrics: false, now: rt.now,
    consistencyDelayMs: c.consistencyDelayMs, deleteDelayMs: c.deleteDelayMs, replicaLabels: [], dedupFunc: '',
    retention: { raw: c.retentionRawMs, fiveMinutes: 0, oneHour: 0 },
    // Downsampled as `compact -w` does by default (raw → 5m at 40h, 5m → 1h at 10d), one block at a time.
    passes: [downsampleIterationPass({ concurrency: 1, metrics: downsampleMetrics(rt.registry) })],
  });
  return {
    name: 'compact',
    run: (signal) => runCompactor(compactor, { wait: true, waitIntervalMs: c.waitIntervalMs, cleanupIntervalMs: 5 * 60_000, logger }, signal),
    stop: () => bucket.close(),
  };
}
