import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { type Bank, type Browser, chromiumAvailable, launch, logIn, startBank } from './harness.js'

// In a real browser: logout's Clear-Site-Data ("cache", "storage") is honoured, the session
// cookie goes, and the login throttle's device cookie stays, so the next sign-in is still a
// known device's even after an attacker spent the account's shared budget.

const DEVICE = '__Host-tessera-device'
const run = chromiumAvailable()

describe.skipIf(!run)('logout in Chromium keeps the device cookie', () => {
  let browser: Browser
  let bank: Bank
  let ctx: BrowserContext
  beforeAll(async () => {
    // Behind a trusted proxy, so the browser and the attacker can come from addresses of their own.
    bank = await startBank(
      { TRUST_PROXY: '127.0.0.1' },
      { clock: manualClock(Date.now()), scryptCost: 16 },
    )
    browser = await launch()
    ctx = await browser.newContext()
  })
  afterAll(async () => {
    await ctx?.close()
    await browser?.close()
    await bank?.close()
  })

  const cookie = async (name: string) => (await ctx.cookies()).find((c) => c.name === name)?.value

  it('clears the session and site storage, keeps the device cookie, and signs in again as a known device', async () => {
    await ctx.setExtraHTTPHeaders({ 'x-forwarded-for': '192.0.2.50' })
    const page = await logIn(ctx, bank)
    const session = await cookie('__Host-sid')
    const device = await cookie(DEVICE)
    expect(session).toBeTruthy()
    expect(device).toBeTruthy()
    await page.evaluate("localStorage.setItem('draft', 'x')")

    await Promise.all([
      page.waitForURL(/\/login\?ok=logout$/),
      page.click('form[action="/logout"] button'),
    ])
    // The browser did process Clear-Site-Data ("storage" is gone)…
    expect(await page.evaluate("localStorage.getItem('draft')")).toBeNull()
    // …and the session cookie went, but the device cookie is still there, unchanged.
    expect(await cookie('__Host-sid')).not.toBe(session)
    expect(await cookie(DEVICE)).toBe(device)
    expect((await ctx.request.get(`${bank.url}/api/me`)).status()).toBe(401)

    // An attacker on another address spends alice's shared budget.
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${bank.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.50' },
        body: JSON.stringify({ username: 'alice', password: 'wrong' }),
      })
      statuses.push(res.status)
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])

    // The same browser, now on a new address: its device cookie gives it a budget of its own.
    await ctx.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.50' })
    await logIn(ctx, bank)
    expect(await cookie('__Host-sid')).toBeTruthy()
  })
})
