// The audit target: what the auditor may call and how to recognise a signed-in user. Every
// section is checked strictly (an unknown key is an error with "did you mean"), since a typo in
// a target would silently skip the check that needed the mistyped key.
import { duration, endpoint, fail, optional, path, section, text } from './target-fields.js'

/** A test account the auditor may sign in with (and whose own sessions it may end). */
export interface Account {
  username: string
  password: string
}

/** An endpoint: method and path (`{handle}` is replaced where a check fills it in). */
export interface Endpoint {
  method: string
  path: string
}

/** A validated audit target (see docs/audit.md for every field). */
export interface Target {
  name: string
  baseUrl: string
  /** The Origin a same-site browser request carries (default: the base URL's origin). */
  origin: string
  sessionCookie: string
  accounts: [Account, Account]
  login: { path: string; format: 'json' | 'form'; usernameField: string; passwordField: string }
  formLogin: { page: string; path: string; usernameField: string; passwordField: string } | null
  csrf: { path: string; jsonField: string; header: string; formField: string } | null
  logout: Endpoint
  protected: { path: string; status: number; contains: string | null }
  write: { method: string; path: string; body: Record<string, unknown> }
  page: string | null
  reauth: { path: string; passwordField: string } | null
  sessions: {
    list: string
    listField: string
    handleField: string
    currentField: string
    revoke: Endpoint
    revokeOthers: Endpoint | null
  } | null
  passwordChange: { path: string; currentField: string; newField: string } | null
  tokens: {
    issue: string
    refresh: string
    revoke: string | null
    usernameField: string
    passwordField: string
    accessField: string
    refreshField: string
    refreshRequestField: string
  } | null
  policy: Policy
}

/** The timeouts and limits the target is configured with (milliseconds; null = not declared). */
export interface Policy {
  idleTimeoutMs: number | null
  absoluteTimeoutMs: number | null
  maxPerUser: number | null
  limitPolicy: 'evict-oldest' | 'reject-new' | null
  refreshReuseWindowMs: number | null
  /** Periodic ID rotation: every `intervalMs` of activity; the old ID lives `graceMs` more. */
  renewal: { intervalMs: number; graceMs: number } | null
  /** Real timeouts for `--long`. */
  long: { idleTimeoutMs: number | null; absoluteTimeoutMs: number | null } | null
}

const TOP = ['name', 'baseUrl', 'origin', 'sessionCookie', 'accounts', 'login', 'formLogin', 'csrf']
const TOP2 = ['logout', 'protected', 'write', 'page', 'reauth', 'sessions', 'passwordChange']
const TOP3 = ['tokens', 'policy']

/**
 * Validates a parsed target description; throws `ERR_CONFIG` saying which key is wrong.
 *
 * @example
 * const target = parseTarget(JSON.parse(readFileSync('target.json', 'utf8')))
 */
export function parseTarget(input: unknown): Target {
  const t = section(input, 'target', [...TOP, ...TOP2, ...TOP3])
  const baseUrl = text(t, 'baseUrl', 'target')
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    fail('target.baseUrl', `is not a URL (got ${baseUrl})`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail('target.baseUrl', 'must be http:// or https://')
  const accounts = t.accounts
  if (!Array.isArray(accounts) || accounts.length !== 2)
    fail('target.accounts', 'must list exactly two test accounts')
  const [a, b] = accounts.map((raw, i) => {
    const o = section(raw, `target.accounts[${i}]`, ['username', 'password'])
    return {
      username: text(o, 'username', `accounts[${i}]`),
      password: text(o, 'password', `accounts[${i}]`),
    }
  }) as [Account, Account]
  if (a.username === b.username) fail('target.accounts', 'the two accounts must differ')
  const login = section(t.login, 'target.login', [
    'path',
    'format',
    'usernameField',
    'passwordField',
  ])
  const format = text(login, 'format', 'login', 'json')
  if (format !== 'json' && format !== 'form') fail('target.login.format', 'must be json or form')
  const prot = section(t.protected, 'target.protected', ['path', 'status', 'contains'])
  const status = prot.status ?? 200
  if (typeof status !== 'number' || status < 200 || status > 299)
    fail('target.protected.status', 'must be a 2xx status')
  const write = section(t.write, 'target.write', ['method', 'path', 'body'])
  const body = write.body ?? {}
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    fail('target.write.body', 'must be an object (the JSON body of the call)')
  const origin = text(t, 'origin', 'target', url.origin)
  if (new URL(origin).origin !== origin) fail('target.origin', 'must be scheme://host[:port]')
  return {
    name: text(t, 'name', 'target'),
    baseUrl: baseUrl.replace(/\/$/, ''),
    origin,
    sessionCookie: text(t, 'sessionCookie', 'target'),
    accounts: [a, b],
    login: {
      path: path(login, 'path', 'login'),
      format,
      usernameField: text(login, 'usernameField', 'login', 'username'),
      passwordField: text(login, 'passwordField', 'login', 'password'),
    },
    formLogin: optional(t.formLogin, (raw) => {
      const o = section(raw, 'target.formLogin', ['page', 'path', 'usernameField', 'passwordField'])
      return {
        page: path(o, 'page', 'formLogin'),
        path: path(o, 'path', 'formLogin'),
        usernameField: text(o, 'usernameField', 'formLogin', 'username'),
        passwordField: text(o, 'passwordField', 'formLogin', 'password'),
      }
    }),
    csrf: optional(t.csrf, (raw) => {
      const o = section(raw, 'target.csrf', ['path', 'jsonField', 'header', 'formField'])
      return {
        path: path(o, 'path', 'csrf'),
        jsonField: text(o, 'jsonField', 'csrf', 'csrfToken'),
        header: text(o, 'header', 'csrf', 'x-csrf-token').toLowerCase(),
        formField: text(o, 'formField', 'csrf', 'csrf'),
      }
    }),
    logout: endpoint(t.logout, 'target.logout', 'POST'),
    protected: {
      path: path(prot, 'path', 'protected'),
      status,
      contains: prot.contains === undefined ? null : text(prot, 'contains', 'protected'),
    },
    write: {
      ...endpoint({ method: write.method ?? 'POST', path: write.path }, 'target.write', 'POST'),
      body: body as Record<string, unknown>,
    },
    page: optional(t.page, () => path(t, 'page', 'target')),
    reauth: optional(t.reauth, (raw) => {
      const o = section(raw, 'target.reauth', ['path', 'passwordField'])
      return {
        path: path(o, 'path', 'reauth'),
        passwordField: text(o, 'passwordField', 'reauth', 'password'),
      }
    }),
    sessions: optional(t.sessions, (raw) => {
      const known = ['list', 'listField', 'handleField', 'currentField', 'revoke', 'revokeOthers']
      const o = section(raw, 'target.sessions', known)
      return {
        list: path(o, 'list', 'sessions'),
        listField: text(o, 'listField', 'sessions', 'sessions'),
        handleField: text(o, 'handleField', 'sessions', 'handle'),
        currentField: text(o, 'currentField', 'sessions', 'current'),
        revoke: endpoint(o.revoke, 'target.sessions.revoke', 'DELETE'),
        revokeOthers: optional(o.revokeOthers, (r) =>
          endpoint(r, 'target.sessions.revokeOthers', 'POST'),
        ),
      }
    }),
    passwordChange: optional(t.passwordChange, (raw) => {
      const o = section(raw, 'target.passwordChange', ['path', 'currentField', 'newField'])
      return {
        path: path(o, 'path', 'passwordChange'),
        currentField: text(o, 'currentField', 'passwordChange', 'currentPassword'),
        newField: text(o, 'newField', 'passwordChange', 'newPassword'),
      }
    }),
    tokens: optional(t.tokens, parseTokens),
    policy: parsePolicy(t.policy ?? {}),
  }
}

function parseTokens(raw: unknown): NonNullable<Target['tokens']> {
  const known = [
    'issue',
    'refresh',
    'revoke',
    'usernameField',
    'passwordField',
    'accessField',
    'refreshField',
    'refreshRequestField',
  ]
  const o = section(raw, 'target.tokens', known)
  const refreshField = text(o, 'refreshField', 'tokens', 'refresh_token')
  return {
    issue: path(o, 'issue', 'tokens'),
    refresh: path(o, 'refresh', 'tokens'),
    revoke: optional(o.revoke, () => path(o, 'revoke', 'tokens')),
    usernameField: text(o, 'usernameField', 'tokens', 'username'),
    passwordField: text(o, 'passwordField', 'tokens', 'password'),
    accessField: text(o, 'accessField', 'tokens', 'access_token'),
    refreshField,
    refreshRequestField: text(o, 'refreshRequestField', 'tokens', refreshField),
  }
}

function parsePolicy(raw: unknown): Policy {
  const known = [
    'idleTimeout',
    'absoluteTimeout',
    'maxPerUser',
    'limitPolicy',
    'refreshReuseWindow',
    'renewal',
    'long',
  ]
  const o = section(raw, 'target.policy', known)
  const max = o.maxPerUser
  if (
    max !== undefined &&
    (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 40)
  )
    fail(
      'target.policy.maxPerUser',
      'must be an integer from 1 to 40 (the cap check opens 50 sessions)',
    )
  const limit = o.limitPolicy
  if (limit !== undefined && limit !== 'evict-oldest' && limit !== 'reject-new')
    fail('target.policy.limitPolicy', 'must be evict-oldest or reject-new')
  const idle = duration(o, 'idleTimeout', 'target.policy')
  const absolute = duration(o, 'absoluteTimeout', 'target.policy')
  if (idle !== null && absolute !== null && absolute < idle)
    fail('target.policy.absoluteTimeout', 'must be at least idleTimeout')
  return {
    idleTimeoutMs: idle,
    absoluteTimeoutMs: absolute,
    maxPerUser: (max as number | undefined) ?? null,
    limitPolicy:
      (limit as Policy['limitPolicy'] | undefined) ?? (max === undefined ? null : 'evict-oldest'),
    refreshReuseWindowMs: duration(o, 'refreshReuseWindow', 'target.policy'),
    renewal: optional(o.renewal, (r) => {
      const where = 'target.policy.renewal'
      const n = section(r, where, ['interval', 'grace'])
      const intervalMs = duration(n, 'interval', where)
      if (intervalMs === null) return fail(`${where}.interval`, 'is required')
      return { intervalMs, graceMs: duration(n, 'grace', where) ?? 0 }
    }),
    long: optional(o.long, (r) => {
      const l = section(r, 'target.policy.long', ['idleTimeout', 'absoluteTimeout'])
      return {
        idleTimeoutMs: duration(l, 'idleTimeout', 'target.policy.long'),
        absoluteTimeoutMs: duration(l, 'absoluteTimeout', 'target.policy.long'),
      }
    }),
  }
}
