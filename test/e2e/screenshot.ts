/**
 * Takes the README's screenshot of the sessions page: alice signed in from three "devices".
 * Run by hand: `npx tsx test/e2e/screenshot.ts [out.png]` (default docs/sessions.png).
 */
import { manualClock } from '../../src/core/clock.js'
import { launch, logIn, startBank } from './harness.js'

const UAS = [
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
]

async function main(out: string): Promise<void> {
  // A manual clock spreads the logins over a morning, so the times read like real use.
  const clock = manualClock(Date.UTC(2026, 10, 27, 7, 5))
  const bank = await startBank({}, { clock })
  const browser = await launch()
  try {
    // Phone at 07:05, laptop (Firefox) at 07:19, this Chrome at 07:30; the phone is used again
    // at 07:33, and the page is looked at from Chrome at 07:36.
    const pages = []
    for (const [i, userAgent] of UAS.entries()) {
      clock.advance([0, 14, 11][i]! * 60_000)
      pages.push(await logIn(await browser.newContext({ userAgent }), bank))
    }
    clock.advance(3 * 60_000)
    await pages[0]!.goto(`${bank.url}/account`)
    clock.advance(3 * 60_000)
    const page = pages[2]!
    await page.setViewportSize({ width: 1100, height: 560 })
    await page.goto(`${bank.url}/sessions`)
    await page.screenshot({ path: out, fullPage: true })
    console.log(`wrote ${out}`)
  } finally {
    await browser.close()
    await bank.close()
  }
}

await main(process.argv[2] ?? 'docs/sessions.png')
