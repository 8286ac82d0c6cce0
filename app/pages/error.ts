import { html, type SafeHtml } from 'tessera-session/html'
import { layout } from './layout.js'
import type { View } from './view.js'

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Too large',
  415: 'Unsupported form',
}

// Messages people can act on, by error code; the generic message otherwise.
const HINTS: Readonly<Record<string, string>> = {
  ERR_CSRF:
    'This form has expired or was sent from another site, so it was refused. Go back, reload the page and try again.',
  ERR_FORBIDDEN: 'Your account cannot open this page.',
  ERR_NOT_FOUND: 'There is nothing here.',
}

/**
 * The HTML error page for page routes (4xx). The message is a fixed, generic one.
 *
 * @example
 * sendPage(res, 403, errorPage(v, 403, 'ERR_CSRF', 'request refused'))
 */
export function errorPage(v: View, status: number, code: string, message: string): SafeHtml {
  return layout(v, {
    title: TITLES[status] ?? 'Something went wrong',
    body: html`<section class="card">
<p>${HINTS[code] ?? message}</p>
<p class="sub">Error ${status} · <code>${code}</code></p>
<div class="actions"><a href="${v.user ? '/account' : '/'}">Back to safety</a></div>
</section>`,
  })
}
