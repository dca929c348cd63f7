// Wiring of the ruler from its options: its TSDB (head + WAL + blocks), the query client over the querier's HTTP
// API, the rule manager, the Alertmanager queue and sender, the HTTP API (/api/v1/rules, /api/v1/alerts,
// POST /-/reload), SIGHUP reload, the StoreAPI and Rules gRPC APIs, head compaction and, with a bucket, the shipper.
// buildRuleEvaluation is the part standalone shares (its rule groups query its own engine in-process).
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Runtime } from '../runtime/runtime.js';
import type { Actor } from '../runtime/run-group.js';
import { errorMessage } from '../runtime/errors.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import { Shipper, createShipperMetrics, runShipperLoop } from '../shipper/shipper.js';
import { parseRelabelConfigs } from '../block/relabel.js';
import { Db } from '../tsdb/head/db.js';
import { labelsFromRecord, labelsToRecord, type Labels } from '../tsdb/labels/labels.js';
import { TsdbStore } from '../store/tsdb-store.js';
import { storeGrpcServices } from '../store/grpc-server.js';
import { withSeriesLimits } from '../store/limited-store.js';
import { advertisedApis, componentApiGrpcServices } from '../store/apis/grpc.js';
import { DnsProvider } from '../query/dns-discovery.js';
import { alertJson, ruleGroupsJson } from '../query/api/component-json.js';
import { HttpEndpointGroup, QUERY_HTTP_CLIENT_CONFIG, alertmanagerConfigFromUrl, parseAlertmanagersConfig, parseQueryConfig, queryConfigFromAddresses } from '../rule/http-endpoints.js';
import { QueryClient } from '../rule/query-client.js';
import { AlertQueue, AlertSender, generatorUrl, toOutgoing } from '../rule/notifier.js';
import { createAlertMetrics, createRuleMetrics } from '../rule/metrics.js';
import { RuleManager } from '../rule/manager.js';
import { RuleStorage } from '../rule/storage.js';
import type { QueryFunc } from '../rule/rules.js';
import type { PartialResponseStrategy } from '../rule/rule-file.js';
import { parseTemplate } from '../rule/template/parse.js';
import type { RuleType } from '../store/apis/rules.js';
import type { ModeParts } from './serve.js';
import type { RuleEvalOptions, RuleOptions } from './rule.js';
import { ConfigError } from '../runtime/errors.js';

const COMPACT_INTERVAL_MS = 60_000;
const SHIPPER_INTERVAL_MS = 30_000;

export interface RuleEvaluation {
  readonly manager: RuleManager;
  readonly db: Db;
  /** The TSDB's series with the external labels (--label), as StoreAPI. */
  readonly store: TsdbStore;
  readonly externalLabels: Labels;
  readonly amGroups: readonly HttpEndpointGroup[];
  /** Alertmanager discovery, rule groups (with SIGHUP reload), the alert sender and head compaction. */
  readonly actors: readonly Actor[];
}

/**
 * Rule files evaluated with `queryFor` (the querier over HTTP, or standalone's engine in-process), results in a
 * TSDB under o.dataDir, alerts sent to the configured Alertmanagers. The first load of the rule files must succeed.
 */
export async function buildRuleEvaluation(rt: Runtime, o: RuleEvalOptions, queryFor: (strategy: PartialResponseStrategy) => QueryFunc): Promise<RuleEvaluation> {
  const logger = rt.logger;
  const externalLabels = labelsFromRecord(o.labels);
  try {
    parseTemplate(o.alertQueryTemplate, 'query-template');
  } catch (err) {
    throw new ConfigError(`parsing the template: ${errorMessage(err)}`, { where: '--alert.query-template' });
  }

  // Alertmanagers.
  const dns = new DnsProvider(undefined, logger);
  const amConfigs = o.alertmanagersConfig !== undefined
    ? parseAlertmanagersConfig(o.alertmanagersConfig.content, o.alertmanagersConfig.source, o.alertmanagersSendTimeoutMs)
    : o.alertmanagerUrls.map((u) => alertmanagerConfigFromUrl(u, o.alertmanagersSendTimeoutMs));
  const amGroups = amConfigs.map((c) => new HttpEndpointGroup(c, dns, o.alertmanagersDnsIntervalMs, logger.with({ component: 'alertmanager-sd' })));
  const alertMetrics = createAlertMetrics(rt.registry);
  const queue = new AlertQueue({
    externalLabels, labelDrop: o.alertLabelDrop, metrics: alertMetrics,
    relabel: o.alertRelabel !== undefined ? parseRelabelConfigs(o.alertRelabel.content, o.alertRelabel.source) : [],
  });
  const sender = new AlertSender(() => amGroups, { metrics: alertMetrics, logger: logger.with({ component: 'alertmanager' }) });
  if (amGroups.length === 0) logger.warn('no alertmanager configured; alerts are evaluated but not sent');

  // Storage.
  const db = await Db.open(o.dataDir, { logger: logger.with({ component: 'tsdb' }), chunkRange: o.blockDurationMs, walCompression: o.walCompression });
  const storage = new RuleStorage(db);

  const metrics = createRuleMetrics(rt.registry);
  const manager = new RuleManager({
    ruleFiles: o.ruleFiles, evalIntervalMs: o.evalIntervalMs, queryOffsetMs: o.queryOffsetMs, concurrentEvals: o.concurrentEvals,
    queryFor,
    appendable: storage,
    notify: (expr, alerts) => queue.push(toOutgoing(alerts, generatorUrl(o.alertQueryUrl, o.alertQueryTemplate, expr))),
    forState: (ls, mint, maxt) => storage.forState(ls, mint, maxt),
    externalLabels, externalUrl: o.alertQueryUrl, resendDelayMs: o.resendDelayMs, forGracePeriodMs: o.forGracePeriodMs,
    forOutageToleranceMs: o.forOutageToleranceMs, logger: logger.with({ component: 'rules' }), metrics, now: rt.now,
  });
  // The first load must succeed, as upstream (the process exits otherwise).
  try {
    await manager.load();
  } catch (err) {
    await db.close();
    throw err;
  }

  const store = new TsdbStore(() => db.seriesBlocks(), { externalLabels, componentType: 'rule', logger });
  const actors: Actor[] = [
    {
      name: 'alertmanager-discovery',
      run: async (signal) => {
        for (const g of amGroups) await g.start();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
      stop: () => { for (const g of amGroups) g.stop(); return Promise.resolve(); },
    },
    {
      name: 'rules',
      run: async (signal) => {
        const onHup = (): void => { void manager.reload(); };
        process.on('SIGHUP', onHup);
        try {
          await manager.run(signal);
        } finally {
          process.off('SIGHUP', onHup);
        }
      },
    },
    { name: 'alert-sender', run: (signal) => sender.run(queue, signal) },
    {
      name: 'tsdb',
      run: async (signal) => {
        while (!signal.aborted) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(done, COMPACT_INTERVAL_MS);
            function done(): void { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
            signal.addEventListener('abort', done, { once: true });
          });
          if (signal.aborted) break;
          try {
            const metas = await db.compactHead();
            for (const m of metas) logger.info('compacted the head into a block', { ulid: m.ulid, mint: m.minTime, maxt: m.maxTime });
          } catch (err) {
            logger.error('head compaction failed', { err: errorMessage(err) });
          }
        }
      },
      stop: () => db.close(),
    },
  ];
  return { manager, db, store, externalLabels, amGroups, actors };
}

export async function buildRule(rt: Runtime, app: FastifyInstance, o: RuleOptions): Promise<ModeParts> {
  const logger = rt.logger;

  // Query API endpoints.
  const dns = new DnsProvider(undefined, logger);
  const queryConfigs = o.queryConfig !== undefined
    ? parseQueryConfig(o.queryConfig.content, o.queryConfig.source)
    : [...queryConfigFromAddresses(o.query), ...(o.querySdFiles.length > 0 ? [{ scheme: 'http' as const, pathPrefix: '', staticAddresses: [], fileSd: [{ files: o.querySdFiles, refreshIntervalMs: o.querySdIntervalMs }], http: QUERY_HTTP_CLIENT_CONFIG, timeoutMs: 0, apiVersion: 'v2' as const }] : [])];
  const queryGroups = queryConfigs.map((c) => new HttpEndpointGroup(c, dns, o.querySdDnsIntervalMs, logger.with({ component: 'query-sd' })));
  const queryClient = new QueryClient(() => queryGroups, { method: o.queryHttpMethod, logger, onlyPrometheusParams: o.onlyPrometheusParams });

  const ev = await buildRuleEvaluation(rt, o, (strategy) => (expr, t) => queryClient.instantQuery(expr, t, strategy));
  const { manager, amGroups, externalLabels, store } = ev;

  // HTTP API in Prometheus's shape.
  const prefix = o.routePrefix.replace(/\/$/, '');
  app.get(`${prefix}/api/v1/rules`, async (req, reply) => {
    const q = req.query as Record<string, string | string[] | undefined>;
    const all = (k: string): string[] => { const v = q[k]; return v === undefined ? [] : Array.isArray(v) ? v : [v]; };
    const t = String(q['type'] ?? '').toLowerCase();
    if (t !== '' && t !== 'alert' && t !== 'record') {
      return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: `invalid rules parameter type='${String(q['type'])}'` });
    }
    try {
      const r = await manager.rules({
        type: (t === '' ? 'all' : t) as RuleType, partialResponseStrategy: 'ABORT', matchers: all('match[]'),
        ruleNames: all('rule_name[]'), ruleGroups: all('rule_group[]'), files: all('file[]'),
      });
      return reply.type('application/json').send(`{"status":"success","data":${ruleGroupsJson(r.groups)}}`);
    } catch (err) {
      return reply.code(400).send({ status: 'error', errorType: 'bad_data', error: errorMessage(err) });
    }
  });
  app.get(`${prefix}/api/v1/alerts`, async (_req, reply) => {
    return reply.type('application/json').send(JSON.stringify({ status: 'success', data: { alerts: manager.alerts().map(alertJson) } }));
  });
  app.get(`${prefix}/api/v1/alertmanagers`, async (_req, reply) => {
    const active = amGroups.flatMap((g) => g.urls()).map((u) => ({ url: `${u}/api/v2/alerts` }));
    return reply.send({ status: 'success', data: { activeAlertmanagers: active, droppedAlertmanagers: [] } });
  });
  app.get(`${prefix}/api/v1/status/labels`, async (_req, reply) => reply.send({ status: 'success', data: labelsToRecord(externalLabels) }));
  app.post(`${prefix}/-/reload`, async (_req, reply) => {
    const err = await manager.reload();
    if (err) return reply.code(500).type('text/plain').send(`failed to reload config: ${errorMessage(err)}`);
    return reply.code(200).send('');
  });

  const apis = { rules: manager };
  const actors: Actor[] = [
    {
      name: 'query-discovery',
      run: async (signal) => {
        rt.prober.ready();
        for (const g of queryGroups) await g.start();
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      },
      stop: () => { for (const g of queryGroups) g.stop(); return Promise.resolve(); },
    },
    ...ev.actors,
  ];

  if (o.objstore !== undefined) {
    const bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, logger), { logger, metrics: rt.registry, tracing: rt.tracing });
    const shipper = new Shipper(bucket, path.resolve(o.dataDir), {
      logger: logger.with({ component: 'shipper' }), labels: () => externalLabels, source: 'ruler',
      uploadCompacted: o.uploadCompacted, metrics: createShipperMetrics(rt.registry),
    });
    actors.push({ name: 'shipper', run: (signal) => runShipperLoop(shipper, signal, { intervalMs: SHIPPER_INTERVAL_MS }), stop: () => bucket.close() });
  } else {
    logger.info('no supported bucket was configured, uploads will be disabled');
  }

  const grpcServices = [
    ...storeGrpcServices(withSeriesLimits(store, o.seriesLimits), { logger, extraApis: advertisedApis(apis) }),
    ...componentApiGrpcServices(apis, { logger }),
  ];
  return { grpcServices, actors, store };
}
