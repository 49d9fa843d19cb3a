import { defineConfig } from 'vitest/config';

// Benchmarks are measurements, run apart from the unit tests: one file at a time in one forked worker,
// so no two benchmarks compete for the two cores, and with timeouts long enough for a 1 GiB transfer.
export default defineConfig({
  test: {
    include: ['bench/**/*.bench.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    // By path: vitest then loads the TypeScript reporter itself, which Vite's config loader warns about.
    reporters: ['default', ['./bench/results-reporter.ts', { path: 'bench/RESULTS.md' }]],
  },
});
