import { connect } from 'node:net'

/**
 * True when something at `host:port` answers a RESP `PING` with `+PONG` within `timeoutMs`.
 * A missing server refuses the connection at once; the generous timeout only spares a busy CI
 * machine (two cores, every test file starting) a false "not reachable", which fails CI.
 *
 * @example
 * const up = await redisAnswers('redis://127.0.0.1:6379')
 */
export function redisAnswers(url: string, timeoutMs = 5000): Promise<boolean> {
  const { hostname, port } = new URL(url.replace(/^redis-cluster:\/\/([^,]*).*$/, 'redis://$1'))
  return new Promise((resolve) => {
    const socket = connect({ host: hostname || '127.0.0.1', port: Number(port || 6379) })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('error', () => done(false))
    socket.once('connect', () => socket.write('PING\r\n'))
    socket.once('data', (chunk) => done(chunk.toString().startsWith('+PONG')))
  })
}

/**
 * True when a PostgreSQL server at `url` accepts a connection within 3 s.
 *
 * @example
 * const up = await postgresAnswers('postgres://127.0.0.1:5432/test')
 */
export async function postgresAnswers(url: string): Promise<boolean> {
  const { default: pg } = await import('pg')
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.end()
    return true
  } catch {
    return false
  }
}

/**
 * Decides whether a suite needing a service runs: yes when it answers; otherwise a loud skip
 * locally and a failure under `CI=true` (a missing service must never pass CI silently).
 *
 * @example
 * const run = await serviceGate('Redis', REDIS_URL, () => redisAnswers(REDIS_URL))
 * describe.runIf(run)('redis store', () => { … })
 */
export async function serviceGate(
  name: string,
  where: string,
  check: () => Promise<boolean>,
): Promise<boolean> {
  if (where && (await check())) return true
  const message = `${name} is not reachable${where ? ` at ${where}` : ''}`
  if (process.env.CI === 'true') throw new Error(`CI=true and ${message}`)
  console.warn(`\n*** ${message}: its suite is SKIPPED ***\n`)
  return false
}
