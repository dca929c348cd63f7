// Wiring of the compactor from its options: bucket, BucketCompactor, the actor that runs it once or with --wait,
// and (with --wait, unless --web.disable) the block viewer's routes. Readiness is set at start and withdrawn when a
// group halts. Loaded only when the mode runs.
import type { FastifyInstance } from 'fastify';
import { BlockView } from '../compact/block-viewer.js';
import { BucketCompactor } from '../compact/bucket-compactor.js';
import { downsampleIterationPass, downsampleMetrics } from '../compact/downsample-pass.js';
import { runCompactor } from '../compact/run.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { Runtime } from '../runtime/runtime.js';
import type { CompactOptions } from './compact.js';
import type { ModeParts } from './serve.js';
import { ModeCompleted } from './signals.js';

export async function buildCompactor(rt: Runtime, app: FastifyInstance, o: CompactOptions): Promise<ModeParts> {
  for (const w of o.warnings) rt.logger.warn(w);
  const bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger), { logger: rt.logger, metrics: rt.registry, tracing: rt.tracing });
  // Halt messages print commands that resolve them; they name the operator's own config file when there is one.
  const objstoreFlag = o.objstore.source.startsWith('--') ? '--objstore.config-file=<bucket.yaml>' : `--objstore.config-file=${o.objstore.source}`;
  const compactor = new BucketCompactor({
    bucket, dataDir: o.dataDir, logger: rt.logger, registry: rt.registry, now: rt.now,
    consistencyDelayMs: o.consistencyDelayMs, deleteDelayMs: o.deleteDelayMs, replicaLabels: o.replicaLabels,
    dedupFunc: o.dedupFunc, retention: o.retention, minTime: o.minTime, maxTime: o.maxTime, relabel: o.relabel,
    metaFetchConcurrency: o.metaFetchConcurrency, concurrency: o.concurrency, blocksFetchConcurrency: o.blocksFetchConcurrency,
    blockFilesConcurrency: o.blockFilesConcurrency, objstoreFlag,
    passes: o.downsamplingDisabled ? [] : [downsampleIterationPass({ concurrency: o.downsampleConcurrency, metrics: downsampleMetrics(rt.registry) })],
    onHalt: (err) => rt.prober.notReady(`compaction halted for group ${err.group} (blocks ${err.blocks.join(', ')}): ${err.message}; to resolve: ${err.remedy}`),
  });
  if (o.wait && o.web.enabled) {
    const view = new BlockView(bucket, { logger: rt.logger, disableAdmin: o.web.disableAdmin, loaded: () => compactor.lastSync?.metas.values() });
    mountBlockView(app, view, o.web.routePrefix, o.web.externalPrefix || o.web.routePrefix);
  }
  rt.prober.ready();
  return {
    actors: [{
      name: 'compact',
      run: async (signal) => {
        await runCompactor(compactor, { wait: o.wait, waitIntervalMs: o.waitIntervalMs, cleanupIntervalMs: o.cleanupIntervalMs, logger: rt.logger }, signal);
        if (!o.wait) throw new ModeCompleted('compaction done');
      },
      stop: async () => {
        rt.prober.notReady('shutting down');
        await bucket.close();
      },
    }],
  };
}

/** The block viewer's page and API under `route`; links in the page start with `links`. */
export function mountBlockView(app: FastifyInstance, view: BlockView, route: string, links: string): void {
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  }
  const send = async (reply: { code(n: number): { type(t: string): { send(b: string): unknown } } }, r: { status: number; type: string; body: string }): Promise<unknown> => reply.code(r.status).type(r.type).send(r.body);
  app.get(`${route}/`, async (_req, reply) => reply.redirect(`${links}/blocks`));
  app.get(`${route}/blocks`, async (_req, reply) => send(reply, await view.page(links)));
  app.get(`${route}/api/v1/blocks`, async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    return send(reply, await view.api(q['view']));
  });
  app.post(`${route}/api/v1/blocks/mark`, async (req, reply) => {
    const body = typeof req.body === 'string' ? req.body : '';
    return send(reply, await view.mark(new URLSearchParams(body)));
  });
}
