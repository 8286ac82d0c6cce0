import { randomBytes, timingSafeEqual } from 'node:crypto'
import { ScryptPool } from './password-pool.js'

// N=2^15 is OWASP's scrypt floor; maxmem must be raised to allow it.
const PARAMS = { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
type Params = typeof PARAMS

/** A demo user. */
export interface User {
  id: string
  username: string
  role: 'user' | 'admin'
  passwordHash: string
  balance: number
  disabled: boolean
}

/** Public view of a user. */
export function publicUser(u: User): { id: string; username: string; role: string } {
  return { id: u.id, username: u.username, role: u.role }
}

async function hashPassword(pool: ScryptPool, password: string, params: Params): Promise<string> {
  const salt = randomBytes(16)
  const key = await pool.scrypt(password, salt, 32, params, true)
  return `scrypt$${salt.toString('base64url')}$${key.toString('base64url')}`
}

async function checkPassword(
  pool: ScryptPool,
  password: string,
  stored: string,
  params: Params,
  priority: boolean,
): Promise<boolean> {
  const [, salt, key] = stored.split('$')
  if (!salt || !key) return false
  const got = await pool.scrypt(password, Buffer.from(salt, 'base64url'), 32, params, priority)
  return timingSafeEqual(got, Buffer.from(key, 'base64url'))
}

/**
 * The demo bank's users and balances. Kept in memory and seeded at start: the reference app
 * is about sessions, and this keeps its accounts out of the session store.
 */
export class UserDirectory {
  readonly #byName = new Map<string, User>()
  readonly #byId = new Map<string, User>()
  // Verifying against a dummy hash for unknown users keeps timing the same (no user enumeration).
  #dummy = ''
  #params: Params = PARAMS
  // Hashes run on worker threads of their own (never on libuv's pool, where token signature
  // checks run) and at most one per worker at a time; a few wait, the rest are refused at
  // once (503) instead of queueing for seconds behind a flood. Known devices wait in front and
  // have a worker of their own, so they never wait for a stranger's hash.
  readonly #pool = new ScryptPool()
  readonly #gate = this.#pool.gate()

  /**
   * The demo users with `demoPassword`. `scryptCost` (scrypt's N, a power of two) is for tests
   * that sign in hundreds of clients; the default is OWASP's floor, 2^15. `extraUsers` adds
   * plain users with the same password, for benchmarks that sign in many people once each.
   */
  static async seed(
    demoPassword: string,
    options: { scryptCost?: number | undefined; extraUsers?: readonly string[] | undefined } = {},
  ): Promise<UserDirectory> {
    const dir = new UserDirectory()
    if (options.scryptCost !== undefined) dir.#params = { ...PARAMS, N: options.scryptCost }
    dir.#dummy = await hashPassword(dir.#pool, randomBytes(16).toString('hex'), dir.#params)
    const seeds: Array<[string, string, User['role']]> = [
      ['u1', 'alice', 'user'],
      ['u2', 'bob', 'user'],
      ['u3', 'admin', 'admin'],
      ...(options.extraUsers ?? []).map((name, i): [string, string, User['role']] => [
        `x${i + 1}`,
        name,
        'user',
      ]),
    ]
    for (const [id, username, role] of seeds) {
      if (dir.#byName.has(username)) throw new Error(`demo user ${username} is listed twice`)
      const user: User = {
        id,
        username,
        role,
        passwordHash: await hashPassword(dir.#pool, demoPassword, dir.#params),
        balance: 1000,
        disabled: false,
      }
      dir.#byName.set(username, user)
      dir.#byId.set(id, user)
    }
    return dir
  }

  byId(id: string): User | undefined {
    return this.#byId.get(id)
  }

  all(): User[] {
    return [...this.#byId.values()]
  }

  /**
   * The user if the password matches, else null (same cost either way). `priority` puts the
   * check in the queue that starts first: the default, for signed-in users (re-auth, password
   * change); sign-ins pass false for strangers and true for known devices. Throws
   * `ERR_TOO_MANY_REQUESTS` (status 503) when too many hashes are already running and waiting.
   */
  async verify(username: unknown, password: unknown, priority = true): Promise<User | null> {
    if (typeof username !== 'string' || typeof password !== 'string' || password.length > 1024)
      return null
    const user = this.#byName.get(username)
    const stored = user?.passwordHash ?? this.#dummy
    const ok = await this.#gate.run(
      () => checkPassword(this.#pool, password, stored, this.#params, priority),
      priority,
    )
    return ok && user && !user.disabled ? user : null
  }

  /** True when a password check of this priority would be refused now (the hash queue is full). */
  busy(priority: boolean): boolean {
    return this.#gate.full(priority)
  }

  async setPassword(user: User, password: string): Promise<void> {
    user.passwordHash = await this.#gate.run(
      () => hashPassword(this.#pool, password, this.#params),
      true,
    )
  }

  /** Stops the hashing threads. */
  close(): Promise<void> {
    return this.#pool.close()
  }
}
