// `thanos-ts tools receive hashring`: which receivers a series goes to under a hashrings file (beyond upstream: an
// offline check of a file before it is rolled out). The work lives in src/receive/hashring/.
import type { Command } from 'commander';
import { createLogger } from '../runtime/logger.js';
import { declareFlags, FlagError, FlagReader } from './flags.js';
import type { FlagSpec } from './flags.js';
import { LOG_FLAGS, readLogOptions } from './flag-groups.js';

/** The receive mode's hashring flags (same names, defaults and help), working here. */
export const HASHRING_TOOL_FLAGS: readonly FlagSpec[] = [
  { name: 'receive.hashrings-file', default: '', placeholder: 'path', help: 'Path to file that contains the hashring configuration.' },
  { name: 'receive.hashrings', default: '', placeholder: 'content', help: 'Alternative to \'receive.hashrings-file\' flag (lower priority). Content of file that contains the hashring configuration.' },
  { name: 'receive.hashrings-algorithm', default: 'hashmod', help: 'The algorithm used when distributing series in the hashrings. Must be one of hashmod, ketama (ketama recommended: adding a receiver moves few series).' },
  { name: 'receive.replication-factor', default: '1', help: 'How many times to replicate incoming write requests.' },
  { name: 'tenant', default: 'default-tenant', help: 'The tenant the series is written for (THANOS-TENANT header).' },
  { name: 'series', kind: 'repeat', placeholder: 'selector', help: 'The series as exact label values, e.g. \'{__name__="up",job="x"}\'.' },
];

export function registerToolsReceive(tools: Command, write: (s: string) => void = (s) => { process.stdout.write(s); }): void {
  const receive = tools.command('receive').description('Receive utility commands');
  const hashring = receive.command('hashring').description('Print the endpoint of each replica of a series under a hashrings file.');
  declareFlags(hashring, [...LOG_FLAGS, ...HASHRING_TOOL_FLAGS]);
  hashring.action(async (_opts: unknown, cmd: Command) => {
    const f = new FlagReader(cmd);
    const log = readLogOptions(f);
    const logger = createLogger({ level: log.level, format: log.format });
    const { parseHashringAlgorithm } = await import('../receive/hashring/config.js');
    const { loadHashringsConfig } = await import('../receive/hashring/watcher.js');
    const { explainRouting, seriesFromSelector } = await import('../receive/hashring/explain.js');
    const algorithm = parseHashringAlgorithm(f.string('receive.hashrings-algorithm'), '--receive.hashrings-algorithm');
    const replicas = f.int('receive.replication-factor');
    if (replicas < 1) throw new FlagError('receive.replication-factor', String(replicas), 'must be at least 1');
    const series = f.list('series').map((s) => seriesFromSelector(s, '--series'));
    if (series.length === 0) throw new FlagError('series', '', 'give at least one series, e.g. --series=\'{__name__="up",job="x"}\'');
    const source = loadHashringsConfig({
      file: f.string('receive.hashrings-file'), content: f.string('receive.hashrings'), algorithm, replicationFactor: replicas, logger,
    });
    if (!source) throw new FlagError('receive.hashrings-file', '', 'a hashrings file (or --receive.hashrings) is required');
    write(explainRouting(source.current(), f.string('tenant'), series, replicas));
  });
}
