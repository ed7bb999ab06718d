// One lint config for the monorepo: every workspace runs `eslint .` from its own directory, and
// the root lints bench/, which is no workspace (`npm run lint:bench`, a root task in turbo.json).
// Beyond the recommended sets it is type-aware (promises) and enforces the dependency direction
// from STYLE.md: contracts imports zod only; apps never touch amqplib directly.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/coverage/**', 'bench/out/**', '**/*.cjs', '**/*.mjs', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
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
    },
  },
  {
    files: ['packages/contracts/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', '@offload/*'], message: 'contracts depends on zod only' }] }],
    },
  },
  {
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'amqplib', message: 'channels are touched only through @offload/broker' }],
          patterns: [{ group: ['@offload/*/src/*', '@offload/*/dist/*'], message: "import a package's public surface" }],
        },
      ],
    },
  },
);
