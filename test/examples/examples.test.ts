// Every file in examples/ is checked: YAML parses; objstore configs load with our loader; every thanos-ts
// command line in a manifest or systemd unit uses only flags its mode accepts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../src/cmd/program.js';
import { parseBucketConfig } from '../../src/objstore/config.js';
import { nopLogger } from '../../src/runtime/logger.js';
import { REPO_ROOT } from '../support/cli.js';

const EXAMPLES = path.join(REPO_ROOT, 'examples');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]);
}

const all = filesUnder(EXAMPLES).map((f) => path.relative(EXAMPLES, f)).sort();
const yamlFiles = all.filter((f) => /\.ya?ml$/.test(f));
const unitFiles = all.filter((f) => f.endsWith('.service'));

/** Parses `args` as thanos-ts does for `mode` (flags only, the mode is not run); returns what it rejected. */
function rejectedFlags(args: readonly string[]): string[] {
  const program = buildProgram();
  let cmd = program;
  let rest = [...args];
  // Walk `tools bucket ls` style subcommands.
  while (rest.length > 0 && !rest[0]!.startsWith('-')) {
    const sub = cmd.commands.find((c) => c.name() === rest[0]);
    if (!sub) return [`unknown command ${rest[0]}`];
    cmd = sub;
    rest = rest.slice(1);
  }
  try {
    const { unknown, operands } = cmd.parseOptions(rest);
    return [...unknown, ...operands.map((o) => `unexpected argument ${o}`)];
  } catch (err) {
    return [String(err)];
  }
}

interface Container { image?: unknown; args?: unknown; command?: unknown }

/** Every thanos-ts container's args in a Kubernetes document. */
function thanosContainers(doc: unknown): string[][] {
  const found: string[][] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) { node.forEach(visit); return; }
    if (typeof node !== 'object' || node === null) return;
    const c = node as Container;
    if (typeof c.image === 'string' && c.image.includes('thanos-ts') && Array.isArray(c.args)) {
      found.push(c.args.map(String));
    }
    Object.values(node).forEach(visit);
  };
  visit(doc);
  return found;
}

/** The thanos-ts arguments of a systemd unit's ExecStart (with `\` line continuations). */
function execStartArgs(unit: string): string[] {
  const joined = unit.replace(/\\\n\s*/g, ' ');
  const line = joined.split('\n').find((l) => l.startsWith('ExecStart='));
  if (!line) throw new Error('no ExecStart line');
  const words = line.slice('ExecStart='.length).trim().split(/\s+/);
  expect(words[0]).toMatch(/thanos-ts$/);
  return words.slice(1);
}

describe('examples', () => {
  it('has objstore configs for every provider', () => {
    const types = yamlFiles.filter((f) => f.startsWith('objstore/'))
      .map((f) => parseBucketConfig(readFileSync(path.join(EXAMPLES, f), 'utf8'), f, nopLogger).type);
    expect(new Set(types)).toEqual(new Set(['FILESYSTEM', 'S3', 'GCS', 'AZURE', 'SWIFT']));
  });

  it.each(yamlFiles)('%s parses as YAML', (file) => {
    const docs = parseAllDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) expect(d.errors.map((e) => e.message)).toEqual([]);
  });

  it.each(yamlFiles.filter((f) => f.startsWith('objstore/')))('%s loads with the objstore config loader', (file) => {
    expect(() => parseBucketConfig(readFileSync(path.join(EXAMPLES, file), 'utf8'), file, nopLogger)).not.toThrow();
  });

  it.each(yamlFiles.filter((f) => f.startsWith('kubernetes/')))('%s: every thanos-ts container uses accepted flags', (file) => {
    const docs = parseAllDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    for (const doc of Array.isArray(docs) ? docs : [docs]) {
      for (const args of thanosContainers(doc.toJS())) {
        expect(rejectedFlags(args), `${file}: ${args.join(' ')}`).toEqual([]);
      }
    }
  });

  it('the Kubernetes manifests run a sidecar, a store gateway and a querier', () => {
    const modes = yamlFiles.filter((f) => f.startsWith('kubernetes/')).flatMap((file) => {
      const docs = parseAllDocuments(readFileSync(path.join(EXAMPLES, file), 'utf8'));
      return (Array.isArray(docs) ? docs : [docs]).flatMap((d) => thanosContainers(d.toJS()).map((a) => a[0]));
    });
    expect(new Set(modes)).toEqual(new Set(['sidecar', 'store', 'query']));
  });

  it.each(unitFiles)('%s: ExecStart uses accepted flags', (file) => {
    const args = execStartArgs(readFileSync(path.join(EXAMPLES, file), 'utf8'));
    expect(rejectedFlags(args)).toEqual([]);
  });

  it('rejects a misspelled flag (the check can fail)', () => {
    expect(rejectedFlags(['query', '--query.replica-lable=replica'])).not.toEqual([]);
    expect(rejectedFlags(['sidecar', '--tsdb.path=/prometheus'])).toEqual([]);
  });
});
