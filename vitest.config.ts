import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Node resolves `graphql` to its CommonJS build, as CJS packages (@apollo/subgraph) do;
    // Vite would pick the ESM build and load graphql twice ("another module or realm").
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The soak samples live memory after forced collections.
    execArgv: ['--expose-gc'],
    reporters: ['default'],
  },
});
