// Wiring of the standalone mode: demo data, the store gateway, an optional sidecar, optional rule groups, an
// optional remote-write receiver and the querier over them, all in one process, the querier reading the others
// in-process (and the rule groups querying the querier's engine in-process). Loaded only when the mode runs.
import type { FastifyInstance } from 'fastify';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { QuerierOptions } from './query-build.js';
import { buildQuerier } from './query-build.js';
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
import type { RuleEvalOptions } from './rule.js';
import { buildRuleEvaluation } from './rule-build.js';
import { localQueryFunc } from '../rule/local-query.js';
import type { QuerierParts } from './query-build.js';
import type { ApiEndpoint } from '../query/endpoint-set.js';
import type { RulesApi } from '../store/apis/component-apis.js';
import type { StandaloneReceiveOptions } from './standalone.js';
import { untilAborted } from '../runtime/run-group.js';
import { errorMessage } from '../runtime/errors.js';
import { createShipperMetrics } from '../shipper/shipper.js';
import { labelsFromRecord } from '../tsdb/labels/labels.js';

export interface StandaloneOptions {
  readonly objstore: ObjstoreFlagValue;
  readonly store: StoreOptions;
  readonly querier: QuerierOptions;
  readonly sidecar: SidecarOptions | undefined;
  readonly demo: boolean;
  /** With --rule-file: rule groups evaluated in-process over the querier's engine. */
  readonly rule: RuleEvalOptions | undefined;
  /** With --receive: a remote-write receiver whose TSDBs the querier reads and whose blocks go to the bucket. */
  readonly receive: StandaloneReceiveOptions | undefined;
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
  // Rule groups query the querier built below in-process (they start evaluating only once the actors run).
  const engine: { instantQuery?: QuerierParts['instantQuery'] } = {};
  const instantQuery = (expr: string, t: number, partial: boolean): ReturnType<QuerierParts['instantQuery']> => {
    if (!engine.instantQuery) return Promise.reject(new Error('the querier is not built yet'));
    return engine.instantQuery(expr, t, partial);
  };
  const rules = o.rule ? await buildRuleEvaluation(rt, o.rule, (strategy) => localQueryFunc(instantQuery, strategy)) : undefined;
  if (rules) locals.push(new LocalTarget('rule', rules.store));
  const receive = o.receive ? await buildStandaloneReceiver(rt, o.objstore, o.receive) : undefined;
  if (receive) locals.push(new LocalTarget('receive', receive.store));
  registerWebUi(app, { ...o.webUi, logger: rt.logger });
  // The querier's own readiness would flip at once; standalone's follows the store gateway's.
  const queryParts = buildQuerier({ ...rt, prober: new Prober() }, app, {
    ...o.querier,
    localTargets: () => locals.flatMap((l) => { const t = l.target(); return t ? [t] : []; }),
    localApis: (api) => {
      const out: ApiEndpoint[] = [];
      const apis = sidecarParts?.apis;
      const info = locals.find((l) => l.name === 'sidecar')?.target()?.info;
      if (apis && info) out.push({ name: 'sidecar', labelSets: info.labelSets, apis });
      const ruleInfo = locals.find((l) => l.name === 'rule')?.target()?.info;
      if (rules && api === 'rules' && ruleInfo) out.push({ name: 'rule', labelSets: ruleInfo.labelSets, apis: rulesOnly(rules.manager) });
      return out;
    },
  });
  engine.instantQuery = queryParts.instantQuery;
  if (rules) {
    app.post(`${o.querier.routePrefix.replace(/\/$/, '')}/-/reload`, async (_req, reply) => {
      const err = await rules.manager.reload();
      if (err) return reply.code(500).type('text/plain').send(`failed to reload config: ${err.message}`);
      return reply.code(200).send('');
    });
  }
  const compactActors = o.compact ? [await buildStandaloneCompactor(rt, o.objstore, o.compact)] : [];
  return {
    grpcServices: queryParts.grpcServices,
    actors: [
      ...(storeParts.actors ?? []), ...(sidecarParts?.actors ?? []), ...locals.map((l) => l.actor()), ...queryParts.actors, ...compactActors,
      ...(rules?.actors ?? []), ...(receive ? [receive.actor] : []),
    ],
  };
}

/** The ruler's Rules API as a component endpoint (asked only for rules: it has no targets, metadata or exemplars). */
function rulesOnly(rules: RulesApi): ApiEndpoint['apis'] {
  const none = (): Promise<never> => Promise.reject(new Error('the in-process ruler serves only the Rules API'));
  return { rules: (req, signal) => rules.rules(req, signal), targets: none, metricMetadata: none, exemplars: none };
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

/**
 * The remote-write receiver of --receive (receive's IngestorOnly mode): listening at once, tenants replayed, then
 * maintenance (head compaction, upload to standalone's bucket, retention); on stop it flushes its heads into blocks
 * and uploads them before the bucket closes.
 */
async function buildStandaloneReceiver(rt: Runtime, objstore: ObjstoreFlagValue, r: StandaloneReceiveOptions): Promise<{ store: StoreAPI; actor: Actor }> {
  const [{ Receiver }, { readAuthConfig }, { createLimitsMetrics }] = await Promise.all([
    import('../receive/receiver.js'), import('../receive/auth.js'), import('../receive/limits.js'),
  ]);
  const logger = rt.logger.with({ component: 'receive' });
  const bucket = await createBucket(parseBucketConfig(objstore.content, objstore.source, logger), { logger });
  const receiver = new Receiver({
    tsdbPath: r.tsdbPath, externalLabels: labelsFromRecord(r.externalLabels), tenantHeader: r.tenantHeader, defaultTenant: r.defaultTenant,
    tenantLabelName: r.tenantLabelName, replicaHeader: r.replicaHeader, db: { chunkRange: r.blockDurationMs, walCompression: r.walCompression },
    retentionMs: r.retentionMs, tooFarInFutureMs: r.tooFarInFutureMs, limitsFile: r.limitsFile, limitsContent: r.limitsContent,
    auth: r.authFile !== undefined ? readAuthConfig(r.authFile) : undefined, bucket,
    // A sidecar in the same process may have registered the shipper's metrics already: its counters then stand for both.
    shipperMetrics: rt.registry.getSingleMetric('thanos_shipper_uploads_total') ? undefined : createShipperMetrics(rt.registry),
    limitsMetrics: createLimitsMetrics(rt.registry), logger, registry: rt.registry, now: rt.now, tls: r.tls, decodeThreads: r.decodeThreads,
    maxInflightRequestBytes: r.maxInflightRequestBytes,
  });
  await receiver.listen(r.remoteWriteAddress);
  return {
    store: receiver.store!,
    actor: {
      name: 'receive',
      run: async (signal) => {
        await receiver.start();
        await receiver.maintain(signal).catch((err: unknown) => logger.error('receive maintenance failed', { err: errorMessage(err) }));
        await Promise.all([receiver.runMaintenance(signal), untilAborted(signal), ...(r.limitsFile !== undefined ? [receiver.limits.run(signal)] : [])]);
      },
      stop: async () => {
        await receiver.close();
        await bucket.close();
      },
    },
  };
}
