import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Bank, type Browser, chromiumAvailable, launch, logIn, startBank } from './harness.js'

const run = chromiumAvailable()

describe.skipIf(!run)('the reference app in Chromium', () => {
  let browser: Browser
  let bank: Bank
  let ctx: BrowserContext
  beforeAll(async () => {
    bank = await startBank()
    browser = await launch()
  })
  afterAll(async () => {
    await browser?.close()
    await bank?.close()
  })
  beforeEach(async () => {
    await ctx?.close()
    ctx = await browser.newContext()
  })

  it('logs in and out through the pages, and the logout button is on every signed-in page', async () => {
    const page = await logIn(ctx, bank)
    const signedIn = (await ctx.cookies()).find((c) => c.name === '__Host-sid')?.value
    expect(signedIn).toBeTruthy()
    expect(await page.textContent('.who')).toContain('Signed in as alice')
    expect(await page.textContent('#balance')).toBe('€1,000.00')
    for (const path of ['/account', '/sessions', '/security', '/']) {
      await page.goto(bank.url + path)
      expect(await page.isVisible('form[action="/logout"] button')).toBe(true)
    }
    await Promise.all([
      page.waitForURL(/\/login\?ok=logout$/),
      page.click('form[action="/logout"] button'),
    ])
    expect(await page.textContent('.flash')).toContain('signed out')
    // The login page starts a new anonymous pre-session for its form; the old token is gone.
    const after = (await ctx.cookies()).find((c) => c.name === '__Host-sid')?.value
    expect(after).not.toBe(signedIn)
    const me = await ctx.request.get(`${bank.url}/api/me`)
    expect(me.status()).toBe(401)
    await page.goto(`${bank.url}/account`)
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  it('refuses a wrong password and shows the typed username back as inert text', async () => {
    const page = await ctx.newPage()
    const dialogs: string[] = []
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    // Under the field's maxlength of 64.
    const payload = `"><img src=x onerror=__xss=1><script>__xss=2</script>'\``
    await page.goto(`${bank.url}/login`)
    await page.fill('input[name=username]', payload)
    await page.fill('input[name=password]', 'wrong')
    const [res] = await Promise.all([
      page.waitForResponse(`${bank.url}/login`),
      page.click('form.stack button'),
    ])
    expect(res.status()).toBe(401)
    expect(await page.textContent('.flash')).toBe('Invalid username or password')
    expect(await page.inputValue('input[name=username]')).toBe(payload)
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined()
    expect(await page.locator('img[src=x]').count()).toBe(0)
    expect(dialogs).toEqual([])
  })

  it('keeps the session cookie out of reach of page scripts (HttpOnly, __Host-)', async () => {
    const page = await logIn(ctx, bank)
    const cookie = (await ctx.cookies()).find((c) => c.name === '__Host-sid')
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' })
    expect(cookie?.value).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const visible = await page.evaluate<string>('document.cookie')
    expect(visible).not.toContain('__Host-sid')
    expect(visible).not.toContain(cookie!.value)
  })

  it('does not run an injected inline script without the nonce, but runs one with it (CSP)', async () => {
    const page = await logIn(ctx, bank)
    const violations: string[] = []
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
    })
    // Simulate stored XSS that slipped past escaping: rewrite the real response's body and keep
    // its real headers (and so its real CSP and nonce).
    await page.route(`${bank.url}/account`, async (route) => {
      const response = await route.fetch()
      const csp = response.headers()['content-security-policy'] ?? ''
      const nonce = /'nonce-([^']+)'/.exec(csp)?.[1] ?? 'missing'
      const body = (await response.text()).replace(
        '</main>',
        `<script>window.__injected = 1</script><script nonce="${nonce}">window.__nonced = 1</script></main>`,
      )
      await route.fulfill({ response, body })
    })
    await page.goto(`${bank.url}/account`)
    expect(await page.evaluate(() => (globalThis as { __nonced?: number }).__nonced)).toBe(1)
    expect(
      await page.evaluate(() => (globalThis as { __injected?: number }).__injected),
    ).toBeUndefined()
    expect(violations.some((v) => v.includes('script-src'))).toBe(true)
  })

  it('serves every page with a fresh nonce and no inline script or style attribute of its own', async () => {
    const page = await logIn(ctx, bank)
    const nonces = new Set<string>()
    for (const path of ['/account', '/sessions', '/security', '/account']) {
      const res = await page.goto(bank.url + path)
      const csp = res?.headers()['content-security-policy'] ?? ''
      expect(csp).toContain("'strict-dynamic'")
      nonces.add(/'nonce-([^']+)'/.exec(csp)?.[1] ?? '')
      expect(await page.locator('script, [style]').count()).toBe(0)
      // The stylesheet loaded under the CSP: the page is styled.
      expect(await page.evaluate<string>('getComputedStyle(document.body).margin')).toBe('0px')
    }
    expect(nonces.size).toBe(4)
  })

  it('shows no account data on the back button after logout (no-store)', async () => {
    const page = await logIn(ctx, bank)
    expect(await page.textContent('#balance')).toBe('€1,000.00')
    await page.goto(`${bank.url}/sessions`)
    const shown = await page.goto(`${bank.url}/account`)
    expect(shown?.headers()['cache-control']).toBe('no-store')
    await Promise.all([page.waitForURL(/\/login/), page.click('form[action="/logout"] button')])
    await page.goBack()
    await page.waitForLoadState()
    expect(await page.locator('#balance').count()).toBe(0)
    expect(await page.content()).not.toContain('€1,000.00')
    expect(new URL(page.url()).pathname).toBe('/login')
  })

  it('sends money with the transfer form and shows the new balance', async () => {
    const page = await logIn(ctx, bank, 'bob')
    await page.fill('input[name=to]', 'alice')
    await page.fill('input[name=amount]', '12.50')
    await Promise.all([
      page.waitForURL(/\/account\?ok=transfer$/),
      page.click('form[action="/account/transfer"] button'),
    ])
    expect(await page.textContent('#balance')).toBe('€987.50')
    await page.fill('input[name=to]', 'alice')
    await page.fill('input[name=amount]', '-5')
    const [res] = await Promise.all([
      page.waitForResponse(`${bank.url}/account/transfer`),
      page.click('form[action="/account/transfer"] button'),
    ])
    expect(res.status()).toBe(400)
    expect(await page.textContent('.flash.error')).toContain('positive')
    expect(await page.textContent('#balance')).toBe('€987.50')
  })

  it('answers unknown pages and forbidden pages with HTML error pages', async () => {
    const page = await logIn(ctx, bank)
    const missing = await page.goto(`${bank.url}/no/such/page`)
    expect(missing?.status()).toBe(404)
    expect(await page.textContent('h1')).toBe('Page not found')
    const admin = await page.goto(`${bank.url}/admin`)
    expect(admin?.status()).toBe(403)
    expect(await page.textContent('h1')).toBe('Not allowed')
  })
})
