import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory/index.js'
import { createSessions } from './manager.js'
import type { SessionOptions } from './options.js'
import type { SessionStore } from './store.js'

describe('construction refuses unsafe options', () => {
  const store = memoryStore({ quiet: true })
  const bad: Array<[string, Partial<SessionOptions>, RegExp]> = [
    ['no store', { store: undefined as unknown as SessionStore }, /store is required/],
    [
      'an idle timeout longer than the absolute one',
      { idleTimeout: '2h', absoluteTimeout: '1h' },
      /absoluteTimeout/,
    ],
    ['a malformed duration', { idleTimeout: '30 minutes' }, /idleTimeout must look like/],
    [
      'a touch interval over half the idle timeout',
      { idleTimeout: '10m', touchInterval: '6m' },
      /touchInterval/,
    ],
    ['a long renewal grace window', { renewal: { interval: '5m', grace: '5m' } }, /grace/],
    [
      'a renewal without its interval',
      { renewal: { interval: undefined as unknown as string } },
      /renewal\.interval is required/,
    ],
    ['a zero session cap', { maxSessionsPerUser: 0 }, /maxSessionsPerUser/],
    ['an unknown limit policy', { limitPolicy: 'drop' as 'reject-new' }, /limitPolicy/],
    [
      'insecure cookies in production',
      { production: true, cookie: { name: 'sid', secure: false } },
      /production/,
    ],
  ]
  for (const [what, options, message] of bad) {
    it(`refuses ${what}`, () => {
      expect(() => createSessions({ store, ...options })).toThrow(message)
    })
  }
})
