// `thanos-ts tools tsdb ...`: promtool-style block commands (placeholder until the TSDB work lands).
import type { Command } from 'commander';

export function registerToolsTsdb(tools: Command): void {
  tools.command('tsdb').description('Prometheus TSDB block tools (dump, list, analyze, create-blocks-from) — not built yet')
    .action(() => { throw new Error('tools tsdb is not built yet'); });
}
