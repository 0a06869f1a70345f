/** @type {import('jest').Config} */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  testEnvironmentOptions: {
    // Jest 30's default 'soft' cleanup can recurse forever ("Maximum call stack size exceeded …
    // originalSetter … Reflect.set") when a file writes a global that an earlier file in the same
    // worker left behind (jestjs/jest#16044, #16443). Every file gets a fresh context anyway.
    globalsCleanup: 'off',
  },
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    // tsconfig's isolatedModules makes ts-jest transpile only; `tsc` type-checks in `npm test`.
    '^.+\\.tsx?$': ['ts-jest', { useESM: true }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // Tests written as a user writes them import the package by name.
    '^codex-rx$': '<rootDir>/src/index.ts',
    '^codex-rx/testing$': '<rootDir>/src/testing/index.ts',
    '^codex-rx/state$': '<rootDir>/src/state/index.ts',
    '^codex-rx/ai-sdk$': '<rootDir>/src/ai-sdk/index.ts',
  },
  // CI has 2 cores; most real-server tests wait on the app-server's own process, so two workers
  // keep both cores busy without oversubscribing them.
  maxWorkers: 2,
  testSequencer: '<rootDir>/scripts/jest-sequencer.js',
  // Bounds hangs only (about 3x an idle run of the slowest ordinary test); slower tests set their own.
  testTimeout: 30000,
};
