// A realistic population for the benchmark: many live sessions, created straight through the
// store (no HTTP, no cap check: a login per session would take minutes on PostgreSQL), each
// with one of several User-Agents. The tokens go to a file only the harness and its load
// generator read (in the run's private temporary directory), one `token<TAB>ua-index` a line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { SessionRecord, SessionStore } from 'tessera-session'
import { generateHandle, generateToken, hashToken } from 'tessera-session/testing'
import { USER } from '../serve.mjs'

/** The User-Agents the population uses (browsers and operating systems of common devices). */
export const USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
]

/**
 * Seeded records count as last seen this far ahead of seeding, so no request of a run (minutes)
 * falls due for a touch write: every population read is a read inside the touch window, as in
 * the one-session cases, whichever round and however long after seeding it runs.
 */
export const SEEN_AHEAD_MS = 3_600_000

/** Sessions per user: under the bench's cap of 5, so seeding evicts nothing. */
const PER_USER = 4

/** Tokens of a population file (never printed). */
export function readPopulation(file: string): Array<{ token: string; ua: number }> {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [token = '', ua = '0'] = line.split('\t')
      return { token, ua: Number(ua) }
    })
}

/**
 * Creates `count` live sessions in `store` (the records a login would have written: the demo
 * user's data, 4 sessions per user, a User-Agent each) and writes their tokens to `file`. When
 * `file` exists the same tokens are reused, so every server of a run serves one population.
 * Creation runs `parallel` at a time so network stores pipeline their writes. A store that
 * already holds the population (Redis and PostgreSQL outlive a server) is not seeded again.
 *
 * @example
 * await seedPopulation(store, 100_000, '/tmp/run/population.txt', { idleMs, absoluteMs })
 */
export async function seedPopulation(
  store: SessionStore,
  count: number,
  file: string,
  life: { idleMs: number; absoluteMs: number },
  parallel = 256,
): Promise<{ ms: number; reused: boolean }> {
  const started = performance.now()
  let people = existsSync(file) ? readPopulation(file) : []
  if (people.length !== count) {
    people = Array.from({ length: count }, (_, i) => ({
      token: generateToken(),
      ua: i % USER_AGENTS.length,
    }))
    writeFileSync(file, people.map((p) => `${p.token}\t${p.ua}`).join('\n'), { mode: 0o600 })
  }
  const last = people.at(-1)
  if (last && (await store.get(hashToken(last.token))))
    return { ms: performance.now() - started, reused: true }
  const now = Date.now()
  const seen = now + SEEN_AHEAD_MS
  const record = (i: number): SessionRecord => {
    const p = people[i]!
    const userId = `p${Math.floor(i / PER_USER)}`
    // What a login writes: a first version, the default lifetimes (seen ahead: see above).
    return {
      id: hashToken(p.token),
      handle: generateHandle(),
      userId,
      data: { user: { ...USER, id: userId } },
      createdAt: now,
      lastSeenAt: seen,
      renewedAt: now,
      authenticatedAt: now,
      idleExpiresAt: seen + life.idleMs,
      absoluteExpiresAt: now + life.absoluteMs,
      meta: { userAgent: USER_AGENTS[p.ua], kind: 'cookie' },
      version: 1,
    }
  }
  let next = 0
  const worker = async () => {
    while (next < count) await store.create(record(next++))
  }
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker))
  return { ms: performance.now() - started, reused: false }
}
