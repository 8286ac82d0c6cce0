/**
 * Escaping for HTML text and quoted attribute values. The same six characters are escaped in
 * both, so a value can never end an attribute (either quote), open a tag, start an entity, or
 * close an old-IE backtick-quoted attribute, whatever the context. Two more keep the text
 * exact through the HTML parser: CR (which the parser would turn into LF) becomes `&#13;`, and
 * NUL (which it drops or replaces) becomes U+FFFD up front, the same in every context.
 */

const ENTITY: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '\r': '&#13;',
  '\0': '\uFFFD',
}
const NEEDS_ESCAPE = /[&<>"'`\r\0]/
const ESCAPE_ALL = /[&<>"'`\r\0]/g
const toEntity = (c: string): string => ENTITY[c]!

/**
 * Escapes `& < > " ' \`` and CR as entities, and replaces NUL with U+FFFD.
 *
 * @example
 * escapeHtml('<b title="x">Tom & Jerry</b>')
 * // '&lt;b title=&quot;x&quot;&gt;Tom &amp; Jerry&lt;/b&gt;'
 */
export function escapeHtml(text: string): string {
  // Most values need nothing: test first, and only then build a new string.
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, toEntity) : text
}
