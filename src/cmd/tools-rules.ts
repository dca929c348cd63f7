// `thanos-ts tools rules-check`: checks rule files as upstream's `thanos tools rules-check` (promtool's verdicts).
import type { Command } from 'commander';

export function registerToolsRulesCheck(tools: Command): void {
  tools.command('rules-check')
    .description('Check if the rule files are valid or not.')
    .option('--rules <glob>', 'The rule files glob to check (repeated).', (v: string, prev: string[] = []) => [...prev, v])
    .action(async (opts: { rules?: string[] }) => {
      const { checkRules } = await import('../rule/rules-check.js');
      const r = await checkRules(opts.rules ?? []);
      process.stdout.write(r.out);
      process.stderr.write(r.err);
      if (!r.ok) process.exitCode = 1;
    });
}
