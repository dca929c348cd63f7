// `thanos-ts tools`: offline utilities (TSDB blocks, buckets, rules, receive hashrings).
import type { Command } from 'commander';
import { registerToolsBucket } from './tools-bucket.js';
import { registerToolsTsdb } from './tools-tsdb.js';
import { registerToolsRulesCheck } from './tools-rules.js';
import { registerToolsReceive } from './tools-receive.js';

export function registerTools(program: Command): void {
  const tools = program.command('tools').description('Tools utility commands');
  registerToolsTsdb(tools);
  registerToolsBucket(tools);
  registerToolsRulesCheck(tools);
  registerToolsReceive(tools);
}
