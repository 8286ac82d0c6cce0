import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'app/**/*.test.ts', 'bench/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Store suites share real Redis/PostgreSQL servers; files isolate by key prefix / schema.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
})
