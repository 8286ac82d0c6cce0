import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { manualClock } from '../../src/core/clock.js'
import { type Bank, type Browser, chromiumAvailable, launch, logIn, startBank } from './harness.js'

const run = chromiumAvailable()
const FIREFOX_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'

describe.skipIf(!run)('sessions across two browser contexts', () => {
  let browser: Browser
  let bank: Bank
  let laptop: BrowserContext
  let phone: BrowserContext
  const clock = manualClock(Date.now())
  beforeAll(async () => {
    bank = await startBank({}, { clock })
    browser = await launch()
    // Two "devices": Chromium as it is, and one that says it is Firefox on Windows.
    laptop = await browser.newContext()
    phone = await browser.newContext({ userAgent: FIREFOX_UA })
  })
  afterAll(async () => {
    await browser?.close()
    await bank?.close()
  })

  it('lists both sessions with the right browser, IP, times and "this device"', async () => {
    await logIn(phone, bank)
    const page = await logIn(laptop, bank)
    await page.goto(`${bank.url}/sessions`)
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(2)
    const current = page.locator('tbody tr.current')
    expect(await current.count()).toBe(1)
    expect(await current.textContent()).toContain('This device')
    expect(await current.textContent()).toMatch(/Chrom(e|ium)/)
    expect(await current.textContent()).not.toContain('Firefox')
    const other = page.locator('tbody tr:not(.current)')
    expect(await other.textContent()).toContain('Firefox')
    expect(await other.textContent()).toContain('Windows')
    for (const row of [current, other]) {
      expect(await row.textContent()).toContain('127.0.0.1')
      expect(await row.locator('time').count()).toBe(2)
    }
  })

  it('logs the other context out on its next request when its session is revoked here', async () => {
    const phonePage = await phone.newPage()
    expect((await phonePage.goto(`${bank.url}/account`))?.url()).toBe(`${bank.url}/account`)
    const page = await laptop.newPage()
    await page.goto(`${bank.url}/sessions`)
    await Promise.all([
      page.waitForURL(/\/sessions\?ok=revoked$/),
      page.click('tbody tr:not(.current) button'),
    ])
    expect(await page.locator('tbody tr').count()).toBe(1)
    expect(await page.textContent('.flash')).toContain('ended')
    // The phone's next request finds no session: it is sent to the login page.
    await phonePage.reload()
    expect(new URL(phonePage.url()).pathname).toBe('/login')
    expect(await phonePage.locator('#balance').count()).toBe(0)
    // The laptop is still signed in.
    await page.goto(`${bank.url}/account`)
    expect(await page.textContent('#balance')).toBe('€1,000.00')
  })

  it('asks for the password before ending all other sessions, then ends them', async () => {
    await logIn(phone, bank)
    // Eleven minutes later the laptop's sign-in is no longer fresh (REAUTH_WINDOW is 10m).
    clock.advance(11 * 60_000)
    const page = await laptop.newPage()
    await page.goto(`${bank.url}/sessions`)
    expect(await page.locator('tbody tr').count()).toBe(2)
    await Promise.all([
      page.waitForURL(/\/security\?why=reauth&next=%2Fsessions$/),
      page.click('form[action="/sessions/revoke-others"] button'),
    ])
    expect(await page.textContent('.flash.error')).toContain('confirm your password')
    expect(await phone.request.get(`${bank.url}/api/me`).then((r) => r.status())).toBe(200)
    await page.fill('form[action="/security/reauth"] input[name=password]', 'tessera-demo')
    await Promise.all([
      page.waitForURL(`${bank.url}/sessions`),
      page.click('form[action="/security/reauth"] button'),
    ])
    await Promise.all([
      page.waitForURL(/\/sessions\?ok=revoked-others$/),
      page.click('form[action="/sessions/revoke-others"] button'),
    ])
    expect(await page.locator('tbody tr').count()).toBe(1)
    const phonePage = await phone.newPage()
    await phonePage.goto(`${bank.url}/account`)
    expect(new URL(phonePage.url()).pathname).toBe('/login')
  })
})
