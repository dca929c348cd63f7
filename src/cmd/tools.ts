// `thanos-ts tools`: offline utilities (TSDB blocks, buckets).
import type { Command } from 'commander';
import { registerToolsBucket } from './tools-bucket.js';
import { registerToolsTsdb } from './tools-tsdb.js';
import { registerToolsRulesCheck } from './tools-rules.js';

export function registerTools(program: Command): void {
  const tools = program.command('tools').description('Tools utility commands');
  registerToolsTsdb(tools);
  registerToolsBucket(tools);
  registerToolsRulesCheck(tools);
}
