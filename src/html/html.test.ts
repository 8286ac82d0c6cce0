import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  BLOCKED_URL,
  cspNonce,
  escapeHtml,
  HtmlTemplateError,
  html,
  jsonScript,
  SafeHtml,
  safeUrl,
  unsafeRaw,
} from './index.js'
import { BAD_URLS, GOOD_URLS, MARKUP_PAYLOADS } from './payloads.test-data.js'

const SPECIAL = /[<>"'`\r\0]/
/** What the text must read as after escaping: NUL becomes U+FFFD (the HTML parser's own choice). */
const exact = (s: string) => s.replaceAll('\0', '\uFFFD')

/** Undoes escapeHtml (only the entities it produces). */
function decodeEntities(s: string): string {
  return s
    .replace(/&#13;/g, '\r')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&amp;/g, '&')
}

function between(out: string, start: string, end: string): string {
  expect(out.startsWith(start)).toBe(true)
  expect(out.endsWith(end)).toBe(true)
  return out.slice(start.length, out.length - end.length)
}

describe('escaping element text and quoted attributes', () => {
  it.each(MARKUP_PAYLOADS)('keeps %j inert in element text', (payload) => {
    const inner = between(String(html`<p>${payload}</p>`), '<p>', '</p>')
    expect(inner).not.toMatch(SPECIAL)
    expect(decodeEntities(inner)).toBe(exact(payload))
  })

  it.each(MARKUP_PAYLOADS)('keeps %j inside a double- and a single-quoted attribute', (payload) => {
    const dq = between(String(html`<p title="${payload}">x</p>`), '<p title="', '">x</p>')
    const sq = between(String(html`<p title='${payload}'>x</p>`), "<p title='", "'>x</p>")
    for (const v of [dq, sq]) {
      expect(v).not.toMatch(SPECIAL)
      expect(decodeEntities(v)).toBe(exact(payload))
    }
  })

  it.each(MARKUP_PAYLOADS)('escapes %j even nested markup inside <textarea> and <title>', (p) => {
    const nested = html`<b>${p}</b>`
    const out = String(html`<textarea>${nested}</textarea><title>${p}</title>`)
    expect(out).not.toContain('<b>')
    expect(out.match(/<\/textarea>/g)).toHaveLength(1)
    expect(out.match(/<\/title>/g)).toHaveLength(1)
  })

  it('escapes the six special characters and CR, replaces NUL, and leaves the rest', () => {
    expect(escapeHtml(`&<>"'\`é\u2028\r\n\0`)).toBe(
      '&amp;&lt;&gt;&quot;&#39;&#96;é\u2028&#13;\n\uFFFD',
    )
    expect(escapeHtml('plain text')).toBe('plain text')
  })

  it('renders numbers and true, and renders null, undefined and false as nothing', () => {
    expect(String(html`<p>${0}|${12.5}|${true}|${null}|${undefined}|${false}|${10n}</p>`)).toBe(
      '<p>0|12.5|true||||10</p>',
    )
  })

  it('refuses functions and promises, which are always a mistake', () => {
    expect(() => html`<p>${() => 'x'}</p>`).toThrow(TypeError)
    expect(() => html`<p>${Promise.resolve('x')}</p>`).toThrow(/await/)
  })
})

describe('composition without double escaping', () => {
  it('inserts nested html results and arrays of them as markup', () => {
    const items = ['a<b', 'c&d'].map((s) => html`<li>${s}</li>`)
    expect(String(html`<ul>${items}</ul>`)).toBe('<ul><li>a&lt;b</li><li>c&amp;d</li></ul>')
    expect(String(html`<p>${[['x', html`<i>y</i>`], '<z>']}</p>`)).toBe('<p>x<i>y</i>&lt;z&gt;</p>')
  })

  it('supports conditional fragments with && and ternaries', () => {
    const show = (on: boolean) => String(html`<p>${on && html`<b>on</b>`}</p>`)
    expect(show(true)).toBe('<p><b>on</b></p>')
    expect(show(false)).toBe('<p></p>')
  })

  it('treats markup as text inside attributes, and joins arrays there with spaces', () => {
    expect(String(html`<p title="${html`<b>x</b>`}" class="${['a', 'b"c']}"></p>`)).toBe(
      '<p title="&lt;b&gt;x&lt;/b&gt;" class="a b&quot;c"></p>',
    )
  })

  it('passes unsafeRaw markup through in text only', () => {
    expect(String(html`<p>${unsafeRaw('&nbsp;<br>')}</p>`)).toBe('<p>&nbsp;<br></p>')
    expect(String(html`<p title="${unsafeRaw('"x')}"></p>`)).toBe('<p title="&quot;x"></p>')
  })

  it('cannot be forged from a plain object or by calling the constructor', () => {
    const fake = { toString: () => '<script>alert(1)</script>' }
    expect(SafeHtml.is(fake)).toBe(false)
    expect(String(html`<p>${fake}</p>`)).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>')
    expect(() => new SafeHtml('<script>', Symbol('SafeHtml'))).toThrow(TypeError)
    expect(SafeHtml.is(JSON.parse('{"html":"<script>"}'))).toBe(false)
  })
})

describe('URLs in href, src, action and friends', () => {
  it.each(BAD_URLS)('blocks %j', (url) => {
    expect(safeUrl(url)).toBe(BLOCKED_URL)
    expect(String(html`<a href="${url}">x</a>`)).toBe(`<a href="${BLOCKED_URL}">x</a>`)
    expect(String(html`<img src='${url}'>`)).toBe(`<img src='${BLOCKED_URL}'>`)
    expect(String(html`<form action="${url}"></form>`)).toContain(BLOCKED_URL)
    expect(String(html`<button formaction=" ${url}"></button>`)).toContain(BLOCKED_URL)
  })

  it.each(GOOD_URLS)('keeps %j, escaped as attribute text', (url) => {
    expect(safeUrl(url)).toBe(url)
    const v = between(String(html`<a href="${url}">x</a>`), '<a href="', '">x</a>')
    expect(decodeEntities(v)).toBe(url)
    expect(v).not.toMatch(SPECIAL)
  })

  it('escapes holes after an author-written path or scheme without re-checking them', () => {
    const out = String(html`<a href="/sessions/${'a"b'}/revoke?x=${'javascript:1'}">x</a>`)
    expect(out).toBe('<a href="/sessions/a&quot;b/revoke?x=javascript:1">x</a>')
    expect(String(html`<a href="https://${'h'}/${'p'}">x</a>`)).toBe('<a href="https://h/p">x</a>')
    expect(String(html`<a href="${'/a'}?q=${'x:y'}">x</a>`)).toBe('<a href="/a?q=x:y">x</a>')
  })

  it('does not check attributes that are not URLs', () => {
    expect(String(html`<p title="${'javascript:alert(1)'}"></p>`)).toBe(
      '<p title="javascript:alert(1)"></p>',
    )
  })
})

describe('holes where no escaping is safe are refused at the first call', () => {
  const cases: Array<[string, () => unknown]> = [
    ['an unquoted attribute value', () => html`<a href=${'/x'}>x</a>`],
    ['an unquoted attribute value after spaces', () => html`<p title = ${'x'}></p>`],
    ['an event handler', () => html`<p onclick="${'alert(1)'}"></p>`],
    ['an upper-case event handler', () => html`<p ONMOUSEOVER='${'x'}'></p>`],
    ['a style attribute', () => html`<p style="color: ${'red'}"></p>`],
    ['a srcset attribute', () => html`<img srcset="${'/a.png 1x'}">`],
    ['a srcdoc attribute', () => html`<iframe srcdoc="${'<p>'}"></iframe>`],
    ['a script body', () => html`<script>var x = ${'1'}</script>`],
    ['a script body after attributes', () => html`<script nonce="n">let a = '${'x'}'</script>`],
    ['a style body', () => html`<style>p { color: ${'red'} }</style>`],
    ['a comment', () => html`<!-- ${'x'} -->`],
    ['a tag name', () => html`<${'script'}>x</script>`],
    ['a closing tag', () => html`<p>x</${'p'}>`],
    ['an attribute name', () => html`<p ${'onclick'}="x"></p>`],
    ['an attribute name suffix', () => html`<p data-${'x'}="1"></p>`],
    ['a doctype', () => html`<!DOCTYPE ${'html'}>`],
    ['a URL whose scheme the hole can finish', () => html`<a href="java${'script:x'}">x</a>`],
    ['two holes that can form a scheme', () => html`<a href="${'javascript'}${':x'}">x</a>`],
    ['a URL hole followed by a colon', () => html`<a href="${'javascript'}:${'x'}">x</a>`],
    ['a template that ends inside a tag', () => html`<p title="${'x'}`],
    ['a template that ends inside a script', () => html`<script>`],
  ]
  it.each(cases)('refuses %s', (_name, build) => {
    expect(build).toThrow(HtmlTemplateError)
  })

  it('accepts the nonce attribute of a script and text after the script ends', () => {
    const out = String(html`<script nonce="${'n<'}" src="/app.js"></script><p>${'<x>'}</p>`)
    expect(out).toBe('<script nonce="n&lt;" src="/app.js"></script><p>&lt;x&gt;</p>')
    expect(String(html`<style nonce="${'n'}">p{}</style>${'<'}`)).toBe(
      '<style nonce="n">p{}</style>&lt;',
    )
  })

  it('is not fooled by a > inside a quoted attribute or a comment', () => {
    expect(String(html`<p title="a>b" data-x='>'>${'<'}</p>`)).toBe(
      `<p title="a>b" data-x='>'>&lt;</p>`,
    )
    expect(String(html`<!-- a > b --><p>${'<'}</p>`)).toBe('<!-- a > b --><p>&lt;</p>')
    expect(() => html`<!-- a > ${'x'} -->`).toThrow(HtmlTemplateError)
  })
})

describe('JSON data islands', () => {
  it('encodes </script>, <!-- and line separators so the island cannot end early', () => {
    const data = { memo: '</script><script>alert(1)</script><!--', sep: '\u2028\u2029', amp: '&' }
    const out = String(jsonScript('state', data, 'abc'))
    expect(out.startsWith('<script type="application/json" id="state" nonce="abc">')).toBe(true)
    const body = between(
      out,
      '<script type="application/json" id="state" nonce="abc">',
      '</script>',
    )
    expect(body).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(body)).toEqual(data)
  })

  it('escapes the id and renders undefined as null', () => {
    expect(String(jsonScript('"x', undefined))).toBe(
      '<script type="application/json" id="&quot;x">null</script>',
    )
  })
})

describe('the CSP nonce', () => {
  it('is read from a pipeline context or from an adapter request, and is empty without one', () => {
    expect(cspNonce({ locals: { cspNonce: 'n1' } })).toBe('n1')
    expect(cspNonce({ tessera: { locals: { cspNonce: 'n2' } } })).toBe('n2')
    expect(cspNonce({ locals: {} })).toBe('')
  })
})

describe('properties', () => {
  const text = fc.string({ unit: 'binary', maxLength: 200 })

  it('lets no <, >, quote or backtick from any string into element text, and loses nothing', () => {
    fc.assert(
      fc.property(text, (s) => {
        const inner = between(String(html`<p>${s}</p>`), '<p>', '</p>')
        return !SPECIAL.test(inner) && decodeEntities(inner) === exact(s)
      }),
      { numRuns: 2000 },
    )
  })

  it('lets no quote from any string end a quoted attribute', () => {
    fc.assert(
      fc.property(text, (s) => {
        const v = between(String(html`<p title="${s}">`), '<p title="', '">')
        return !SPECIAL.test(v) && decodeEntities(v) === exact(s)
      }),
      { numRuns: 2000 },
    )
  })

  it('lets no string through as a URL unless it is relative or uses an allowed scheme', () => {
    const scheme = fc.constantFrom('javascript', 'JavaScript', 'data', 'vbscript', 'http', 'mailto')
    const junk = fc.constantFrom('', ' ', '\t', '\n', '\u0001', '\u0000')
    const url = fc
      .tuple(junk, scheme, junk, fc.string({ maxLength: 20 }))
      .map(([a, s, b, rest]) => `${a}${s.slice(0, 3)}${b}${s.slice(3)}:${rest}`)
    fc.assert(
      fc.property(fc.oneof(url, text), (u) => {
        const out = safeUrl(u)
        if (out === BLOCKED_URL) return true
        // What a browser would see as the scheme after its own clean-up.
        const seen = u.replace(/^[\x00-\x20]+/, '').replace(/[\t\n\r]/g, '')
        const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(seen)
        return !m || ['http', 'https', 'mailto'].includes(m[1]!.toLowerCase())
      }),
      { numRuns: 3000 },
    )
  })
})
