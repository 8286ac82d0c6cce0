import { html, type SafeHtml } from 'tessera-session/html'
import type { User } from '../users.js'
import { money } from './format.js'
import { csrfField, layout } from './layout.js'
import { errorFlash, flashFromQuery } from './messages.js'
import type { View } from './view.js'

/**
 * `/account`: the balance and the transfer form (the state-changing action a forger wants).
 *
 * @example
 * sendPage(res, 200, accountPage(v, user))
 */
export function accountPage(
  v: View,
  user: User,
  state: { to?: string; amount?: string; error?: string } = {},
): SafeHtml {
  const others = v.app.users.all().filter((u) => u.id !== user.id && u.role === 'user')
  return layout(v, {
    title: 'Account',
    flash: errorFlash(state.error) ?? flashFromQuery(v.query),
    body: html`<div class="grid">
<section class="card">
<h2>Balance</h2>
<p class="balance" id="balance">${money(user.balance)}</p>
</section>
<section class="card">
<h2>Send money</h2>
<form class="stack" method="post" action="/account/transfer">
${csrfField(v)}
<label>To <input name="to" list="payees" required maxlength="64" value="${state.to ?? ''}"></label>
<datalist id="payees">${others.map((u) => html`<option value="${u.username}"></option>`)}</datalist>
<label>Amount (EUR) <input name="amount" inputmode="decimal" required maxlength="20" value="${state.amount ?? ''}"></label>
<button type="submit">Send</button>
</form>
</section>
</div>`,
  })
}
