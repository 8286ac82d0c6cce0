import { parseDuration, parseTrustProxy } from 'tessera-session'

/** The reference app's configuration, read from the environment (see REFERENCE_APP.md). */
export interface AppConfig {
  port: number
  host: string
  storeUrl: string
  idleTimeoutMs: number
  absoluteTimeoutMs: number
  renewalIntervalMs: number | null
  renewalGraceMs: number
  maxPerUser: number
  limitPolicy: 'evict-oldest' | 'reject-new'
  reauthWindowMs: number
  https: boolean
  tlsCert: string | undefined
  tlsKey: string | undefined
  origins: string[]
  trustProxy: string[]
  logLevel: string
  demoPassword: string
}

/** A configuration error: one line, naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the configuration; throws {@link ConfigError} naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = <T>(name: string, fallback: string, parse: (v: string) => T): T => {
    const raw = env[name] ?? fallback
    try {
      return parse(raw)
    } catch (error) {
      const why =
        error instanceof Error
          ? error.message.replace(/^Tessera configuration: /, '')
          : String(error)
      throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: ${why}`)
    }
  }
  const duration = (name: string, fallback: string) =>
    read(name, fallback, (v) => parseDuration(v, name))
  const port = read('PORT', '3000', (v) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('must be a port number 0–65535')
    return n
  })
  const host = env.HOST ?? '127.0.0.1'
  const https = read('HTTPS', '0', (v) => {
    if (!['0', '1', '', 'true', 'false'].includes(v)) throw new Error('must be 1 or 0')
    return v === '1' || v === 'true'
  })
  const scheme = https ? 'https' : 'http'
  const origins = read('ORIGIN', '', (v) => {
    const list = v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    for (const o of list) {
      const u = new URL(o)
      if (u.origin !== o) throw new Error(`${o} is not an origin (scheme://host[:port], no path)`)
    }
    return list
  })
  const idleTimeoutMs = read('SESSION_IDLE_TIMEOUT', '30m', (v) =>
    atLeastOneSecond(parseDuration(v, 'SESSION_IDLE_TIMEOUT')),
  )
  const absoluteTimeoutMs = duration('SESSION_ABSOLUTE_TIMEOUT', '12h')
  if (absoluteTimeoutMs < idleTimeoutMs) {
    // Name the variable the operator set: raising the idle timeout past the default absolute
    // one is an idle-timeout mistake, not an absolute-timeout one.
    const [name, why] =
      env.SESSION_ABSOLUTE_TIMEOUT === undefined
        ? ['SESSION_IDLE_TIMEOUT', 'must not exceed SESSION_ABSOLUTE_TIMEOUT (default 12h)']
        : ['SESSION_ABSOLUTE_TIMEOUT', 'must be at least SESSION_IDLE_TIMEOUT']
    read(name, '', () => {
      throw new Error(why)
    })
  }
  const renewal = renewalConfig(env, read)
  return {
    port,
    host,
    storeUrl: env.STORE_URL ?? 'sqlite:./data/tessera.db',
    idleTimeoutMs,
    absoluteTimeoutMs,
    ...renewal,
    maxPerUser: read('SESSION_MAX_PER_USER', '5', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1) throw new Error('must be a positive integer')
      return n
    }),
    limitPolicy: read('SESSION_LIMIT_POLICY', 'evict-oldest', (v) => {
      if (v !== 'evict-oldest' && v !== 'reject-new')
        throw new Error('must be evict-oldest or reject-new')
      return v
    }),
    reauthWindowMs: duration('REAUTH_WINDOW', '10m'),
    https,
    tlsCert: env.TLS_CERT,
    tlsKey: env.TLS_KEY,
    origins: origins.length > 0 ? origins : defaultOrigins(scheme, host, port),
    trustProxy: read('TRUST_PROXY', '', (v) => [...parseTrustProxy(v)]),
    logLevel: read('LOG_LEVEL', 'info', (v) => {
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v))
        throw new Error('must be one of fatal, error, warn, info, debug, trace, silent')
      return v
    }),
    demoPassword: env.DEMO_PASSWORD ?? 'tessera-demo',
  }
}

type Read = <T>(name: string, fallback: string, parse: (v: string) => T) => T

// Periodic renewal: the interval (off by default) and the grace window in which the previous
// ID still works (default 15s, as the library's). The library requires interval > grace; the
// check is made here so that the error names the variables the operator set.
function renewalConfig(
  env: NodeJS.ProcessEnv,
  read: Read,
): Pick<AppConfig, 'renewalIntervalMs' | 'renewalGraceMs'> {
  const rawInterval = env.SESSION_RENEWAL_INTERVAL
  const graceMs = read('SESSION_RENEWAL_GRACE', '15s', (v) => {
    const ms = parseDuration(v, 'SESSION_RENEWAL_GRACE')
    if (ms > 60_000)
      throw new Error('must be at most 60s: a long grace window keeps stolen IDs alive')
    return ms
  })
  if (!rawInterval || rawInterval === 'off') {
    if (env.SESSION_RENEWAL_GRACE !== undefined)
      read('SESSION_RENEWAL_GRACE', '', () => {
        throw new Error('needs SESSION_RENEWAL_INTERVAL (periodic renewal is off): set both')
      })
    return { renewalIntervalMs: null, renewalGraceMs: graceMs }
  }
  const intervalMs = read('SESSION_RENEWAL_INTERVAL', 'off', (v) =>
    atLeastOneSecond(parseDuration(v, 'SESSION_RENEWAL_INTERVAL')),
  )
  if (intervalMs <= graceMs) {
    // An old cookie renewed inside its grace window could keep obtaining new IDs forever.
    const [name, why] =
      env.SESSION_RENEWAL_GRACE === undefined
        ? [
            'SESSION_RENEWAL_INTERVAL',
            'must be longer than SESSION_RENEWAL_GRACE (default 15s): raise it or shorten SESSION_RENEWAL_GRACE',
          ]
        : [
            'SESSION_RENEWAL_GRACE',
            `must be shorter than SESSION_RENEWAL_INTERVAL (${JSON.stringify(rawInterval)}): shorten it or raise SESSION_RENEWAL_INTERVAL`,
          ]
    read(name, '', () => {
      throw new Error(why)
    })
  }
  return { renewalIntervalMs: intervalMs, renewalGraceMs: graceMs }
}

function atLeastOneSecond(ms: number): number {
  if (ms < 1000) throw new Error('must be at least 1s')
  return ms
}

function defaultOrigins(scheme: string, host: string, port: number): string[] {
  const list = [
    `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    `${scheme}://localhost:${port}`,
  ]
  return [...new Set(list)]
}
