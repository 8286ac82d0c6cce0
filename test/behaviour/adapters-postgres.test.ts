import { postgresBackend } from './backends.js'
import { describeAdapters } from './frameworks.js'

// The behaviour suite through every adapter on PostgreSQL (async reads through a pool).
// Skipped loudly without PostgreSQL; fails under CI.
describeAdapters(await postgresBackend())
