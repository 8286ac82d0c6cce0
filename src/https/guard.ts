import { configAssert } from '../core/errors.js'
import { assertKnownKeys, optionKeys } from '../internal/strict.js'

/** What {@link assertSecureTransport} looks at. */
export interface TransportSettings {
  /** Production mode (typically `NODE_ENV === 'production'`). */
  production: boolean
  /** The app itself serves HTTPS. */
  https: boolean
  /** Addresses of trusted proxies (a TLS-terminating proxy in front of the app). */
  trustProxy?: readonly string[]
}

const KEYS = optionKeys<TransportSettings>({ production: true, https: true, trustProxy: true })

/**
 * Refuses, at start-up, a production deployment that would carry session cookies over plain
 * HTTP: neither serving HTTPS itself nor behind a trusted TLS-terminating proxy.
 *
 * @throws TesseraError `ERR_CONFIG` with a message that says how to fix it.
 *
 * @example
 * assertSecureTransport({ production: true, https: false, trustProxy: ['10.0.0.2'] }) // ok
 */
export function assertSecureTransport(settings: TransportSettings): void {
  assertKnownKeys(settings, KEYS, 'assertSecureTransport()')
  if (!settings.production) return
  configAssert(
    settings.https || (settings.trustProxy?.length ?? 0) > 0,
    'production without HTTPS: session cookies would travel over plain HTTP. Serve HTTPS (HTTPS=1 with TLS_CERT/TLS_KEY) or put the app behind a TLS-terminating proxy listed in TRUST_PROXY',
  )
}
