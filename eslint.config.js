import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'src/protocol/generated/**',
      'coverage/**',
      '.tmp/**',
      '.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    // Jest's asymmetric matchers (expect.any, objectContaining) are typed any.
    files: ['spec/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'error' },
  },
  // Layers (docs: ../shared/design.md "where things live"): data flows up, nothing below imports
  // from above. A wrong-way import fails `npm test` here, at lint time.
  {
    files: ['src/state/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                ...['transport', 'rpc', 'observables', 'requests', 'secrets', 'thread', 'client'],
                ...['ai-sdk', 'testing'],
              ]
                .flatMap((layer) => [`**/${layer}`, `**/${layer}/**`])
                .concat(['**/logger.js', '**/version.js', '**/client-context.js', '../index.js']),
              message:
                'state/ is pure UI state a browser bundle loads: it imports only protocol/ and errors/.',
            },
            { group: ['node:*'], message: 'state/ loads in a browser: nothing from Node.' },
          ],
        },
      ],
    },
  },
  {
    files: [
      'src/transport/**/*.ts',
      'src/rpc/**/*.ts',
      'src/observables/**/*.ts',
      'src/requests/**/*.ts',
      'src/secrets/**/*.ts',
      'src/errors/**/*.ts',
      'src/protocol/**/*.ts',
      'src/logger.ts',
      'src/version.ts',
      'src/client-context.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/thread', '**/thread/**', '**/client', '**/client/**'],
              message: 'A layer below thread/ imports neither thread/ nor client/.',
            },
            {
              group: ['**/ai-sdk', '**/ai-sdk/**', '**/testing', '**/testing/**'],
              message: 'The core imports no adapter and no testing kit.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/thread/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/client', '**/client/**'],
              message:
                'thread/ sits below client/: use ClientContext (src/client-context.ts) instead.',
            },
            {
              group: ['**/ai-sdk', '**/ai-sdk/**', '**/testing', '**/testing/**'],
              message: 'The core imports no adapter and no testing kit.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
