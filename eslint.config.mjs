// One lint config for the monorepo: every workspace runs `eslint .` from its own directory, and
// the root lints bench/, which is no workspace (`npm run lint:bench`, a root task in turbo.json).
// Beyond the recommended sets it is type-aware (promises), keeps relative imports inside their
// workspace, and enforces the dependency direction from STYLE.md: contracts imports zod only;
// apps never touch amqplib directly.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import tseslint from 'typescript-eslint';

// A relative import that climbs into another workspace, through the repository root
// (`../../apps/worker/src/config`, `../../../packages/broker/src`) or into a sibling
// (`../../../api/src/config` from apps/worker/src/x/), bypasses that workspace's public surface and
// its build: import it by package name, an app through its `testing` entry (STYLE.md,
// "Cross-workspace imports go through package names"). The sibling names are read from apps/ and
// packages/, so a new workspace is covered. The root's scripts/ belongs to no workspace: e2e
// tests those modules by path. no-restricted-imports takes one set of options per file, so
// every block below that sets the rule repeats this pattern.
const SIBLINGS = ['apps', 'packages'].flatMap((group) =>
  readdirSync(join(import.meta.dirname, group), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name),
);
const CROSS_WORKSPACE = {
  regex: `^(\\.\\./)+((apps|packages|e2e|faults|bench)(/|$)|(${SIBLINGS.join('|')})/(src|test|dist|scripts)(/|$))`,
  message: 'a relative import never leaves its workspace: import @offload/<package>, or an app through @offload/<app>/testing',
};
const PUBLIC_SURFACE = { group: ['@offload/*/src/*', '@offload/*/dist/*'], message: "import a package's public surface" };

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'bench/out/**', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      // Type information from each file's nearest tsconfig.json (its workspace's, or
      // bench/tsconfig.json), the same program tsc type-checks.
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Correctness here depends on awaiting publisher confirms, acks and record writes: a promise
      // nobody awaits loses its failure, or ends the process as an unhandled rejection. Fire and
      // forget is spelled `void` (with a comment saying why) or ends in a `.catch` that logs.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      'no-console': 'error',
      'no-restricted-imports': ['error', { patterns: [CROSS_WORKSPACE, PUBLIC_SURFACE] }],
    },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', '@offload/*'], message: 'contracts depends on zod only' }, CROSS_WORKSPACE] },
      ],
    },
  },
  {
    files: ['apps/**/*.ts', 'apps/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'amqplib', message: 'channels are touched only through @offload/broker' }],
          patterns: [CROSS_WORKSPACE, PUBLIC_SURFACE],
        },
      ],
    },
  },
  {
    // The console runs in a browser: only the contracts' types may come in (a value would bring
    // zod into the page), and nothing of Node.
    files: ['apps/console/src/**/*.ts', 'apps/console/src/**/*.tsx'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@offload/contracts', allowTypeImports: true, message: 'the console imports only types from contracts (import type …)' }],
          patterns: [{ group: ['node:*'], message: 'the console runs in a browser' }, CROSS_WORKSPACE, PUBLIC_SURFACE],
        },
      ],
    },
  },
);
