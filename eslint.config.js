// Lint: typed typescript-eslint plus a layering rule that enforces the folder order of docs/architecture.md.
import path from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A folder may import only from folders earlier in this list (and itself). Mode folders share one rank.
const LAYERS = [
  ['runtime'], ['tsdb'], ['objstore'], ['block'], ['shipper'], ['store'], ['promql'], ['query'],
  ['reloader', 'compact', 'receive', 'rule'], ['standalone'], ['cmd'],
];
const rankOf = (folder) => LAYERS.findIndex((names) => names.includes(folder));
const srcRoot = path.resolve('src');

const layering = {
  meta: { type: 'problem', schema: [], messages: { up: 'src/{{from}} may not import src/{{to}}: see the layer order in docs/architecture.md' } },
  create(context) {
    const file = context.filename;
    if (!file.startsWith(srcRoot + path.sep)) return {};
    const from = path.relative(srcRoot, file).split(path.sep)[0];
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(srcRoot + path.sep)) return;
      const to = path.relative(srcRoot, target).split(path.sep)[0];
      if (to === from) return;
      const a = rankOf(from), b = rankOf(to);
      if (a >= 0 && b >= 0 && (b >= a)) context.report({ node, messageId: 'up', data: { from, to } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
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
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/only-throw-error': 'off',
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
