// Two projects: fast unit tests beside the pure code, and integration tests under test/
// that talk to the real local stack (bash deploy/local/stack.sh up).
const transform = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } },
  ],
};
const moduleNameMapper = {
  '^@cdp360/(domain|config|postgres|redis|kafka|pubsub|generator|trigger-outbox|metrics)$': '<rootDir>/packages/$1/src',
  '^@cdp360/(updater|scorer|serve|cli)$': '<rootDir>/services/$1/src',
};
const common = {
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  // dist/npm is the staged npm package (deploy/package/build.js): its package.json is not a module of ours.
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Jest reads testTimeout only from the top level (a project-level testTimeout is ignored, jestjs/jest#9759):
  // integration tests wait on real brokers, so they need far more than the default 5 s.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      // test/deploy: the packaging and deployment files (Dockerfile, compose, Kubernetes) checked without services.
      testMatch: [
        '<rootDir>/packages/*/src/**/*.test.ts',
        '<rootDir>/services/*/src/**/*.test.ts',
        '<rootDir>/test/deploy/**/*.test.ts',
        '<rootDir>/bench/src/**/*.test.ts',
      ],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/deploy/'],
      globalSetup: '<rootDir>/test/helpers/global-setup.ts',
    },
  ],
};
