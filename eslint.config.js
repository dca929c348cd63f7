// Lint: typed typescript-eslint plus a layering rule that enforces the folder order of docs/architecture.md.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A folder may import only from folders earlier in this list (and itself). Mode folders share one rank.
const LAYERS = [
  ['runtime'], ['tsdb'], ['objstore'], ['block'], ['shipper'], ['store'], ['promql'], ['query'],
  ['reloader', 'compact', 'receive', 'rule'], ['standalone'], ['cmd'],
];
/** Edges the rank order would allow but docs/architecture.md forbids: promql never imports store (nor gRPC, below). */
const FORBIDDEN = { promql: ['store'] };
// npm packages each folder may import (node: builtins are open to all; cmd, which wires everything, may import any).
// The lists are today's legitimate uses: tsdb knows no Thanos (nor gRPC, HTTP server, YAML config); promql no gRPC;
// runtime reads the --http.config web config (yaml, bcryptjs) and sets up tracing (OpenTelemetry).
const METRICS = ['prom-client'];
// The OpenTelemetry SDK is set up in runtime/tracing alone; every other folder starts spans through its helpers.
const TRACING = [
  '@opentelemetry/api', '@opentelemetry/sdk-trace-base', '@opentelemetry/sdk-trace-node', '@opentelemetry/resources',
  '@opentelemetry/semantic-conventions', '@opentelemetry/exporter-trace-otlp-grpc', '@opentelemetry/exporter-trace-otlp-http',
];
const PACKAGES = {
  runtime: [...METRICS, '@grpc/grpc-js', 'fastify', 'yaml', 'bcryptjs', ...TRACING],
  tsdb: [...METRICS, 'ulid', '@node-rs/crc32', 'snappyjs', 'snappy', 're2js'],
  objstore: [...METRICS, 'yaml', '@aws-sdk/client-s3', '@azure/storage-blob', '@google-cloud/storage'],
  block: [...METRICS, 'yaml', '@node-rs/xxhash'],
  shipper: [...METRICS],
  store: [...METRICS, '@grpc/grpc-js', 'protobufjs', 'yaml'],
  promql: [...METRICS],
  query: [...METRICS, 'fastify', 'yaml'],
  reloader: [...METRICS],
  compact: [...METRICS, 'yaml', '@node-rs/xxhash'],
  receive: [...METRICS, '@grpc/grpc-js', 'fastify', 'protobufjs', 'snappyjs', 'yaml', '@node-rs/xxhash'],
  rule: [...METRICS, 'fastify', 'yaml', '@node-rs/xxhash'],
  standalone: [...METRICS],
};
const rankOf = (folder) => LAYERS.findIndex((names) => names.includes(folder));
// Resolved from this file, not the working directory: ESLint run from src/ (or anywhere) checks the same tree.
const srcRoot = path.join(import.meta.dirname, 'src');

/** The package a bare specifier names: `@scope/name` or `name` (subpaths such as `@grpc/grpc-js/build/...` cut). */
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** A module specifier node's static text, or for a template literal its text up to the first `${`; null if neither. */
function specifierOf(node) {
  if (node?.type === 'Literal' && typeof node.value === 'string') return { text: node.value, partial: false };
  if (node?.type === 'TemplateLiteral') return { text: node.quasis[0].value.cooked ?? '', partial: node.expressions.length > 0 };
  return null;
}

const layering = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      up: 'src/{{from}} may not import src/{{to}}: see the layer order in docs/architecture.md',
      forbidden: 'src/{{from}} may not import src/{{to}}: docs/architecture.md forbids it',
      pkg: 'src/{{from}} may not import the package {{pkg}}: not on its list in eslint.config.js (see docs/architecture.md)',
      unknownFolder: 'src/{{to}} is not in the layer order of eslint.config.js (add it where docs/architecture.md puts it)',
      dynamic: 'module specifier the layering rule cannot check: use a string literal, or a template whose fixed start names the folder',
    },
  },
  create(context) {
    const file = context.filename;
    if (!file.startsWith(srcRoot + path.sep)) return {};
    const rel = path.relative(srcRoot, file).split(path.sep);
    const from = rel.length > 1 ? rel[0] : '';
    const report = (node, messageId, data = {}) => context.report({ node, messageId, data: { from, ...data } });
    const check = (node, source) => {
      if (source == null) return;
      const spec = specifierOf(source);
      if (spec === null) {
        report(node, 'dynamic');
        return;
      }
      const text = spec.text;
      if (text.startsWith('.')) {
        // A template's fixed start must reach past the folder name to say where it points (`../store/${x}`).
        const fixed = spec.partial ? text.slice(0, text.lastIndexOf('/') + 1) : text;
        if (spec.partial && fixed === '') {
          report(node, 'dynamic');
          return;
        }
        const target = path.resolve(path.dirname(file), fixed);
        if (target === srcRoot || !target.startsWith(srcRoot + path.sep)) {
          if (target === srcRoot || (spec.partial && srcRoot.startsWith(target))) report(node, 'dynamic');
          return;
        }
        const parts = path.relative(srcRoot, target).split(path.sep);
        const to = parts[0];
        // A template's fixed start ending in a folder (`../store/`) names it; a plain path of one part is a file in src/.
        if ((parts.length === 1 && !spec.partial) || to === from || from === '') return;
        const a = rankOf(from), b = rankOf(to);
        if (a < 0) report(node, 'unknownFolder', { to: from });
        else if (b < 0) report(node, 'unknownFolder', { to });
        else if (a >= 0 && b >= a) report(node, 'up', { to });
        else if (FORBIDDEN[from]?.includes(to)) report(node, 'forbidden', { to });
        return;
      }
      if (text.startsWith('node:') || from === 'cmd' || from === '') return;
      if (spec.partial && !text.includes('/')) {
        report(node, 'dynamic');
        return;
      }
      const pkg = packageOf(text);
      if (!(PACKAGES[from] ?? []).includes(pkg)) report(node, 'pkg', { pkg });
    };
    const isRequire = (callee) =>
      (callee.type === 'Identifier' && callee.name === 'require') ||
      (callee.type === 'CallExpression' && callee.callee.type === 'Identifier' && callee.callee.name === 'createRequire');
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => {
        const arg = node.source ?? node.argument;
        check(node, arg?.type === 'TSLiteralType' ? arg.literal : arg);
      },
      TSExternalModuleReference: (node) => check(node, node.expression),
      CallExpression: (node) => {
        if (isRequire(node.callee)) check(node, node.arguments[0] ?? { type: 'Identifier' });
      },
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'web/dist/**', 'test-output/**', 'data/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { local: { rules: { layering } } },
    rules: {
      'local/layering': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // A default case covers the `undefined` noUncheckedIndexedAccess adds to `switch (buf[i])`.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
    },
  },
  {
    // Outside YAML is parsed only through src/runtime/yaml-fields.ts, which refuses deep nesting before the
    // recursive parser runs (fuzzing found nested inputs taking over a second, or overflowing the stack).
    files: ['src/**/*.ts'],
    ignores: ['src/runtime/yaml-fields.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{
          name: 'yaml', importNames: ['parse', 'parseDocument', 'parseAllDocuments', 'Parser', 'Composer'],
          message: 'parse YAML with parseYaml/parseYamlDocument from src/runtime/yaml-fields.ts (depth-checked)',
        }],
      }],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
      // gRPC status codes arrive as plain numbers on errors; comparing them with the Status enum is intended.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
);
