/**
 * Works out, once per template site, where each `${…}` hole of an `html` template sits in the
 * HTML grammar, so each value is escaped for its context. Holes in places where no escaping is
 * safe (tag or attribute names, unquoted values, event handlers, `style`, `<script>`/`<style>`
 * bodies, comments) are refused with an error the first time the template runs.
 */

/** Where a hole sits. */
export type HoleContext =
  /** Element text: escape. Nested `html` results pass through. */
  | { kind: 'text' }
  /** Text of `<textarea>`/`<title>`: escape everything, nested markup included. */
  | { kind: 'rcdata' }
  /** A quoted attribute value. `url` says whether the value is a URL to check. */
  | { kind: 'attr'; name: string; url: 'start' | 'inner' | false }

/** A template that cannot be made safe, found the first time it runs. */
export class HtmlTemplateError extends Error {
  override name = 'HtmlTemplateError'
}

// Attributes whose value is fetched or navigated to: a `javascript:` value there runs script.
const URL_ATTRS = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'poster',
  'cite',
  'data',
  'background',
  'manifest',
  'ping',
  'codebase',
  'longdesc',
  'xlink:href',
])
// Attributes that hold CSS, HTML or URL lists: no escaping makes untrusted input safe there.
const REFUSED_ATTRS = new Set(['style', 'srcdoc', 'srcset', 'imagesrcset'])
// Elements whose body the HTML parser does not treat as markup.
const RAWTEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript'])
const RCDATA = new Set(['textarea', 'title'])
const SPACE = /[\t\n\f\r ]/
const LETTER = /[A-Za-z]/
const URL_SEPARATOR = /[/?#]/
// How a hole is shown in error messages.
const HOLE = '$' + '{…}'

type State =
  | 'text'
  | 'tagOpen'
  | 'markupDecl'
  | 'tagName'
  | 'endTag'
  | 'beforeAttrName'
  | 'attrName'
  | 'afterAttrName'
  | 'beforeAttrValue'
  | 'valueQuoted'
  | 'valueUnquoted'
  | 'comment'
  | 'bogus'
  | 'raw'

const REFUSAL: Partial<Record<State, string>> = {
  tagOpen: 'a tag name',
  tagName: 'a tag name',
  endTag: 'a closing tag',
  beforeAttrName: 'an attribute name position (spread attributes one by one, quoted)',
  attrName: 'an attribute name',
  afterAttrName: 'an attribute name position',
  beforeAttrValue: 'an unquoted attribute value (quote it: attr="…")',
  valueUnquoted: 'an unquoted attribute value (quote it: attr="…")',
  comment: 'an HTML comment',
  markupDecl: 'a comment or doctype',
  bogus: 'a doctype or processing instruction',
}

/**
 * Analyses the static parts of a template and returns one context per hole.
 *
 * @throws HtmlTemplateError when a hole sits where no escaping is safe, or the template ends
 *   inside a tag, comment or script.
 * @example
 * holeContexts(['<a href="', '">', '</a>'])
 * // [{ kind: 'attr', name: 'href', url: 'start' }, { kind: 'text' }]
 */
export function holeContexts(parts: readonly string[]): HoleContext[] {
  const out: HoleContext[] = []
  let state = 'text' as State
  let tag = '' // tag name being read, lower-case
  let isEndTag = false
  let attr = '' // attribute name being read, lower-case
  let quote = ''
  let valueStatic = '' // static text of the current attribute value before its first hole
  let valueHoles = 0
  let urlFixed = false // the current URL value's scheme can no longer be chosen by a hole
  let rawEnd = '' // `</script` etc. that ends a raw-text or RCDATA body
  let rcdata = false
  let buf = '' // comment / markup-declaration / raw-text look-behind

  const fail = (where: string, i: number): never => {
    throw new HtmlTemplateError(
      `html: interpolation ${i + 1} sits in ${where}; that cannot be escaped safely (template: ${JSON.stringify(parts.join(HOLE).slice(0, 120))})`,
    )
  }

  const closeTag = () => {
    if (!isEndTag && RAWTEXT.has(tag)) {
      state = 'raw'
      rcdata = false
    } else if (!isEndTag && RCDATA.has(tag)) {
      state = 'raw'
      rcdata = true
    } else {
      state = 'text'
      return
    }
    rawEnd = `</${tag}`
    buf = ''
  }

  for (let p = 0; p < parts.length; p++) {
    const s = parts[p]!
    for (let k = 0; k < s.length; k++) {
      const c = s[k]!
      switch (state) {
        case 'text':
          if (c === '<') state = 'tagOpen'
          break
        case 'tagOpen':
          if (LETTER.test(c)) {
            state = 'tagName'
            tag = c.toLowerCase()
            isEndTag = false
          } else if (c === '/') {
            state = 'tagName'
            tag = ''
            isEndTag = true
          } else if (c === '!') {
            state = 'markupDecl'
            buf = ''
          } else if (c === '?') state = 'bogus'
          else state = c === '<' ? 'tagOpen' : 'text'
          break
        case 'markupDecl':
          buf += c
          if (buf === '--') {
            state = 'comment'
            buf = ''
          } else if (buf !== '-') state = c === '>' ? 'text' : 'bogus'
          break
        case 'tagName':
          if (SPACE.test(c) || c === '/') state = isEndTag ? 'endTag' : 'beforeAttrName'
          else if (c === '>') closeTag()
          else tag += c.toLowerCase()
          break
        case 'endTag':
          if (c === '>') state = 'text'
          break
        case 'beforeAttrName':
        case 'afterAttrName':
          if (c === '>') closeTag()
          else if (c === '=' && state === 'afterAttrName') state = 'beforeAttrValue'
          else if (c === '/') state = 'beforeAttrName'
          else if (!SPACE.test(c)) {
            state = 'attrName'
            attr = c.toLowerCase()
          }
          break
        case 'attrName':
          if (c === '=') state = 'beforeAttrValue'
          else if (SPACE.test(c)) state = 'afterAttrName'
          else if (c === '>') closeTag()
          else if (c === '/') state = 'beforeAttrName'
          else attr += c.toLowerCase()
          break
        case 'beforeAttrValue':
          if (c === '"' || c === "'") {
            state = 'valueQuoted'
            quote = c
            valueStatic = ''
            valueHoles = 0
            urlFixed = false
          } else if (c === '>') closeTag()
          else if (!SPACE.test(c)) state = 'valueUnquoted'
          break
        case 'valueQuoted':
          if (c === quote) state = 'beforeAttrName'
          else if (valueHoles === 0) {
            valueStatic += c
            // Author-written `https:`, `/`, `?` or `#` before any hole fixes the URL's scheme.
            if (c === ':' || URL_SEPARATOR.test(c)) urlFixed = true
          }
          break
        case 'valueUnquoted':
          if (SPACE.test(c)) state = 'beforeAttrName'
          else if (c === '>') closeTag()
          break
        case 'comment':
          buf = (buf + c).slice(-3)
          if (buf === '-->' || buf === '--!>') state = 'text'
          break
        case 'bogus':
          if (c === '>') state = 'text'
          break
        case 'raw':
          buf = (buf + c.toLowerCase()).slice(-rawEnd.length)
          if (buf === rawEnd) {
            state = 'endTag'
            buf = ''
          }
          break
      }
    }
    if (p === parts.length - 1) break

    // Hole number p follows part p.
    if (state === 'text') out.push({ kind: 'text' })
    else if (state === 'raw') {
      if (!rcdata) fail(`the body of <${tag}> (use jsonScript() for data)`, p)
      out.push({ kind: 'rcdata' })
    } else if (state === 'valueQuoted') {
      out.push({ kind: 'attr', name: attr, url: urlContext(p) })
      valueHoles++
    } else fail(REFUSAL[state] ?? state, p)
  }
  if (state !== 'text' && !(state === 'raw' && rcdata))
    throw new HtmlTemplateError(
      `html: the template ends inside ${REFUSAL[state] ?? `<${tag}>`}; close it in the same template`,
    )
  return out

  function urlContext(p: number): 'start' | 'inner' | false {
    if (attr.startsWith('on'))
      fail(`the event-handler attribute ${attr}= (attach handlers in a nonce'd script)`, p)
    if (REFUSED_ATTRS.has(attr)) fail(`the ${attr}= attribute`, p)
    if (!URL_ATTRS.has(attr)) return false
    if (urlFixed) return 'inner'
    if (valueHoles === 0 && valueStatic.trim() === '') {
      // A value that starts with a hole is checked as a whole URL. What follows it in the same
      // attribute must not be able to complete a scheme (`${a}:${b}` with a = "javascript").
      const next = parts[p + 1]!
      const end = next.indexOf(quote)
      const tail = end === -1 ? next : next.slice(0, end)
      const sep = tail.search(URL_SEPARATOR)
      const colon = tail.indexOf(':')
      if ((colon !== -1 && (sep === -1 || colon < sep)) || (end === -1 && sep === -1))
        fail(`the ${attr}= URL followed by text that could complete its scheme`, p)
      if (end === -1) urlFixed = true
      return 'start'
    }
    return fail(`the ${attr}= URL after text that could still become a scheme`, p)
  }
}
