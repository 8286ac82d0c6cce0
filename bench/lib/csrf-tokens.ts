// Each session of a population its own CSRF token, obtained the way a page gets one: from the
// server, for that session (the bench server's GET /csrf, like the reference app's /api/csrf).
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import type { PopulationSpec } from './spawn.js'

const rows = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean)

/**
 * True when every line of a population file already carries a CSRF token (third column).
 *
 * @example
 * if (!hasCsrfTokens(file)) await addCsrfTokens(port, population)
 */
export function hasCsrfTokens(file: string): boolean {
  const lines = rows(file)
  return lines.length > 0 && lines.every((l) => l.split('\t').length >= 3)
}

function ask(agent: Agent, port: number, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, path: '/csrf', headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => {
        body += c
      })
      res.on('end', () => {
        const token =
          res.statusCode === 200
            ? (JSON.parse(body) as { csrfToken?: unknown }).csrfToken
            : undefined
        // The message never carries the token or the cookie.
        if (typeof token === 'string') resolve(token)
        else reject(new Error(`GET /csrf answered ${res.statusCode} without a token`))
      })
    })
    req.on('error', reject)
    req.end()
  })
}

/**
 * Asks the server's `GET /csrf` once for every session of the population file (with the
 * session's cookie and User-Agent) and writes the tokens into the file as a third column
 * (atomically, owner-only). A token depends only on its session, so one set serves every
 * server of the run. Returns how many sessions were asked and how long it took.
 *
 * @example
 * await addCsrfTokens(server.port, populationSpec(def, file, server.setup))
 */
export async function addCsrfTokens(
  port: number,
  p: PopulationSpec,
  parallel = 16,
): Promise<{ asked: number; ms: number }> {
  const started = performance.now()
  const lines = rows(p.file).map((l) => l.split('\t'))
  const tokens: string[] = new Array(lines.length)
  const agent = new Agent({ keepAlive: true, maxSockets: parallel })
  let next = 0
  const worker = async () => {
    while (next < lines.length) {
      const i = next++
      const [token = '', ua = '0'] = lines[i]!
      tokens[i] = await ask(agent, port, {
        cookie: `${p.cookieName}=${token}`,
        'user-agent': p.userAgents[Number(ua)] ?? '',
      })
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, worker))
  } finally {
    agent.destroy()
  }
  const text = lines.map(([token, ua], i) => `${token}\t${ua}\t${tokens[i]}`).join('\n')
  writeFileSync(`${p.file}.csrf`, text, { mode: 0o600 })
  renameSync(`${p.file}.csrf`, p.file)
  return { asked: lines.length, ms: performance.now() - started }
}
