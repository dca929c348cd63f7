// The layering rule of eslint.config.js (local/layering) enforces docs/architecture.md: each kind of violation is fed
// to ESLint, through the repository's own config file, with the working directory in several places (the rule used
// to resolve src/ from it), and each allowed case passes. Sources are linted as text at paths inside src/; nothing
// is written there.
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..', '..');

/** ESLint with the repository's config, run from `cwd`, only the layering rule (fixtures are not in a tsconfig). */
function eslintFrom(cwd: string): ESLint {
  return new ESLint({
    cwd,
    overrideConfigFile: path.join(REPO, 'eslint.config.js'),
    overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
    ruleFilter: ({ ruleId }) => ruleId === 'local/layering',
  });
}

async function layeringMessages(cwd: string, file: string, code: string): Promise<string[]> {
  const [result] = await eslintFrom(cwd).lintText(code, { filePath: path.join(REPO, 'src', file) });
  const fatal = result!.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`could not lint ${file}: ${fatal.map((m) => m.message).join('; ')}`);
  return result!.messages.filter((m) => m.ruleId === 'local/layering').map((m) => m.message);
}

const violations: Array<[string, string, string, RegExp]> = [
  ['an import upward in the layer order', 'tsdb/labels/x.ts', `import { ProxyStore } from '../../store/proxy.js';\nvoid ProxyStore;`, /src\/tsdb may not import src\/store: see the layer order/],
  ['an import between two mode folders', 'compact/x.ts', `import { y } from '../receive/y.js';\nvoid y;`, /src\/compact may not import src\/receive/],
  ['an import of the layer above', 'store/x.ts', `import type { Engine } from '../promql/engine.js';\nexport type E = Engine;`, /src\/store may not import src\/promql/],
  ['promql → store, below it in rank but forbidden by the doc', 'promql/x.ts', `import type { StoreAPI } from '../store/store-api.js';\nexport type S = StoreAPI;`, /src\/promql may not import src\/store: docs\/architecture.md forbids it/],
  ['a re-export upward', 'block/x.ts', `export { ProxyStore } from '../store/proxy.js';`, /src\/block may not import src\/store/],
  ['an export-all upward', 'objstore/x.ts', `export * from '../shipper/shipper.js';`, /src\/objstore may not import src\/shipper/],
  ['a dynamic import upward', 'runtime/x.ts', `export const m = () => import('../query/querier.js');`, /src\/runtime may not import src\/query/],
  ['a template-literal import upward', 'tsdb/x.ts', 'export const m = (n: string) => import(`../store/${n}.js`);', /src\/tsdb may not import src\/store/],
  ['a template-literal import with no expression', 'promql/x.ts', 'export const m = () => import(`../store/proxy.js`);', /src\/promql may not import src\/store/],
  ['a template whose fixed start does not name the folder', 'query/x.ts', 'export const m = (n: string) => import(`../${n}/x.js`);', /cannot check/],
  ['a computed specifier', 'query/x.ts', `export const m = (n: string) => import(n);`, /cannot check/],
  ['a type import through import()', 'tsdb/x.ts', `export type P = import('../store/proxy.js').ProxyStore;`, /src\/tsdb may not import src\/store/],
  ['promql importing gRPC', 'promql/x.ts', `import * as grpc from '@grpc/grpc-js';\nvoid grpc;`, /src\/promql may not import the package @grpc\/grpc-js/],
  ['promql importing a gRPC subpath', 'promql/x.ts', `import type { X } from '@grpc/grpc-js/build/src/server-interceptors.js';\nexport type Y = X;`, /package @grpc\/grpc-js/],
  ['tsdb importing YAML config parsing', 'tsdb/x.ts', `import { parse } from 'yaml';\nvoid parse;`, /src\/tsdb may not import the package yaml/],
  ['tsdb importing gRPC dynamically', 'tsdb/wal/x.ts', `export const g = () => import('@grpc/grpc-js');`, /src\/tsdb may not import the package @grpc\/grpc-js/],
  ['tsdb requiring the HTTP server through createRequire', 'tsdb/head/x.ts', `import { createRequire } from 'node:module';\nexport const f = createRequire(import.meta.url)('fastify');`, /package fastify/],
  ['a builtin without the node: prefix', 'block/x.ts', `import fs from 'fs';\nvoid fs;`, /package fs/],
  ['a folder missing from the layer order', 'newmode/x.ts', `import { a } from '../runtime/a.js';\nvoid a;`, /src\/newmode is not in the layer order/],
  ['an import of a folder missing from the layer order', 'query/x.ts', `import { a } from '../newmode/a.js';\nvoid a;`, /src\/newmode is not in the layer order/],
];

const allowed: Array<[string, string, string]> = [
  ['an import downward', 'query/x.ts', `import { ProxyStore } from '../store/proxy.js';\nimport { Engine } from '../promql/engine.js';\nvoid ProxyStore; void Engine;`],
  ['an import inside the folder', 'tsdb/wal/x.ts', `import { y } from '../head/y.js';\nimport { z } from '../labels/labels.js';\nvoid y; void z;`],
  ['a mode folder importing query', 'rule/x.ts', `import { q } from '../query/q.js';\nvoid q;`],
  ['cmd importing everything', 'cmd/x.ts', `import { a } from '../standalone/a.js';\nimport { b } from '../receive/b.js';\nimport { Command } from 'commander';\nvoid a; void b; void Command;`],
  ['promql importing tsdb and its metrics package', 'promql/x.ts', `import { Matcher } from '../tsdb/labels/matcher.js';\nimport { Counter } from 'prom-client';\nvoid Matcher; void Counter;`],
  ['a template-literal import inside the folder', 'objstore/x.ts', 'export const p = (n: string) => import(`./providers/${n}.js`);'],
  ['a template-literal import downward', 'query/x.ts', 'export const p = (n: string) => import(`../store/${n}.js`);'],
  ['node: builtins anywhere', 'tsdb/x.ts', `import { readFile } from 'node:fs/promises';\nvoid readFile;`],
  ['store using gRPC', 'store/x.ts', `import * as grpc from '@grpc/grpc-js';\nvoid grpc;`],
  ['tsdb loading its crc32 binding through createRequire', 'tsdb/encoding/x.ts', `import { createRequire } from 'node:module';\nexport const m = createRequire(import.meta.url)('@node-rs/crc32');`],
  ['metrics in any layer', 'tsdb/head/x.ts', `import { Counter } from 'prom-client';\nvoid Counter;`],
];

// ESLint itself skips files outside its working directory ("outside of base path"), so each run is from a folder
// holding the file: the repository, src/ (where the old rule saw nothing), and the file's own folder.
describe.each([
  ['the repository', () => REPO],
  ['src/', () => path.join(REPO, 'src')],
  ["the file's own folder", (file: string) => path.dirname(path.join(REPO, 'src', file))],
])('local/layering, run from %s', (_, cwdFor) => {
  it.each(violations)('reports %s', async (_what, file, code, message) => {
    const got = await layeringMessages(cwdFor(file), file, code);
    expect(got.length, `messages: ${JSON.stringify(got)}`).toBeGreaterThan(0);
    expect(got.join('\n')).toMatch(message);
  });

  it.each(allowed)('allows %s', async (_what, file, code) => {
    expect(await layeringMessages(cwdFor(file), file, code)).toEqual([]);
  });
});

it('reports nothing for files outside src/ (tests may import any layer)', async () => {
  const [result] = await eslintFrom(path.join(REPO, 'src')).lintText(`import { ProxyStore } from '../src/store/proxy.js';\nvoid ProxyStore;`, { filePath: path.join(REPO, 'test', 'x.ts') });
  expect(result!.messages.filter((m) => m.ruleId === 'local/layering')).toEqual([]);
});
