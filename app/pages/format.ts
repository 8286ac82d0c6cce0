import type { DeviceInfo } from 'tessera-session'
import { html, type SafeHtml } from 'tessera-session/html'

const MONEY = new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' })

/**
 * An amount as the bank shows it.
 *
 * @example
 * money(1234.5) // '€1,234.50'
 */
export function money(amount: number): string {
  return MONEY.format(amount)
}

/**
 * How long ago `ms` was, in words.
 *
 * @example
 * ago(now - 90_000, now) // '1 min ago'
 */
export function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000))
  if (s < 45) return 'just now'
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86_400)} d ago`
}

/**
 * A UTC timestamp in a `<time>` element, with "… ago" underneath.
 *
 * @example
 * html`<td>${when(s.createdAt, now)}</td>`
 */
export function when(ms: number, now: number): SafeHtml {
  const iso = new Date(ms).toISOString()
  const shown = `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`
  return html`<time datetime="${iso}">${shown}</time><span class="sub">${ago(ms, now)}</span>`
}

/**
 * A time inside a sentence: "3 min ago", with the exact UTC time as its tooltip.
 *
 * @example
 * html`<p>You confirmed your password ${agoTime(at, now)}.</p>`
 */
export function agoTime(ms: number, now: number): SafeHtml {
  const iso = new Date(ms).toISOString()
  return html`<time datetime="${iso}" title="${iso}">${ago(ms, now)}</time>`
}

/**
 * A device as people say it: "Chrome on Linux", with the raw User-Agent as a tooltip.
 *
 * @example
 * html`<td>${device(s.device, s.userAgent)}</td>`
 */
export function device(info: DeviceInfo | undefined, userAgent: string | undefined): SafeHtml {
  const ua = userAgent ?? ''
  if (!info || info.browser === 'unknown') {
    // No parsed device (no parser configured): the raw User-Agent, which names the browser too.
    const short = ua ? ua.slice(0, 160) : 'Unknown device'
    return html`<span title="${ua}">${short}</span>`
  }
  const kind = info.type !== 'unknown' && info.type !== 'desktop' ? ` (${info.type})` : ''
  return html`<span title="${ua}">${info.browser} on ${info.os}${kind}</span>`
}
