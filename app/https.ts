import { createServer as createHttpServer, type Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import { TesseraError } from 'tessera-session'
import {
  assertSecureTransport,
  type CertificateSource,
  createSecureServer,
  httpsRedirect,
} from 'tessera-session/https'
import { type AppConfig, ConfigError } from './config.js'
import type { App } from './server.js'

/** The reference app's listeners under `HTTPS=1`. */
export interface HttpsListeners {
  servers: Array<Server | HttpsServer>
  /** Where the app is served, e.g. `https://127.0.0.1:3000`. */
  url: string
  /** The plain-HTTP redirector, or null with `HTTP_PORT=off`. */
  redirectUrl: string | null
}

/**
 * Refuses a production start that would carry session cookies over plain HTTP
 * (`NODE_ENV=production` without `HTTPS=1` or a `TRUST_PROXY`), as a one-line config error.
 */
export function checkTransport(config: AppConfig, env: NodeJS.ProcessEnv = process.env): void {
  try {
    assertSecureTransport({
      production: env.NODE_ENV === 'production',
      https: config.https,
      trustProxy: config.trustProxy,
    })
  } catch (error) {
    if (error instanceof TesseraError)
      throw new ConfigError(`HTTPS=0 is invalid: ${error.message.replace(/^[^:]*: /, '')}`)
    throw error
  }
}

/**
 * `HTTP_PORT`: where plain HTTP is redirected from. Default PORT + 1 (80 when PORT is 443;
 * an ephemeral port when PORT is 0); `off` for none.
 */
function httpPort(config: AppConfig, env: NodeJS.ProcessEnv): number | null {
  const raw = env.HTTP_PORT
  if (raw === 'off') return null
  if (raw === undefined || raw === '')
    return config.port === 0 ? 0 : config.port === 443 ? 80 : config.port + 1
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0 || n > 65535 || (n === config.port && n !== 0))
    throw new ConfigError(
      `HTTP_PORT=${JSON.stringify(raw)} is invalid: must be a port number other than PORT, or off`,
    )
  return n
}

function certificate(config: AppConfig): CertificateSource {
  if (config.tlsCert && config.tlsKey) return { certFile: config.tlsCert, keyFile: config.tlsKey }
  if (config.tlsCert || config.tlsKey) {
    const missing = config.tlsCert ? 'TLS_KEY' : 'TLS_CERT'
    throw new ConfigError(`${missing} is missing: TLS_CERT and TLS_KEY go together`)
  }
  const wildcard = config.host === '0.0.0.0' || config.host === '::'
  const hosts = new Set(wildcard ? [] : [config.host])
  for (const h of ['localhost', '127.0.0.1', '::1']) hosts.add(h)
  return { selfSigned: { hosts: [...hosts] } }
}

function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      const a = server.address()
      resolve(typeof a === 'object' && a ? a.port : port)
    })
  })
}

/**
 * Serves the app over HTTPS on `PORT` (with `TLS_CERT`/`TLS_KEY`, or a self-signed
 * certificate made at start) and redirects plain HTTP on `HTTP_PORT` to it; plain-HTTP API
 * calls are refused, not redirected.
 */
export async function startHttps(
  app: App,
  config: AppConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HttpsListeners> {
  const redirectPort = httpPort(config, env)
  let source: CertificateSource
  try {
    source = certificate(config)
    const secure = createSecureServer(app.handler, source)
    const hostInUrl = config.host.includes(':') ? `[${config.host}]` : config.host
    const port = await listen(secure, config.port, config.host)
    const url = `https://${hostInUrl}:${port}`
    if (redirectPort === null) return { servers: [secure], url, redirectUrl: null }
    // Redirect to the configured public origin when ORIGIN names one, else to where we listen.
    const origin = env.ORIGIN ? config.origins.find((o) => o.startsWith('https://')) : undefined
    const plain = createHttpServer(
      { maxHeaderSize: 16 * 1024 },
      httpsRedirect({ origin: origin ?? url }),
    )
    const p = await listen(plain, redirectPort, config.host)
    return { servers: [secure, plain], url, redirectUrl: `http://${hostInUrl}:${p}` }
  } catch (error) {
    if (error instanceof TesseraError && error.code === 'ERR_CONFIG') {
      const variable = config.tlsCert ? 'TLS_CERT' : 'HTTPS'
      throw new ConfigError(
        `${variable} is invalid: ${error.message.replace(/^Tessera configuration: /, '')}`,
      )
    }
    throw error
  }
}
