import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type BrowserContext, chromium } from 'playwright-core'
import { loadConfig } from '../../app/config.js'
import { type App, type BuildOptions, buildApp, startServer } from '../../app/server.js'

/** Debian's Chromium; `.ci/run` installs it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Flags for a quiet, deterministic headless Chromium that resolves our test hosts to loopback. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP evil.test 127.0.0.1, MAP bank.test 127.0.0.1',
]

/**
 * Whether the browser suites can run. Locally a missing Chromium skips them loudly; under
 * `CI=true` it is a failure.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true
  const msg = `\n*** Chromium not found at ${CHROMIUM}: browser end-to-end tests SKIPPED (apt-get install chromium) ***\n`
  if (process.env.CI === 'true') throw new Error(msg)
  console.warn(msg)
  return false
}

/** A running Chromium. */
export interface Browser {
  /** A new isolated browser context (its own cookies), like a second device. */
  newContext(options?: { userAgent?: string }): Promise<BrowserContext>
  close(): Promise<void>
}

/**
 * Launches Chromium. Playwright gives every launch a fresh temporary user-data directory and
 * deletes it on close, so no state leaks between runs.
 */
export async function launch(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  })
  return {
    async newContext(options = {}) {
      const ctx = await browser.newContext(options)
      ctx.setDefaultTimeout(10_000)
      ctx.setDefaultNavigationTimeout(10_000)
      return ctx
    },
    async close() {
      await browser.close().catch(() => {})
    },
  }
}

/** A free loopback port (the app must know its origin before it listens). */
export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const { port } = s.address() as AddressInfo
  await new Promise((r) => s.close(r))
  return port
}

/** The reference app, served for the browser at http://localhost:<port>. */
export interface Bank {
  app: App
  url: string
  close(): Promise<void>
}

/** Starts the reference app in-process on a memory store. */
export async function startBank(
  env: Record<string, string> = {},
  options: BuildOptions = {},
): Promise<Bank> {
  const port = await freePort()
  const url = `http://localhost:${port}`
  const config = loadConfig({
    STORE_URL: 'memory:',
    HOST: '127.0.0.1',
    PORT: String(port),
    ORIGIN: url,
    LOG_LEVEL: 'silent',
    ...env,
  })
  const app = await buildApp(config, options)
  const server = await startServer(app, config)
  return { app, url, close: () => stopServer(server).then(() => app.close()) }
}

/** A tiny second-origin server that serves `pages[path]` as HTML (an attacker's site). */
export async function startSite(
  pages: Record<string, string>,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const body = pages[req.url ?? '']
    res.statusCode = body === undefined ? 404 : 200
    res.setHeader('content-type', 'text/html; charset=utf-8')
    res.end(body ?? 'not found')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { port: (server.address() as AddressInfo).port, close: () => stopServer(server) }
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
}

/** Signs in through the login page and waits for the account page. */
export async function logIn(ctx: BrowserContext, bank: Bank, username = 'alice') {
  const page = await ctx.newPage()
  await page.goto(`${bank.url}/login`)
  await page.fill('input[name=username]', username)
  await page.fill('input[name=password]', 'tessera-demo')
  await Promise.all([page.waitForURL(`${bank.url}/account`), page.click('form.stack button')])
  return page
}
