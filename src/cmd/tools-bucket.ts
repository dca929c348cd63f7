// `thanos-ts tools bucket ...`: bucket inspection commands (placeholder until the object-storage work lands).
import type { Command } from 'commander';

export function registerToolsBucket(tools: Command): void {
  tools.command('bucket').description('Bucket tools (ls, inspect) — not built yet')
    .action(() => { throw new Error('tools bucket is not built yet'); });
}
