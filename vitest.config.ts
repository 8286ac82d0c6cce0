import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'
import { selfReferenceAliases } from './scripts/self-reference.js'

const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  // `tessera-session/…` resolves to the sources, from the same map tsc and tsx read
  // (tsconfig.json `paths`; see scripts/self-reference.ts).
  resolve: { alias: selfReferenceAliases(root) },
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
