import { expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { instrumentStore } from './instrument.js'
import { sessionMetrics } from './metrics.js'

it('an instrumented store keeps its start-up check and its address', async () => {
  const store = instrumentStore(
    memoryStore({ quiet: true }),
    sessionMetrics({ prefix: 'instr_test_' }),
  )
  expect(store.address).toBe('memory')
  await expect(store.ready?.()).resolves.toBeUndefined()
  await store.close()
})
