// Shared by every benchmark server: listen on loopback, tell the harness the port, exit
// cleanly on SIGTERM (so `node --cpu-prof` writes its profile), and the demo user.
import { createServer } from 'node:http'

/** The user every authenticated request returns. */
export const USER = Object.freeze({ id: 'u1', name: 'alice', role: 'user' })

/** Users the login benchmark rotates through, so the per-user cap is hit constantly. */
export const LOGIN_USERS = 50

/** Store-call counters published by the server (see {@link publishOps}). */
let published = null

/** Makes `counts` readable by the harness on the side port (outside the measured server). */
export function publishOps(counts) {
  published = counts
}

/**
 * Tells the harness how this server is set up (key types, runtime, store…): facts the server
 * reads from its own objects at start-up, printed as one `SETUP {json}` line before READY, so
 * the report states what ran rather than what a sentence assumes.
 * @param {Record<string, string | number | boolean>} facts
 */
export function describeSetup(facts) {
  process.stdout.write(`SETUP ${JSON.stringify(facts)}\n`)
}

const portOf = (server) => {
  const address = server.address()
  return typeof address === 'object' && address ? address.port : 0
}

/**
 * Starts `server` on 127.0.0.1 (port from `PORT`, default random), plus a side server that
 * answers the store-call counters as JSON (so reading them never goes through the session
 * middleware being measured), and prints `READY <port> <side port>`.
 * @param {import('node:http').Server} server
 */
export function listen(server) {
  server.keepAliveTimeout = 60_000
  const side = createServer((_req, res) => res.end(JSON.stringify(published)))
  side.listen(0, '127.0.0.1', () => {
    server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
      process.stdout.write(`READY ${portOf(server)} ${portOf(side)}\n`)
    })
  })
  process.on('SIGTERM', () => process.exit(0))
  process.on('SIGINT', () => process.exit(0))
}

/** Tells the harness this case cannot run here (missing package or service), then exits. */
export function skip(reason) {
  process.stdout.write(`SKIP ${String(reason).replace(/\s+/g, ' ')}\n`)
  process.exit(0)
}

/** Round-robin user id for `POST /login` without `?u=`. */
let next = 0
export function nextLoginUser() {
  next = (next + 1) % LOGIN_USERS
  return `u${next}`
}

/** Reads a small request body as text. */
export function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => resolve(body))
    req.on('error', reject)
  })
}

/**
 * Counts calls of `names` on `target` (wrapping them in place) so the harness can read store
 * calls per request (see {@link publishOps}). One extra function call per store call.
 * @returns {Record<string, number>}
 */
export function countCalls(target, names) {
  const counts = {}
  for (const name of names) {
    const fn = target[name]
    if (typeof fn !== 'function') continue
    counts[name] = 0
    target[name] = function (...args) {
      counts[name]++
      return fn.apply(this, args)
    }
  }
  return counts
}
