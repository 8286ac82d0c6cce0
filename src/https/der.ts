// A minimal DER (ASN.1) writer: just the types an X.509 certificate needs. Each function
// returns the complete encoding (tag, length, content) of one value.

/** One DER value: tag byte, definite length, content. */
export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length
  let head: number[]
  if (n < 0x80) head = [tag, n]
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff)
    head = [tag, 0x80 | bytes.length, ...bytes]
  }
  return Buffer.concat([Buffer.from(head), content])
}

/** SEQUENCE of already-encoded values. */
export const seq = (...items: Uint8Array[]): Buffer => tlv(0x30, Buffer.concat(items))
/** SET of already-encoded values. */
export const set = (...items: Uint8Array[]): Buffer => tlv(0x31, Buffer.concat(items))
/** Context-specific constructed `[n]` (EXPLICIT tagging). */
export const explicit = (n: number, inner: Uint8Array): Buffer => tlv(0xa0 | n, inner)
/** OCTET STRING. */
export const octets = (b: Uint8Array): Buffer => tlv(0x04, b)
/** BIT STRING with no unused bits. */
export const bits = (b: Uint8Array): Buffer => tlv(0x03, Buffer.concat([Buffer.of(0), b]))
/** NULL. */
export const nul = (): Buffer => Buffer.of(0x05, 0x00)
/** BOOLEAN true. */
export const yes = (): Buffer => Buffer.of(0x01, 0x01, 0xff)
/** UTF8String. */
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'))

/** INTEGER from unsigned big-endian bytes (a leading zero is added when the top bit is set). */
export function uint(b: Uint8Array): Buffer {
  let i = 0
  while (i < b.length - 1 && b[i] === 0) i++
  const body = b.subarray(i)
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.of(0), body]) : body)
}

/** OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number)
  const out: number[] = [40 * arcs[0]! + arcs[1]!]
  for (const arc of arcs.slice(2)) {
    const group: number[] = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      group.unshift(0x80 | (v & 0x7f))
    out.push(...group)
  }
  return tlv(0x06, Buffer.from(out))
}

/** UTCTime (years 1950–2049) or GeneralizedTime, as RFC 5280 requires. */
export function time(d: Date): Buffer {
  const iso = d.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '')
  const year = d.getUTCFullYear()
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'))
    : tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'))
}
