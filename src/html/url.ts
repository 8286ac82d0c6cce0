/** URL schemes a page may link to or load from; anything else (javascript:, data:, vbscript:, …) is replaced. */
export const ALLOWED_SCHEMES: ReadonlySet<string> = new Set(['http', 'https', 'mailto'])

/** What a refused URL becomes: it loads nothing and runs nothing. */
export const BLOCKED_URL = 'about:blank#blocked'

// Browsers strip leading/trailing C0 controls and spaces, and drop tab/CR/LF anywhere, before
// they look for the scheme: `\x01 java\tscript:` is still javascript:. Do the same first.
const EDGE_JUNK = /^[\x00-\x20]+|[\x00-\x20]+$/g
const TAB_NEWLINE = /[\t\n\r]/g
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/
const SEPARATOR = /[/?#\\]/

/**
 * Returns `url` when it is relative or uses http(s)/mailto, and {@link BLOCKED_URL} otherwise.
 * The result still needs attribute escaping (the `html` template does that).
 *
 * @example
 * safeUrl('/sessions?x=1') // '/sessions?x=1'
 * safeUrl(' JaVa\tScRiPt:alert(1)') // 'about:blank#blocked'
 */
export function safeUrl(url: string): string {
  const clean = url.replace(EDGE_JUNK, '').replace(TAB_NEWLINE, '')
  const scheme = SCHEME.exec(clean)
  if (scheme) return ALLOWED_SCHEMES.has(scheme[1]!.toLowerCase()) ? url : BLOCKED_URL
  // No valid scheme. A colon before any / ? # \ still looks like one to some parser (or to a
  // later decoding step): refuse rather than guess.
  const colon = clean.indexOf(':')
  if (colon === -1) return url
  const sep = clean.search(SEPARATOR)
  return sep !== -1 && sep < colon ? url : BLOCKED_URL
}
