import type { DeviceInfo } from '../core/record.js'

// A small, built-in User-Agent classifier: browser family, OS and device type, no versions.
// Tessera needs only enough to tell "Chrome on Windows" from "Safari on an iPhone" for the
// sessions page and the new-device / browser-change rules; it does not need the long tail a
// full parser carries. Names follow the common convention ("Mobile Safari", "Chrome WebView")
// so device keys stored by earlier versions still match. Order matters everywhere below: UAs
// carry each other's tokens (Edge says Chrome and Safari, Chrome says Safari, iOS says "Mac OS
// X"), so the most specific token is tested first. Every pattern is anchored on a literal
// token and has no nested quantifier, so it runs in linear time on hostile input.

type Rule = readonly [pattern: RegExp, name: string]

/** Crawlers that name themselves with a `…bot/1.0`, `…spider/2.0` or `…crawler/1.0` token. */
const CRAWLER = /([A-Za-z][\w-]{0,40}(?:bot|spider|crawler))\/[\d~.]/i
/** Crawlers without such a token. */
const CRAWLERS_NAMED: readonly Rule[] = [
  [/facebookexternalhit\//, 'facebookexternalhit'],
  [/Yahoo! Slurp/, 'Yahoo! Slurp'],
  [/bingpreview\//i, 'BingPreview'],
  [/DuckDuckBot/, 'DuckDuckBot'],
  [/AdsBot-Google/, 'AdsBot-Google'],
]

/** Command-line tools and HTTP libraries: the UA starts with their name. */
const LIBRARY =
  /^(curl|Wget|HTTPie|python-requests|Python-urllib|aiohttp|Go-http-client|node-fetch|undici|axios|okhttp|PostmanRuntime|Apache-HttpClient|Java|libwww-perl|Ruby|Dart)\//i

/** Browsers that build on Chromium or WebKit and add their own token; tested before those. */
const BRANDED: readonly Rule[] = [
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/\b(?:Edg|EdgA|EdgiOS|Edge)\//, 'Edge'],
  [/\b(?:OPR|OPT|OPiOS)\/|\bOpera\b/, 'Opera'],
  [/YaBrowser\//, 'Yandex'],
  [/Vivaldi\//, 'Vivaldi'],
  [/UCBrowser\//, 'UC Browser'],
  [/DuckDuckGo\//, 'DuckDuckGo'],
  [/HeadlessChrome\//, 'Chrome Headless'],
]

const OS: readonly Rule[] = [
  [/Windows Phone/, 'Windows Phone'],
  [/Windows/, 'Windows'],
  // iOS UAs say "like Mac OS X": test them before macOS.
  [/\b(?:iPhone|iPad|iPod)\b/, 'iOS'],
  // Android UAs say "Linux": test them before Linux.
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'Chrome OS'],
  [/Macintosh|Mac OS X/, 'macOS'],
  [/Tizen/, 'Tizen'],
  [/Web0S|webOS/, 'webOS'],
  [/FreeBSD|OpenBSD|NetBSD/, 'BSD'],
  [/Linux|X11/, 'Linux'],
]

const TYPE: readonly Rule[] = [
  [/SmartTV|SMART-TV|\bTV\b|CrKey|AppleTV|Web0S|HbbTV/, 'smarttv'],
  [/PlayStation|Xbox|Nintendo/, 'console'],
  [/\biPad\b|Tablet/, 'tablet'],
  [/\b(?:iPhone|iPod)\b|Windows Phone|Mobi/, 'mobile'],
]

const first = (rules: readonly Rule[], ua: string): string | undefined => {
  for (const [pattern, name] of rules) if (pattern.test(ua)) return name
  return undefined
}

const UNKNOWN = 'unknown'

function browserOf(ua: string, os: string): string | undefined {
  const branded = first(BRANDED, ua)
  if (branded) return branded
  const prefix = os === 'iOS' || os === 'Android' ? 'Mobile ' : ''
  if (/\bFxiOS\//.test(ua) || /\bFirefox\//.test(ua)) return `${prefix}Firefox`
  if (/\bCriOS\//.test(ua)) return 'Mobile Chrome'
  // Android's system WebView marks itself with "; wv)" (Lollipop and later) or, before that,
  // with "Version/4.0" next to a Chrome token.
  if (os === 'Android' && (/; wv\)/.test(ua) || /Version\/[\d.]+ Chrome\//.test(ua))) {
    return 'Chrome WebView'
  }
  if (/\bChromium\//.test(ua)) return 'Chromium'
  if (/\bChrome\//.test(ua)) return `${prefix}Chrome`
  if (/\bTrident\/|\bMSIE /.test(ua)) return 'IE'
  if (/\bVersion\/\d/.test(ua) && /\bSafari\//.test(ua)) return `${prefix}Safari`
  // An app's embedded WKWebView: WebKit on iOS without Safari's Version/ token.
  if (os === 'iOS' && /AppleWebKit\//.test(ua)) return 'iOS WebView'
  return undefined
}

/**
 * Classifies a User-Agent into `{ browser, os, type }`: the browser family without version
 * (`Chrome`, `Edge`, `Firefox`, `Safari`, `Mobile Safari`, `Samsung Internet`, `Opera`,
 * `Chrome WebView`, …), the OS (`Windows`, `macOS`, `iOS`, `Android`, `Linux`, `Chrome OS`, …)
 * and the device type (`desktop`, `mobile`, `tablet`, `smarttv`, `console`, `bot` for crawlers,
 * `library` for curl and HTTP libraries, `unknown`). Anything it cannot place is `unknown`.
 * Pure and uncached: {@link createDeviceParser} adds the cache and the length limit.
 *
 * @example
 * parseUserAgent('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36')
 * // { browser: 'Chrome', os: 'Linux', type: 'desktop' }
 * parseUserAgent('curl/8.5.0') // { browser: 'curl', os: 'unknown', type: 'library' }
 */
export function parseUserAgent(ua: string): DeviceInfo {
  const crawler = CRAWLER.exec(ua)?.[1] ?? first(CRAWLERS_NAMED, ua)
  if (crawler) return { browser: crawler, os: first(OS, ua) ?? UNKNOWN, type: 'bot' }
  const library = LIBRARY.exec(ua)?.[1]
  if (library) return { browser: library, os: UNKNOWN, type: 'library' }

  const os = first(OS, ua) ?? UNKNOWN
  let type = first(TYPE, ua)
  // Android tablets drop "Mobile" from the UA; that absence is the signal.
  if (!type && os === 'Android') type = 'tablet'
  const browser = browserOf(ua, os) ?? UNKNOWN
  if (!type) type = browser !== UNKNOWN && os !== UNKNOWN ? 'desktop' : UNKNOWN
  return { browser, os, type }
}
