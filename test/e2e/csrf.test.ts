import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Bank,
  type Browser,
  chromiumAvailable,
  launch,
  logIn,
  startBank,
  startSite,
} from './harness.js'

const run = chromiumAvailable()

/** The attacker's page: a hidden transfer form that submits itself on load. */
function forgery(bank: Bank, csrf: string): string {
  return `<!doctype html><title>Win a prize</title>
<form id="f" method="post" action="${bank.url}/account/transfer">
<input type="hidden" name="to" value="bob"><input type="hidden" name="amount" value="500">
<input type="hidden" name="csrf" value="${csrf}">
</form><script>document.getElementById('f').submit()</script>`
}

describe.skipIf(!run)('cross-site request forgery from a second origin', () => {
  let browser: Browser
  let bank: Bank
  let evil: { port: number; close(): Promise<void> }
  let ctx: BrowserContext
  let tokenFromPage = ''
  beforeAll(async () => {
    bank = await startBank()
    browser = await launch()
    ctx = await browser.newContext()
    const page = await logIn(ctx, bank)
    // The strongest attacker even knows a real token of the victim's session (e.g. leaked).
    tokenFromPage = await page.inputValue('form[action="/account/transfer"] input[name=csrf]')
    evil = await startSite({
      '/prize': forgery(bank, 'forged-token'),
      '/leaked': forgery(bank, tokenFromPage),
    })
  })
  afterAll(async () => {
    await browser?.close()
    await evil?.close()
    await bank?.close()
  })

  async function balances(): Promise<{ page: string; api: number }> {
    const page = await ctx.newPage()
    await page.goto(`${bank.url}/account`)
    const shown = (await page.textContent('#balance')) ?? ''
    await page.close()
    const me = await ctx.request.get(`${bank.url}/api/me`)
    const body = (await me.json()) as { user: { balance: number } }
    return { page: shown, api: body.user.balance }
  }

  it.each(['/prize', '/leaked'])(
    'refuses an auto-submitted transfer from http://evil.test%s and moves no money',
    async (path) => {
      const before = await balances()
      expect(before).toEqual({ page: '€1,000.00', api: 1000 })
      const page = await ctx.newPage()
      const [res] = await Promise.all([
        page.waitForResponse(`${bank.url}/account/transfer`),
        page.goto(`http://evil.test:${evil.port}${path}`),
      ])
      expect((await res.request().allHeaders())['sec-fetch-site']).toBe('cross-site')
      expect(res.status()).toBe(403)
      await page.close()
      expect(await balances()).toEqual(before)
      const bob = bank.app.users.all().find((u) => u.username === 'bob')!
      expect(bob.balance).toBe(1000)
    },
  )

  it('still accepts the same transfer from the bank’s own page (the test can see money move)', async () => {
    const page = await ctx.newPage()
    await page.goto(`${bank.url}/account`)
    await page.fill('input[name=to]', 'bob')
    await page.fill('input[name=amount]', '500')
    await Promise.all([
      page.waitForURL(/ok=transfer/),
      page.click('form[action="/account/transfer"] button'),
    ])
    expect(await balances()).toEqual({ page: '€500.00', api: 500 })
  })
})
