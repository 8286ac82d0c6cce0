import { memoryStore } from '../../src/stores/memory/index.js'
import { concurrencySuite } from './suite.js'

concurrencySuite('the memory store', (clock) => ({
  store: memoryStore({ clock }),
  close: async () => {},
}))
