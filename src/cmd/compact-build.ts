// Wiring of the compactor from its options: bucket, BucketCompactor, and the actor that runs it once or with
// --wait. Readiness is set at start and withdrawn when a group halts. Loaded only when the mode runs.
import { BucketCompactor } from '../compact/bucket-compactor.js';
import { runCompactor } from '../compact/run.js';
import { createBucket, parseBucketConfig } from '../objstore/config.js';
import type { Runtime } from '../runtime/runtime.js';
import type { CompactOptions } from './compact.js';
import type { ModeParts } from './serve.js';
import { ModeCompleted } from './signals.js';

export async function buildCompactor(rt: Runtime, o: CompactOptions): Promise<ModeParts> {
  for (const w of o.warnings) rt.logger.warn(w);
  const bucket = await createBucket(parseBucketConfig(o.objstore.content, o.objstore.source, rt.logger), { logger: rt.logger, metrics: rt.registry });
  // Halt messages print commands that resolve them; they name the operator's own config file when there is one.
  const objstoreFlag = o.objstore.source.startsWith('--') ? '--objstore.config-file=<bucket.yaml>' : `--objstore.config-file=${o.objstore.source}`;
  const compactor = new BucketCompactor({
    bucket, dataDir: o.dataDir, logger: rt.logger, registry: rt.registry, now: rt.now,
    consistencyDelayMs: o.consistencyDelayMs, deleteDelayMs: o.deleteDelayMs, replicaLabels: o.replicaLabels,
    dedupFunc: o.dedupFunc, retention: o.retention, minTime: o.minTime, maxTime: o.maxTime, relabel: o.relabel,
    metaFetchConcurrency: o.metaFetchConcurrency, concurrency: o.concurrency, blocksFetchConcurrency: o.blocksFetchConcurrency,
    blockFilesConcurrency: o.blockFilesConcurrency, objstoreFlag,
    onHalt: (err) => rt.prober.notReady(`compaction halted for group ${err.group} (blocks ${err.blocks.join(', ')}): ${err.message}; to resolve: ${err.remedy}`),
  });
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
