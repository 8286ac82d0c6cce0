import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { html } from '../../src/html/index.js'
import { BAD_URLS, MARKUP_PAYLOADS } from '../../src/html/payloads.test-data.js'
import { type Browser, chromiumAvailable, launch } from './harness.js'

const run = chromiumAvailable()

// Each payload lands in element text, both attribute quote styles, <textarea> and <title>.
// A hit sets window.__xss via alert(), an event handler, or a script.
const ARMED = MARKUP_PAYLOADS.map((p) => p.replaceAll('alert(1)', 'window.__xss=1'))

function testPage(): string {
  const cells = ARMED.map(
    (p, i) => html`<div id="t${i}">${p}</div><p id="a${i}" title="${p}" data-x='${p}'></p>
<textarea id="x${i}">${p}</textarea>`,
  )
  const links = BAD_URLS.map((u, i) => html`<a id="u${i}" href="${u}">link</a>`)
  return String(html`<!doctype html><html><head><title>${ARMED[0]}</title></head>
<body>${cells}${links}</body></html>`)
}

describe.skipIf(!run)('the html helper against XSS payloads in a real HTML parser', () => {
  let browser: Browser
  let page: Page
  beforeAll(async () => {
    browser = await launch()
    page = await (await browser.newContext()).newPage()
    page.on('dialog', (d) => void d.dismiss())
    await page.setContent(testPage(), { waitUntil: 'load' })
  })
  afterAll(async () => {
    await browser?.close()
  })

  it('parses every payload back to exactly the text that went in, and runs none of them', async () => {
    const seen = await page.evaluate<
      Array<{ text: string; title: string; data: string; area: string }>
    >(`Array.from({ length: ${ARMED.length} }, (_, i) => ({
        text: document.getElementById('t' + i).textContent,
        title: document.getElementById('a' + i).getAttribute('title'),
        data: document.getElementById('a' + i).getAttribute('data-x'),
        area: document.getElementById('x' + i).value,
      }))`)
    expect(seen).toHaveLength(ARMED.length)
    seen.forEach((s, i) => {
      // NUL is the one character HTML cannot carry; the helper turns it into U+FFFD.
      const want = ARMED[i]!.replaceAll('\0', '\uFFFD')
      expect(s).toEqual({ text: want, title: want, data: want, area: want })
    })
    expect(await page.title()).toBe(ARMED[0])
    expect(await page.evaluate('window.__xss')).toBeUndefined()
  })

  it('creates no element from a payload: only the template’s own tags exist', async () => {
    const tags = await page.evaluate<string[]>(
      "[...new Set([...document.querySelectorAll('*')].map((e) => e.localName))].sort()",
    )
    expect(tags).toEqual(['a', 'body', 'div', 'head', 'html', 'p', 'textarea', 'title'])
  })

  it('leaves no dangerous URL scheme on any link', async () => {
    const protocols = await page.evaluate<string[]>(
      "[...document.querySelectorAll('a')].map((a) => a.protocol)",
    )
    expect(protocols).toHaveLength(BAD_URLS.length)
    for (const p of protocols) expect(p).toBe('about:')
  })
})
