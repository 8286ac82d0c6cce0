// The few RFC 9651 (Structured Field) shapes DBSC headers use: strings with parameters, lists
// of them, and inner lists of tokens. Only what DBSC sends and receives, parsed for hostile
// input (length caps, no exceptions), serialised only from values we made ourselves.

/** Longest header value DBSC parses (a JWS with an RSA-4096 key fits easily). */
export const MAX_SF_LENGTH = 8192

const PRINTABLE = /^[\x20-\x7E]*$/
// Characters of a compact JWS and of our identifiers: accepted unquoted from clients that send
// a bare value (early Chromium builds did), never produced.
const BARE = /^[A-Za-z0-9._~-]+$/

/**
 * Serialises an sf-string: printable ASCII in double quotes, `"` and `\` escaped.
 *
 * @example
 * sfString('abc') // '"abc"'
 */
export function sfString(value: string): string {
  if (!PRINTABLE.test(value)) throw new TypeError('sf-string must be printable ASCII')
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/**
 * Reads the sf-string at the start of a header value, ignoring any parameters after it (DBSC
 * says they SHOULD be ignored). Null for anything else: missing, too long, bad escapes,
 * unprintable characters. A bare base64url/JWS value is accepted as well.
 *
 * @example
 * parseSfString('"abc";x=1') // 'abc'
 */
export function parseSfString(header: string | undefined): string | null {
  if (header === undefined) return null
  const v = header.trim()
  if (v.length === 0 || v.length > MAX_SF_LENGTH) return null
  if (v.charCodeAt(0) !== 0x22) {
    const bare = v.split(';', 1)[0]!.trim()
    return BARE.test(bare) ? bare : null
  }
  let out = ''
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!
    if (c === '\\') {
      const next = v[++i]
      if (next !== '"' && next !== '\\') return null
      out += next
    } else if (c === '"') {
      const rest = v.slice(i + 1).trim()
      if (rest !== '' && rest[0] !== ';') return null
      return out
    } else {
      const code = c.charCodeAt(0)
      if (code < 0x20 || code > 0x7e) return null
      out += c
    }
  }
  return null
}
