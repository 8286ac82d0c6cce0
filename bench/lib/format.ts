/**
 * Formats a number for a table: fixed decimals, thin handling of NaN/null as an en dash.
 *
 * @example
 * num(0.4567, 2) // '0.46'
 */
export function num(v: number | null | undefined, decimals = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–'
  return v.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  })
}

/**
 * `{ get: 1, update: 0.02 }` → `get 1.00, update 0.02` (keys sorted).
 *
 * @example
 * perReq({ get: 1 }) // 'get 1.00'
 */
export function perReq(m: Record<string, number> | null | undefined): string {
  if (!m) return '–'
  const entries = Object.entries(m)
    .filter(([, v]) => v > 0)
    .sort(([a], [b]) => a.localeCompare(b))
  return entries.length ? entries.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ') : '0'
}

/**
 * Escapes text for a Markdown table cell.
 *
 * @example
 * cell('a|b') // 'a\\|b'
 */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
