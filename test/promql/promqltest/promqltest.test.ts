// Runs Prometheus's own PromQL test scripts (../shared/promql-testdata/*.test) through our engine, printing the
// pass count per file and in total. Fails when an eval that is not on the known-failures list fails, and when a
// listed one passes (the list only shrinks: remove the entry).

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runScript } from '../../../src/promql/promqltest/runner.js';
import { KNOWN_FAILURES } from './known-failures.js';
import { outOfScopeReason, scanEvals } from './classify.js';

const DIR = join(import.meta.dirname, '../../../../shared/promql-testdata');
const files = readdirSync(DIR).filter((f) => f.endsWith('.test')).sort();
let total = 0;
let passed = 0;
let inScope = 0;
let inScopePassed = 0;
const summary: string[] = [];

describe('PromQL test scripts', () => {
  it('finds the shared test files', () => {
    expect(files.length).toBeGreaterThanOrEqual(21);
  });

  it.each(files)('%s: no eval outside the known-failures list fails', async (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const outcomes = await runScript(text);
    const scope = new Map(scanEvals(text).map((e) => [e.line, outOfScopeReason(e) === undefined]));
    for (const o of outcomes) {
      if (!scope.get(o.line)) continue;
      inScope++;
      if (o.problem === undefined) inScopePassed++;
    }
    const ok = outcomes.filter((o) => o.problem === undefined).length;
    total += outcomes.length;
    passed += ok;
    const regressions = outcomes
      .filter((o) => o.problem !== undefined && KNOWN_FAILURES[`${file}:${o.line}`] === undefined)
      .map((o) => `line ${o.line}: ${o.query}: ${o.problem}`);
    const fixed = outcomes.filter((o) => o.problem === undefined && KNOWN_FAILURES[`${file}:${o.line}`] !== undefined);
    const line = `${file}: ${ok}/${outcomes.length} passed${fixed.length > 0 ? ` (${fixed.length} listed as known failures now pass)` : ''}`;
    summary.push(line);
    console.log(line);
    expect(regressions).toEqual([]);
    // The list only shrinks: an entry that now passes, or names no eval of the file, must go.
    const evalLines = new Set(outcomes.map((o) => `${file}:${o.line}`));
    const stale = Object.keys(KNOWN_FAILURES).filter((k) => k.startsWith(`${file}:`) && !evalLines.has(k));
    const nowPassing = fixed.map((o) => `${file}:${o.line}`);
    expect(nowPassing, `these known failures now pass: remove them from test/promql/promqltest/known-failures.ts`).toEqual([]);
    expect(stale, `these known-failures entries name no eval of ${file}: remove them from known-failures.ts`).toEqual([]);
  }, 120_000);

  it('lists known failures only for files that exist', () => {
    const missing = [...new Set(Object.keys(KNOWN_FAILURES).map((k) => k.slice(0, k.lastIndexOf(':'))))].filter((f) => !files.includes(f));
    expect(missing, 'known-failures.ts names test files that are gone: remove their entries').toEqual([]);
  });

  afterAll(() => {
    console.log(`PromQL test scripts: ${passed}/${total} evals passed in ${summary.length} files; `
      + `float samples + stable syntax: ${inScopePassed}/${inScope} passed`);
  });
});
