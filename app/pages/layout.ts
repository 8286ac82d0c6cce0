import { html, type SafeHtml } from 'tessera-session/html'
import { assetUrl } from '../static/serve.js'
import type { View } from './view.js'

/** A message shown at the top of a page. */
export interface Flash {
  kind: 'ok' | 'error'
  text: string
}

const NAV: ReadonlyArray<{ path: string; label: string; admin?: boolean }> = [
  { path: '/account', label: 'Account' },
  { path: '/sessions', label: 'Sessions' },
  { path: '/security', label: 'Security' },
  { path: '/admin', label: 'Admin', admin: true },
]

/**
 * The hidden CSRF field every form carries.
 *
 * @example
 * html`<form method="post" action="/logout">${csrfField(v)}<button>Log out</button></form>`
 */
export function csrfField(v: View): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${v.csrf}">`
}

/**
 * The page shell: header with navigation and a logout button (when signed in), an optional
 * flash message, the title and the body. The only stylesheet carries the CSP nonce; there is
 * no script at all.
 *
 * @example
 * sendPage(res, 200, layout(v, { title: 'Account', body: html`<p>…</p>` }))
 */
export function layout(
  v: View,
  page: { title: string; body: SafeHtml; flash?: Flash | null; lead?: string },
): SafeHtml {
  const path = v.req.tessera.input.path
  const links = v.user
    ? NAV.filter((n) => !n.admin || v.user?.role === 'admin').map(
        (n) =>
          html`<a href="${n.path}" aria-current="${n.path === path ? 'page' : 'false'}">${n.label}</a>`,
      )
    : []
  const who = v.user
    ? html`<div class="who"><span>Signed in as <strong>${v.user.username}</strong></span>
        <form method="post" action="/logout">${csrfField(v)}<button class="secondary small" type="submit">Log out</button></form></div>`
    : html`<div class="who"><a href="/login">Log in</a></div>`
  const flash = page.flash
    ? html`<div class="flash ${page.flash.kind}" role="${page.flash.kind === 'error' ? 'alert' : 'status'}">${page.flash.text}</div>`
    : null
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · Tessera Bank</title>
<link rel="stylesheet" href="${assetUrl('/static/app.css')}" nonce="${v.nonce}">
</head>
<body>
<header class="top"><a class="brand" href="/">Tessera Bank</a><nav>${links}</nav>${who}</header>
<main>
${flash}
<h1>${page.title}</h1>
${page.lead ? html`<p class="lead">${page.lead}</p>` : null}
${page.body}
</main>
<footer>Tessera Bank is a demo of the Tessera session library. No real money moves.</footer>
</body>
</html>
`
}
