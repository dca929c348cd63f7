// `thanos-ts <mode> --help` lists only what works, for every mode of the CLI (table-driven from the mode registry, so
// modes join by name): a built mode shows exactly its working and deprecated flags; a mode not built yet says so in
// its description; no help claims object stores we do not have, marks a flag "(Deprecated)" without naming what
// replaces it, or prints a `--no-…` twin line.
import { describe, expect, it } from 'vitest';
import { supportOf } from '../../src/cmd/flags.js';
import type { ModeRegistry } from '../../src/cmd/mode.js';
import { buildProgram } from '../../src/cmd/program.js';
import { runCli } from '../support/cli.js';

const registry: ModeRegistry = new Map();
buildProgram(registry);
const modes = [...registry.values()];
const NOT_BUILT = 'Not built yet';

/** Every help text the CLI prints: the top level, each mode, each tools subcommand. */
const helpCommands: string[][] = [[], ...modes.map((m) => [m.name]), ['tools'], ['tools', 'bucket'], ['tools', 'bucket', 'ls'], ['tools', 'tsdb'], ['tools', 'receive'], ['tools', 'receive', 'hashring']];

/** The flags a help text lists, by name. */
const listedFlags = (help: string): string[] => [...help.matchAll(/^\s+(?:-\w, )?--([a-z0-9][a-z0-9._-]*)/gm)].map((m) => m[1]!);

describe('thanos-ts <mode> --help', () => {
  it.each(modes.map((m) => ({ mode: m.name, def: m })))('$mode lists only what works', ({ mode, def }) => {
    const r = runCli([mode, '--help']);
    expect(r.code).toBe(0);
    const listed = new Set(listedFlags(r.stdout));
    if (def.description.includes(NOT_BUILT)) {
      // The description line of the mode says it does not run yet, before any flag.
      expect(r.stdout.slice(0, r.stdout.indexOf('Options:')).replace(/\s+/g, ' ')).toContain(`${NOT_BUILT} in thanos-ts`);
      return;
    }
    for (const spec of def.flags) {
      const support = supportOf(spec);
      const works = support === 'works' || (typeof support === 'object' && 'deprecated' in support);
      expect(listed.has(spec.name), `--${spec.name} (${JSON.stringify(support)})`).toBe(works);
    }
    // Nothing listed that the mode does not declare (besides --help).
    const declared = new Set([...def.flags.map((s) => s.name), 'help']);
    expect([...listed].filter((f) => !declared.has(f))).toEqual([]);
  });

  it.each(helpCommands.map((c) => ({ cmd: c.join(' ') || '(top level)', args: c })))('$cmd: no unsupported object stores, no bare "(Deprecated)", no --no- lines', ({ args }) => {
    const r = runCli([...args, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/Tencent|Aliyun|\bCOS\b|\bOSS\b|\bBOS\b|OCI/);
    expect(r.stdout).not.toMatch(/^\s+--no-/m);
    for (const line of r.stdout.split('\n').filter((l) => /deprecated/i.test(l))) {
      expect(line, 'a deprecation that names no replacement').toMatch(/use (--)?[a-z]|alias of --|same as --|prefer --/i);
    }
  });

  it('the checks can fail: a mode description and a flag list read as the tests read them', () => {
    expect(listedFlags('Options:\n  --log.level <level>  Log filtering level.\n  -h, --help  display help\n')).toEqual(['log.level', 'help']);
    expect('Store node. Supported: GCS, S3, Tencent COS').toMatch(/Tencent|\bCOS\b/);
    expect(modes.map((m) => m.name)).toEqual(expect.arrayContaining(['sidecar', 'store', 'query', 'compact', 'receive', 'rule', 'standalone']));
  });
});
