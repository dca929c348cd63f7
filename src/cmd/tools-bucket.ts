// `thanos-ts tools bucket ls|inspect|verify|mark|cleanup|retention` (upstream cmd/thanos/tools_bucket.go): list the
// blocks of a bucket, print a table of their meta.json, check them for issues, put or remove markers, delete marked
// blocks and partial uploads, and apply retention once. The work lives in src/compact and src/block (inspect.ts: the
// listings); this file wires flags.
import type { Command } from 'commander';
import { createLogger } from '../runtime/logger.js';
import type { Logger } from '../runtime/logger.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { formatGoDuration } from '../runtime/duration.js';
import { isBlockId } from '../tsdb/block/ulid.js';
import type { Bucket, BucketReader } from '../objstore/bucket.js';
import { INSPECT_COLUMNS, formatInspect, formatLs } from '../block/inspect.js';
import type { ThanosMeta } from '../block/meta.js';
import { DELETION_MARK_FILENAME } from '../block/markers.js';
import { MetaFetcher } from '../block/fetcher.js';
import { ConsistencyDelayFilter, IgnoreDeletionMarkFilter } from '../block/filters.js';
import { PARTIAL_UPLOAD_THRESHOLD_MS, cleanPartialUploads, deleteMarkedBlocks } from '../compact/clean.js';
import { MARKER_FILES, markBlock, unmarkBlock, type MarkerFile } from '../compact/marks.js';
import { applyRetention } from '../compact/retention.js';
import { VERIFY_ISSUES, verifyBucket, type VerifyIssue } from '../compact/verify.js';
import { declareFlags, FlagError, FlagReader } from './flags.js';
import { HTTP_FLAGS, LOG_FLAGS, OBJSTORE_FLAGS, readHttpOptions, readLogOptions, readObjstoreFlag } from './flag-groups.js';

export type Write = (s: string) => void;

/** Every block's meta, sorted by ULID, through the one meta fetcher (partial uploads and corrupted metas left out). */
async function blockMetas(bucket: BucketReader, logger: Logger, signal: AbortSignal): Promise<ThanosMeta[]> {
  const r = await new MetaFetcher(bucket, { logger }).fetch(signal);
  return [...r.metas.values()].sort((a, b) => (a.ulid < b.ulid ? -1 : a.ulid > b.ulid ? 1 : 0));
}

async function openBucket(cmd: Command): Promise<{ bucket: Bucket; logger: Logger }> {
  const f = new FlagReader(cmd);
  const log = readLogOptions(f);
  const logger = createLogger({ level: log.level, format: log.format });
  const src = readObjstoreFlag(f);
  if (!src) throw new ConfigError('an object store configuration is required (--objstore.config-file or --objstore.config)');
  const { createBucket, parseBucketConfig } = await import('../objstore/config.js');
  const bucket = await createBucket(parseBucketConfig(src.content, src.source, logger), { logger });
  return { bucket, logger };
}

function timeoutSignal(f: FlagReader): AbortSignal {
  return AbortSignal.timeout(f.durationMs('timeout'));
}

async function withBucket(cmd: Command, run: (bucket: Bucket, logger: Logger, signal: AbortSignal) => Promise<string>, write: Write): Promise<void> {
  const signal = timeoutSignal(new FlagReader(cmd));
  const { bucket, logger } = await openBucket(cmd);
  try {
    write(await run(bucket, logger, signal));
  } catch (err) {
    throw signal.aborted ? new Error(`bucket operation timed out: ${errorMessage(err)}`, { cause: err }) : err;
  } finally {
    await bucket.close();
  }
}

export function registerToolsBucket(tools: Command, write: Write = (s) => { process.stdout.write(s); }): void {
  const bucket = tools.command('bucket').description('Bucket utility commands');

  const ls = bucket.command('ls').description('List all blocks in the bucket.');
  declareFlags(ls, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'output', short: 'o', default: '', help: 'Optional format in which to print each block\'s information. Options are \'json\', \'wide\' or a custom template.' },
    { name: 'exclude-delete', kind: 'bool', help: 'Exclude blocks marked for deletion.' },
    { name: 'timeout', default: '5m', help: 'Timeout to download metadata from remote storage' }]);
  ls.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const output = f.string('output');
    if (output !== '' && output !== 'wide' && output !== 'json') throw new FlagError('output', output, 'must be "", wide or json');
    const excludeDelete = f.bool('exclude-delete');
    await withBucket(cmd, async (b, logger, signal) => {
      let metas = await blockMetas(b, logger, signal);
      if (excludeDelete) {
        const marked = await Promise.all(metas.map((m) => b.exists(`${m.ulid}/${DELETION_MARK_FILENAME}`, { signal })));
        metas = metas.filter((_, i) => !marked[i]);
      }
      return formatLs(metas, output);
    }, write);
  });

  const inspect = bucket.command('inspect').description('Inspect all blocks in the bucket in detailed, table-like way.');
  declareFlags(inspect, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'selector', short: 'l', kind: 'repeat', placeholder: '<name>=\\"<value>\\"', help: 'Selects blocks based on label, e.g. \'-l key1=\\"value1\\" -l key2=\\"value2\\"\'. All key value pairs must match.' },
    { name: 'sort-by', kind: 'repeat', placeholder: 'COLUMN', help: `Sort by columns. It's also possible to sort by multiple columns, e.g. '--sort-by FROM --sort-by UNTIL'. I.e., if the 'FROM' value is equal the rows are then further sorted by the 'UNTIL' value. Possible values: ${INSPECT_COLUMNS.join(', ')}` },
    { name: 'output', default: 'table', help: 'Output format for result. Currently supports table, csv, tsv.' },
    { name: 'timeout', default: '5m', help: 'Timeout to download metadata from remote storage' }]);
  inspect.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const output = f.string('output');
    if (output !== 'table' && output !== 'csv' && output !== 'tsv') throw new FlagError('output', output, 'must be one of table, csv, tsv');
    const selector = f.labels('selector');
    const sortBy = f.list('sort-by');
    for (const c of sortBy) {
      if (!(INSPECT_COLUMNS as readonly string[]).includes(c)) throw new FlagError('sort-by', c, `column not found (columns: ${INSPECT_COLUMNS.join(', ')})`);
    }
    await withBucket(cmd, async (b, logger, signal) => formatInspect(await blockMetas(b, logger, signal), {
      selector, output, ...(sortBy.length > 0 ? { sortBy } : {}),
    }), write);
  });

  registerWeb(bucket);
  registerVerify(bucket, write);
  registerMark(bucket, write);
  registerCleanup(bucket, write);
  registerRetention(bucket, write);
  registerDownsample(bucket);
}

function registerDownsample(bucket: Command): void {
  // The logic lives with the compactor's pass (compact/downsample-pass.ts); this only wires flags to it.
  const downsample = bucket.command('downsample').description('Downsamples the blocks of an object store bucket once: raw → 5m for blocks spanning ≥ 40h, 5m → 1h for ≥ 10d.');
  declareFlags(downsample, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'data-dir', default: './data', placeholder: 'dir', help: 'Data directory in which to cache blocks and process downsamplings.' },
    { name: 'downsample.concurrency', default: '1', help: 'Number of goroutines to use when downsampling blocks.' }]);
  downsample.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const dataDir = f.string('data-dir');
    const concurrency = f.int('downsample.concurrency');
    if (concurrency < 1) throw new FlagError('downsample.concurrency', String(concurrency), 'must be at least 1');
    const { bucket: b, logger } = await openBucket(cmd);
    try {
      const { downsampleBucketOnce } = await import('../compact/downsample-pass.js');
      const r = await downsampleBucketOnce(b, dataDir, { concurrency, logger });
      if (r.failed.length > 0) throw new Error(`downsampling failed for ${r.failed.length} block(s): ${r.failed.map((x) => `${x.ulid}: ${x.error.message}`).join('; ')}`);
      logger.info('downsampling done', { created: r.created.length, noDownsampleMarked: r.noDownsampleMarked.length });
    } finally {
      await b.close();
    }
  });
}

function registerVerify(bucket: Command, write: Write): void {
  const verify = bucket.command('verify').description('Verify all blocks in the bucket against specified issues. NOTE: Depending on issue this might take time and will need downloading all specified blocks to disk.');
  declareFlags(verify, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'repair', short: 'r', kind: 'bool', help: 'Attempt to repair blocks for which issues were detected', support: 'refused' },
    { name: 'issues', short: 'i', kind: 'repeat', placeholder: 'issue', help: `Issues to verify (and optionally repair). Possible issues: ${VERIFY_ISSUES.join(', ')} (default: index_known_issues, overlapped_blocks)` },
    { name: 'id', kind: 'repeat', placeholder: 'ulid', help: 'Block IDs to verify (and optionally repair) only. If none is specified, all blocks will be verified. Repeated field' },
    { name: 'timeout', default: '5m', help: 'Timeout to download metadata from remote storage' }]);
  verify.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    for (const line of f.checkSupport([{ name: 'repair', kind: 'bool', help: '', support: 'refused' }])) process.stderr.write(line + '\n');
    const issues = f.commaList('issues');
    const chosen = (issues.length > 0 ? issues : ['index_known_issues', 'overlapped_blocks']) as VerifyIssue[];
    for (const i of chosen) if (!(VERIFY_ISSUES as readonly string[]).includes(i)) throw new FlagError('issues', i, `must be one of ${VERIFY_ISSUES.join(', ')}`);
    const ids = f.list('id');
    let found = 0;
    await withBucket(cmd, async (b, logger, signal) => {
      const r = await new MetaFetcher(b, { logger, filters: [new IgnoreDeletionMarkFilter(b, 0, { logger })] }).fetch(signal);
      const findings = await verifyBucket(b, [...r.metas.values()], { issues: chosen, ids, signal });
      found = findings.length;
      return findings.map((x) => `${x.issue}: ${x.group ? `group ${x.group}: ` : ''}${x.message}\n`).join('')
        + `verified ${ids.length > 0 ? ids.length : r.metas.size} blocks for ${chosen.join(', ')}: ${findings.length} issue(s)\n`;
    }, write);
    if (found > 0) throw new Error(`verify found ${found} issue(s)`);
  });
}

function registerMark(bucket: Command, write: Write): void {
  const mark = bucket.command('mark').description('Mark block for deletion or no-compact in a safe way. NOTE: If the compactor is currently running compacting same block, this operation would be potentially a noop.');
  declareFlags(mark, [...LOG_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'id', kind: 'repeat', placeholder: 'ulid', help: 'ID (ULID) of the blocks to be marked for deletion (repeated flag)' },
    { name: 'marker', default: '', help: `Marker to be put. One of ${MARKER_FILES.join(', ')}.` },
    { name: 'details', default: '', help: 'Human readable details to be put into marker.' },
    { name: 'remove', kind: 'bool', help: 'Remove the marker.' },
    { name: 'timeout', default: '5m', help: 'Timeout for bucket operations' }]);
  mark.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const ids = f.list('id');
    if (ids.length === 0) throw new FlagError('id', '', 'required flag --id not provided');
    for (const id of ids) if (!isBlockId(id)) throw new FlagError('id', id, 'must be a block ULID');
    const marker = f.string('marker');
    if (!(MARKER_FILES as readonly string[]).includes(marker)) throw new FlagError('marker', marker, `must be one of ${MARKER_FILES.join(', ')}`);
    const remove = f.bool('remove');
    const details = f.string('details');
    if (!remove && details === '') throw new FlagError('details', '', 'required flag --details not provided');
    await withBucket(cmd, async (b, logger, signal) => {
      for (const id of ids) {
        if (remove) {
          await unmarkBlock(b, id, marker as MarkerFile, signal);
          logger.info('marker removed', { id, marker });
        } else {
          const outcome = await markBlock(b, id, marker as MarkerFile, { details, signal });
          if (outcome === 'exists') logger.warn('block already carries this marker; left unchanged', { id, marker });
          else logger.info('marked', { id, marker });
        }
      }
      logger.info('marking done', { IDs: ids.join(',') });
      return '';
    }, write);
  });
}

const DELAY_FLAGS = [
  { name: 'delete-delay', default: '48h', placeholder: 'duration', help: 'Time before a block marked for deletion is deleted from bucket.' },
  { name: 'consistency-delay', default: '30m', placeholder: 'duration', help: `Minimum age of fresh (non-compacted) blocks before they are being processed. Malformed blocks older than the maximum of consistency-delay and ${formatGoDuration(PARTIAL_UPLOAD_THRESHOLD_MS)} will be removed.` },
  { name: 'block-sync-concurrency', default: '20', help: 'Number of goroutines to use when syncing block metadata from object storage.' },
  { name: 'timeout', default: '60m', help: 'Timeout for bucket operations' },
] as const;

function registerCleanup(bucket: Command, write: Write): void {
  const cleanup = bucket.command('cleanup').description('Cleans up all blocks marked for deletion.');
  declareFlags(cleanup, [...LOG_FLAGS, ...OBJSTORE_FLAGS, ...DELAY_FLAGS]);
  cleanup.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const deleteDelayMs = f.durationMs('delete-delay');
    const consistencyDelayMs = f.durationMs('consistency-delay');
    const concurrency = Math.max(1, f.int('block-sync-concurrency'));
    await withBucket(cmd, async (b, logger, signal) => {
      const marks = new IgnoreDeletionMarkFilter(b, deleteDelayMs, { logger, concurrency });
      const r = await new MetaFetcher(b, { logger, concurrency, filters: [marks] }).fetch(signal);
      const now = Date.now();
      const { deleted, errors } = await deleteMarkedBlocks(b, marks.marks, deleteDelayMs, { logger, now, signal });
      const partial = await cleanPartialUploads(b, r.partial.keys(), Math.max(PARTIAL_UPLOAD_THRESHOLD_MS, consistencyDelayMs), deleteDelayMs, { logger, now, signal });
      if (errors.length > 0) throw new Error(`cleanup failed for ${errors.length} block(s): ${errors.map(errorMessage).join('; ')}`);
      logger.info('cleanup done', { deleted_marked: deleted.length, deleted_partial: partial.length });
      return '';
    }, write);
  });
}

function registerRetention(bucket: Command, write: Write): void {
  const retention = bucket.command('retention').description('Retention applies retention policies on the given bucket. Please make sure no compactor is running on the same bucket at the same time.');
  declareFlags(retention, [...LOG_FLAGS, ...OBJSTORE_FLAGS, ...DELAY_FLAGS,
    { name: 'retention.resolution-raw', default: '0d', placeholder: 'duration', help: 'How long to retain raw samples in bucket. Setting this to 0d will retain samples of this resolution forever' },
    { name: 'retention.resolution-5m', default: '0d', placeholder: 'duration', help: 'How long to retain samples of resolution 1 (5 minutes) in bucket. Setting this to 0d will retain samples of this resolution forever' },
    { name: 'retention.resolution-1h', default: '0d', placeholder: 'duration', help: 'How long to retain samples of resolution 2 (1 hour) in bucket. Setting this to 0d will retain samples of this resolution forever' }]);
  retention.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const policy = { raw: f.durationMs('retention.resolution-raw'), fiveMinutes: f.durationMs('retention.resolution-5m'), oneHour: f.durationMs('retention.resolution-1h') };
    const deleteDelayMs = f.durationMs('delete-delay');
    const consistencyDelayMs = f.durationMs('consistency-delay');
    const concurrency = Math.max(1, f.int('block-sync-concurrency'));
    await withBucket(cmd, async (b, logger, signal) => {
      const r = await new MetaFetcher(b, { logger, concurrency, filters: [
        new ConsistencyDelayFilter(consistencyDelayMs), new IgnoreDeletionMarkFilter(b, deleteDelayMs / 2, { logger, concurrency }),
      ] }).fetch(signal);
      const marked = await applyRetention(b, r.metas.values(), policy, { now: Date.now(), logger, signal });
      logger.info('retention applied', { marked: marked.length });
      return '';
    }, write);
  });
}

function registerWeb(bucket: Command): void {
  const web = bucket.command('web').description('Web interface for remote storage bucket.');
  declareFlags(web, [...LOG_FLAGS, ...HTTP_FLAGS, ...OBJSTORE_FLAGS,
    { name: 'web.route-prefix', default: '', help: 'Prefix for API and UI endpoints. This allows thanos UI to be served on a sub-path. This option is analogous to --web.route-prefix of Prometheus.' },
    { name: 'web.external-prefix', default: '', help: 'Static prefix for all HTML links and redirect URLs in the bucket web UI interface. Actual endpoints are still served on / or the web.route-prefix.' },
    { name: 'refresh', default: '30m', placeholder: 'duration', help: 'Refresh interval to download metadata from remote storage' },
    { name: 'timeout', default: '5m', placeholder: 'duration', help: 'Timeout to download metadata from remote storage' },
    { name: 'label', default: '', help: 'External block label to use as group title' },
    { name: 'disable-admin-operations', kind: 'bool', help: 'Disable UI/API admin operations like marking blocks for deletion and no compaction.' }]);
  web.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const log = readLogOptions(f);
    const http = readHttpOptions(f);
    const refreshMs = f.durationMs('refresh');
    const timeoutMs = f.durationMs('timeout');
    if (refreshMs <= 0) throw new FlagError('refresh', f.string('refresh'), 'must be above 0');
    const prefix = (name: string): string => f.string(name).replace(/\/+$/, '');
    const route = prefix('web.route-prefix');
    const links = prefix('web.external-prefix') || route;
    const label = f.string('label');
    const disableAdmin = f.bool('disable-admin-operations');
    const src = readObjstoreFlag(f);
    if (!src) throw new ConfigError('an object store configuration is required (--objstore.config-file or --objstore.config)');
    const [{ serveMode }, { mountBlockView }, { BlockView }, { createBucket, parseBucketConfig }] = await Promise.all([
      import('./serve.js'), import('./compact-build.js'), import('../compact/block-viewer.js'), import('../objstore/config.js'),
    ]);
    await serveMode({ component: 'bucket-web', log, http, setup: async (rt, app) => {
      const b = await createBucket(parseBucketConfig(src.content, src.source, rt.logger), { logger: rt.logger, metrics: rt.registry });
      const view = new BlockView(b, { logger: rt.logger, disableAdmin, maxAgeMs: refreshMs, ...(label !== '' ? { label } : {}) });
      mountBlockView(app, view, route, links);
      return { actors: [{
        name: 'refresh',
        run: async (signal) => {
          while (!signal.aborted) {
            await view.refresh(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
            rt.prober.ready();
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, refreshMs);
              signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
            });
          }
        },
        stop: async () => { rt.prober.notReady('shutting down'); await b.close(); },
      }] };
    } });
  });
}
