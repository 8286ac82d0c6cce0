import { redisBackend } from './backends.js'
import { describeAdapters } from './frameworks.js'

// The behaviour suite through every adapter on standalone Redis: the adapters' async-store
// paths (a promise from begin, awaited commits). Skipped loudly without Redis; fails under CI.
describeAdapters(await redisBackend())
