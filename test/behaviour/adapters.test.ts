import { memoryBackend } from './backends.js'
import { describeAdapters } from './frameworks.js'

// One list of cases, run unchanged through every adapter on the memory store (its synchronous
// read path). adapters-redis and adapters-postgres run the same list on the async path.
describeAdapters(memoryBackend)
