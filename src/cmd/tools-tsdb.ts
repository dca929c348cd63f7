// `thanos-ts tools tsdb ...`: promtool-style block commands (dump, create-blocks-from openmetrics, list, analyze),
// so blocks can be checked with tools people already trust. The work lives in src/tsdb/tools/.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../runtime/duration.js';
import { ConfigError, errorMessage } from '../runtime/errors.js';
import { createLogger } from '../runtime/logger.js';
import { backfillOpenMetrics, DEFAULT_BLOCK_DURATION } from '../tsdb/tools/backfill.js';
import { dumpSamples } from '../tsdb/tools/dump.js';
import { analyzeBlock, formatBlockTable, listBlocks } from '../tsdb/tools/list.js';
import { parseSelector } from '../tsdb/tools/selector.js';

const MIN_INT64 = '-9223372036854775808';
const MAX_INT64 = '9223372036854775807';
const DEFAULT_MATCH = "{__name__=~'(?s:.*)'}";

function parseMillis(flag: string, v: string): number {
  if (!/^-?\d+$/.test(v)) throw new ConfigError(`invalid timestamp ${JSON.stringify(v)}: want integer milliseconds`, { where: flag });
  return Number(v);
}

/** Prometheus duration (e.g. 2h, 90m, 1d) in ms. */
function durationFlag(flag: string, v: string): number {
  try {
    return parseDuration(v);
  } catch (err) {
    throw new ConfigError(errorMessage(err), { where: flag });
  }
}

async function writeOut(s: string): Promise<void> {
  if (!process.stdout.write(s)) await new Promise<void>((resolve) => process.stdout.once('drain', () => resolve()));
}

export function registerToolsTsdb(tools: Command): void {
  const tsdb = tools.command('tsdb').description('Run tsdb commands (promtool tsdb compatible).');

  tsdb.command('dump')
    .description('Dump samples from a TSDB data directory or block directory.')
    .argument('[db-path]', 'database path (a data directory of blocks and its head in wal/, or one block directory)', 'data/')
    .option('--min-time <ms>', 'minimum timestamp to dump (inclusive, ms)', MIN_INT64)
    .option('--max-time <ms>', 'maximum timestamp to dump (inclusive, ms)', MAX_INT64)
    .option('--match <selector>', 'series selector', DEFAULT_MATCH)
    .action(async (dbPath: string, opts: { minTime: string; maxTime: string; match: string }) => {
      const matchers = opts.match === DEFAULT_MATCH ? [] : parseSelector(opts.match);
      await dumpSamples(dbPath, process.stdout, {
        minTime: parseMillis('--min-time', opts.minTime), maxTime: parseMillis('--max-time', opts.maxTime), matchers,
        logger: createLogger({ caller: false }),
      });
    });

  tsdb.command('list')
    .description('List tsdb blocks.')
    .argument('[db-path]', 'database path', 'data/')
    .option('-r, --human-readable', 'print human readable values', false)
    .action(async (dbPath: string, opts: { humanReadable: boolean }) => {
      await writeOut(formatBlockTable(await listBlocks(dbPath), true, opts.humanReadable));
    });

  tsdb.command('analyze')
    .description('Analyze churn, label pair cardinality of a block.')
    .argument('[db-path]', 'database path', 'data/')
    .argument('[block-id]', 'block to analyze (default is the last block)')
    .option('--limit <n>', 'how many items to show in each list', '20')
    .action(async (dbPath: string, blockId: string | undefined, opts: { limit: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new ConfigError(`invalid limit ${JSON.stringify(opts.limit)}`, { where: '--limit' });
      await writeOut(await analyzeBlock(dbPath, blockId, limit));
    });

  const from = tsdb.command('create-blocks-from').description('[Experimental] Import samples from input and produce TSDB blocks.');
  from.command('openmetrics')
    .description('Import samples from OpenMetrics input and produce TSDB blocks.')
    .argument('<input-file>', 'OpenMetrics file to read samples from')
    .argument('[output-dir]', 'output directory for generated blocks', 'data/')
    .option('-r, --human-readable', 'print human readable values', false)
    .option('-q, --quiet', 'do not print created blocks', false)
    .option('--max-block-duration <duration>', 'maximum duration created blocks may span', '2h')
    .action(async (input: string, outputDir: string, opts: { humanReadable: boolean; quiet: boolean; maxBlockDuration: string }) => {
      const maxBlock = opts.maxBlockDuration === '2h' ? DEFAULT_BLOCK_DURATION : durationFlag('--max-block-duration', opts.maxBlockDuration);
      const metas = await backfillOpenMetrics(await readFile(input, 'utf8'), outputDir, maxBlock);
      if (opts.quiet || metas.length === 0) return;
      const blocks = (await listBlocks(outputDir)).filter((b) => metas.some((m) => m.ulid === b.meta.ulid));
      let out = '';
      blocks.forEach((b, i) => { out += formatBlockTable([b], i === 0, opts.humanReadable); });
      await writeOut(out);
    });
}
