import { type HoleContext, holeContexts } from './context.js'
import { escapeHtml } from './escape.js'
import { SafeHtml, trusted } from './safe.js'
import { safeUrl } from './url.js'

// One analysis per template site: a tagged template passes the same frozen strings array on
// every call, so the HTML grammar is walked once, not per request.
const plans = new WeakMap<readonly string[], HoleContext[]>()

/**
 * A tagged template that escapes every interpolated value for where it sits:
 * element text and quoted attributes are entity-escaped; URLs in `href`/`src`/`action`/… are
 * limited to relative, http(s) and mailto (others become `about:blank#blocked`); nested `html`
 * results and arrays of them compose without double escaping; `null`, `undefined` and `false`
 * render nothing (so `${cond && html`…`}` works). Holes in unquoted attributes, event handlers,
 * `style`, tag or attribute names, comments and `<script>`/`<style>` bodies are refused with
 * an {@link HtmlTemplateError} the first time the template runs.
 *
 * @example
 * const row = (s: { ip: string; ua: string }) => html`<tr><td>${s.ip}</td><td>${s.ua}</td></tr>`
 * const page = html`<a href="${link}">${name}</a><table>${rows.map(row)}</table>`
 * res.end(String(page))
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let plan = plans.get(strings)
  if (!plan) {
    for (const s of strings)
      if (s === undefined) throw new TypeError('html: invalid escape sequence in the template')
    plan = holeContexts(strings)
    plans.set(strings, plan)
  }
  let out = strings[0]!
  for (let i = 0; i < values.length; i++) out += render(values[i], plan[i]!) + strings[i + 1]!
  return trusted(out)
}

function render(value: unknown, ctx: HoleContext): string {
  if (ctx.kind === 'text') return text(value)
  if (ctx.kind === 'rcdata') return escapeHtml(plain(value, ''))
  if (ctx.url === 'start') return escapeHtml(safeUrl(plain(value, '')))
  return escapeHtml(plain(value, ' '))
}

function text(value: unknown): string {
  if (SafeHtml.is(value)) return value.toString()
  if (Array.isArray(value)) {
    let s = ''
    for (const v of value) s += text(v)
    return s
  }
  return escapeHtml(scalar(value))
}

/** A value as plain text: markup is just text here; arrays are joined (class lists). */
function plain(value: unknown, joiner: string): string {
  if (Array.isArray(value)) return value.map((v) => plain(v, joiner)).join(joiner)
  if (SafeHtml.is(value)) return value.toString()
  return scalar(value)
}

function scalar(value: unknown): string {
  if (value === null || value === undefined || value === false) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'function')
    throw new TypeError('html: a function was interpolated; call it first')
  if (typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function')
    throw new TypeError('html: a promise was interpolated; await it first')
  return String(value)
}
