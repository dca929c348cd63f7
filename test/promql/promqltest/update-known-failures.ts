// Regenerates known-failures.ts from a run of the shared test files: every failing eval with the reason it is out
// of scope (or "not yet supported" with the failure for float, stable evals). Run: npx tsx test/promql/promqltest/update-known-failures.ts
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runScript } from '../../../src/promql/promqltest/runner.js';
import { outOfScopeReason, scanEvals } from './classify.js';

const dir = join(import.meta.dirname, '../../../../shared/promql-testdata');
const entries: string[] = [];
for (const f of readdirSync(dir).filter((x) => x.endsWith('.test')).sort()) {
  const text = readFileSync(join(dir, f), 'utf8');
  const infos = new Map(scanEvals(text).map((e) => [e.line, e]));
  for (const o of await runScript(text)) {
    if (!o.problem) continue;
    const info = infos.get(o.line);
    const reason = (info && outOfScopeReason(info)) ?? `float, stable; not yet: ${o.problem.replace(/\s+/g, ' ').slice(0, 140)}`;
    entries.push(`  ${JSON.stringify(`${f}:${o.line}`)}: ${JSON.stringify(reason)},`);
  }
}
const out = `// Every eval of the shared PromQL test files (../shared/promql-testdata) that our engine does not pass, with the
// reason. The runner fails if an eval NOT listed here fails. Regenerate with update-known-failures.ts.

export const KNOWN_FAILURES: Readonly<Record<string, string>> = {
${entries.join('\n')}
};
`;
writeFileSync(new URL('./known-failures.ts', import.meta.url), out);
console.log(`${entries.length} known failures written`);
