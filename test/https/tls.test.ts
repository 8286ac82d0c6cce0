import { X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http'
import { request as httpsRequest, type Server as HttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ConnectionOptions,
  connect,
  createServer as createTlsServer,
  type Server as TlsServer,
} from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../app/config.js'
import { type App, buildApp } from '../../app/server.js'
import {
  assertSecureTransport,
  type CertificatePair,
  createSecureServer,
  httpsRedirect,
  selfSignedCertificate,
  TLS_CIPHERS,
} from '../../src/https/index.js'

// A real TLS listener serving the reference app, a plain-HTTP redirector next to it, and a
// deliberately permissive control server that shows each refused client *could* connect to a
// server with weaker settings (so every refusal below is the helper's doing, not the client's).

let ec: CertificatePair
let rsa: CertificatePair
let app: App
let secure: HttpsServer
let secureRsa: HttpsServer
let plain: Server
let port: number
let rsaPort: number
let httpPort: number

function listen(server: Server | HttpsServer | TlsServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

function close(server: Server | HttpsServer | TlsServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections()
  return new Promise((r) => server.close(() => r()))
}

/** Tries a TLS handshake; resolves the negotiated protocol and cipher, or the error message. */
function handshake(
  p: number,
  ca: string,
  options: ConnectionOptions,
): Promise<{ ok: true; protocol: string | null; cipher: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: p, ca, servername: 'localhost', ...options })
    socket.once('secureConnect', () => {
      const r = {
        ok: true as const,
        protocol: socket.getProtocol(),
        cipher: socket.getCipher().name,
      }
      socket.destroy()
      resolve(r)
    })
    socket.once('error', (e) => {
      socket.destroy()
      resolve({ ok: false, error: e.message })
    })
  })
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function call(
  scheme: 'http' | 'https',
  p: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  const request = scheme === 'https' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: p, method, path, headers, ca: ec.cert, servername: 'localhost' },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => {
          text += c
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        )
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

beforeAll(async () => {
  ec = selfSignedCertificate({ hosts: ['localhost', '127.0.0.1'] })
  rsa = selfSignedCertificate({ hosts: ['localhost', '127.0.0.1'], keyType: 'rsa' })
  const config = loadConfig({
    STORE_URL: 'memory:',
    PORT: '0',
    HTTPS: '1',
    ORIGIN: 'https://bank.example',
    LOG_LEVEL: 'silent',
  })
  app = await buildApp(config)
  secure = createSecureServer(app.handler, ec)
  port = await listen(secure)
  secureRsa = createSecureServer(app.handler, rsa)
  rsaPort = await listen(secureRsa)
  plain = createHttpServer(httpsRedirect({ origin: `https://127.0.0.1:${port}` }))
  httpPort = await listen(plain)
})

afterAll(async () => {
  await Promise.all([close(secure), close(secureRsa), close(plain)])
  await app.close()
})

describe('the TLS listener', () => {
  it('speaks TLS 1.3 by default and TLS 1.2 with an ECDHE AEAD suite', async () => {
    expect(await handshake(port, ec.cert, {})).toMatchObject({ ok: true, protocol: 'TLSv1.3' })
    expect(
      await handshake(port, ec.cert, {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256',
      }),
    ).toEqual({ ok: true, protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' })
    expect(
      await handshake(rsaPort, rsa.cert, {
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-RSA-CHACHA20-POLY1305',
      }),
    ).toMatchObject({ ok: true, protocol: 'TLSv1.2' })
  })

  it('refuses TLS 1.0 and 1.1 clients that a permissive server would accept', async () => {
    const old = {
      minVersion: 'TLSv1' as const,
      maxVersion: 'TLSv1.1' as const,
      ciphers: 'DEFAULT:@SECLEVEL=0',
    }
    const lax = createTlsServer({ ...ec, ...old }, (s) => s.end())
    const laxPort = await listen(lax)
    try {
      expect(await handshake(laxPort, ec.cert, old)).toMatchObject({ ok: true })
      expect(await handshake(port, ec.cert, old)).toMatchObject({ ok: false })
      expect(
        await handshake(port, ec.cert, { ...old, minVersion: 'TLSv1', maxVersion: 'TLSv1' }),
      ).toMatchObject({ ok: false })
    } finally {
      await close(lax)
    }
  })

  it('refuses CBC and non-ECDHE suites on TLS 1.2 that Node’s default server accepts', async () => {
    const refused: Array<[CertificatePair, number, string]> = [
      [ec, port, 'ECDHE-ECDSA-AES128-SHA'],
      [ec, port, 'ECDHE-ECDSA-AES256-SHA384'],
      [rsa, rsaPort, 'ECDHE-RSA-AES128-SHA'],
      [rsa, rsaPort, 'ECDHE-RSA-AES128-SHA256'],
      [rsa, rsaPort, 'AES128-GCM-SHA256'],
      [rsa, rsaPort, 'DHE-RSA-AES128-GCM-SHA256'],
    ]
    for (const [pair, p, cipher] of refused) {
      expect(TLS_CIPHERS.split(':')).not.toContain(cipher)
      const defaults = createTlsServer({ ...pair, dhparam: 'auto' } as never, (s) => s.end())
      const defaultsPort = await listen(defaults)
      try {
        const client = { maxVersion: 'TLSv1.2' as const, ciphers: `${cipher}:@SECLEVEL=0` }
        expect(await handshake(defaultsPort, pair.cert, client), cipher).toMatchObject({
          ok: true,
          cipher,
        })
        expect(await handshake(p, pair.cert, client), cipher).toMatchObject({ ok: false })
      } finally {
        await close(defaults)
      }
    }
  })

  it('prefers the server’s cipher order over the client’s', async () => {
    const r = await handshake(port, ec.cert, {
      maxVersion: 'TLSv1.2',
      ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256',
    })
    expect(r).toMatchObject({ ok: true, cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' })
  })

  it('sends HSTS on HTTPS responses, and sets the session cookie over HTTPS', async () => {
    const r = await call('https', port, 'GET', '/api/csrf')
    expect(r.status).toBe(200)
    expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains')
    // Without a session, /api/csrf sets the pre-login nonce cookie: same attributes.
    expect(r.headers['set-cookie']?.[0]).toMatch(/^__Host-sid-csrf=.*; Secure/)
    const missing = await call('https', port, 'GET', '/nope')
    expect(missing.status).toBe(404)
    expect(missing.headers['strict-transport-security']).toMatch(/max-age=31536000/)
  })
})

describe('the plain-HTTP listener', () => {
  it('redirects page requests to the same path on the HTTPS origin', async () => {
    const get = await call('http', httpPort, 'GET', '/account?tab=1')
    expect(get.status).toBe(301)
    expect(get.headers.location).toBe(`https://127.0.0.1:${port}/account?tab=1`)
    const head = await call('http', httpPort, 'HEAD', '/')
    expect(head.status).toBe(301)
    const post = await call('http', httpPort, 'POST', '/login', {}, 'username=a')
    expect(post.status).toBe(308)
    expect(post.headers.location).toBe(`https://127.0.0.1:${port}/login`)
  })

  it('never redirects to the Host header or an absolute request target', async () => {
    const r = await call('http', httpPort, 'GET', 'http://evil.example/x', {
      host: 'evil.example',
    })
    expect(r.headers.location).toBe(`https://127.0.0.1:${port}/`)
    const slashes = await call('http', httpPort, 'GET', '//evil.example/x')
    expect(slashes.headers.location).toBe(`https://127.0.0.1:${port}/`)
  })

  it('refuses API calls with a JSON 403 instead of redirecting them', async () => {
    for (const [method, path] of [
      ['GET', '/api/me'],
      ['POST', '/api/login'],
      ['GET', '/api'],
    ] as const) {
      const r = await call('http', httpPort, method, path, { 'content-type': 'application/json' })
      expect(r.status, path).toBe(403)
      expect(r.headers.location).toBeUndefined()
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'ERR_HTTPS_REQUIRED' } })
    }
  })

  it('never sets a cookie, whatever is asked of it', async () => {
    const login = await call('https', port, 'GET', '/api/csrf')
    const cookie = String(login.headers['set-cookie']?.[0]).split(';')[0]!
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/api/csrf'],
      ['POST', '/api/login'],
      ['POST', '/login'],
      ['GET', '/api/me'],
    ] as const) {
      const r = await call('http', httpPort, method, path, { cookie })
      expect(r.headers['set-cookie'], `${method} ${path}`).toBeUndefined()
      expect(r.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('refuses a non-HTTPS redirect origin at start-up', () => {
    expect(() => httpsRedirect({ origin: 'http://bank.example' })).toThrow(/https/)
    expect(() => httpsRedirect({ origin: 'https://bank.example/path' })).toThrow(/https/)
  })
})

describe('start-up checks', () => {
  it('refuse production settings that would send session cookies over plain HTTP', () => {
    expect(() => assertSecureTransport({ production: true, https: false })).toThrow(/plain HTTP/)
    expect(() => assertSecureTransport({ production: true, https: false, trustProxy: [] })).toThrow(
      /ERR_CONFIG|plain HTTP/,
    )
    expect(() => assertSecureTransport({ production: true, https: true })).not.toThrow()
    expect(() =>
      assertSecureTransport({ production: true, https: false, trustProxy: ['10.0.0.2'] }),
    ).not.toThrow()
    expect(() => assertSecureTransport({ production: false, https: false })).not.toThrow()
  })
})

describe('self-signed certificates', () => {
  it('name the requested hosts and expire soon', () => {
    const x = new X509Certificate(ec.cert)
    expect(x.subjectAltName).toContain('DNS:localhost')
    expect(x.subjectAltName).toContain('IP Address:127.0.0.1')
    expect(x.checkHost('localhost')).toBe('localhost')
    const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000
    expect(days).toBeLessThanOrEqual(31)
    expect(x.publicKey.asymmetricKeyType).toBe('ec')
    expect(new X509Certificate(rsa.cert).publicKey.asymmetricKeyType).toBe('rsa')
  })

  it('refuse host names that could smuggle extra extensions', () => {
    for (const bad of ['a,DNS:evil.example', 'a b', 'evil.example\n', '', '-x']) {
      expect(() => selfSignedCertificate({ hosts: [bad] }), bad).toThrow(/not a host name/)
    }
    expect(() => selfSignedCertificate({ days: 0 })).toThrow(/days/)
  })

  it('say clearly when openssl is not available', () => {
    expect(() =>
      selfSignedCertificate({ via: 'openssl', openssl: '/nonexistent/openssl' }),
    ).toThrow(/install openssl or pass cert and key/)
  })

  it('are made alike by node:crypto and by openssl, and both verify in a real handshake', async () => {
    const hosts = [
      'localhost',
      'dev.bank.example',
      '127.0.0.1',
      '::1',
      '2001:db8::7',
      '::ffff:192.0.2.1',
    ]
    const sans = new Set<string | undefined>()
    for (const via of ['node', 'openssl'] as const) {
      for (const keyType of ['ec', 'rsa'] as const) {
        const pair = selfSignedCertificate({ hosts, via, keyType, days: 7 })
        const x = new X509Certificate(pair.cert)
        sans.add(x.subjectAltName)
        expect(x.subject, via).toBe('CN=localhost')
        expect(x.ca, via).toBe(false)
        expect(x.checkHost('dev.bank.example'), via).toBe('dev.bank.example')
        expect(x.checkHost('evil.example'), via).toBeUndefined()
        expect(x.checkIP('127.0.0.1'), via).toBe('127.0.0.1')
        expect(x.checkIP('::1'), via).toBe('::1')
        expect(x.checkIP('2001:db8::7'), via).toBe('2001:db8::7')
        expect(x.checkIP('2001:db8::8'), via).toBeUndefined()
        expect(x.verify(x.publicKey), via).toBe(true)
        expect(x.keyUsage, via).toEqual(['1.3.6.1.5.5.7.3.1'])
        expect(x.publicKey.asymmetricKeyType).toBe(keyType)
        const days = (Date.parse(x.validTo) - Date.now()) / 86_400_000
        expect(days).toBeGreaterThan(6.9)
        expect(days).toBeLessThanOrEqual(7.01)
        const server = createSecureServer(app.handler, pair)
        const p = await listen(server)
        try {
          expect(await handshake(p, pair.cert, {}), `${via} ${keyType}`).toMatchObject({ ok: true })
          expect(await handshake(p, pair.cert, { servername: 'dev.bank.example' })).toMatchObject({
            ok: true,
          })
          expect(await handshake(p, ec.cert === pair.cert ? rsa.cert : ec.cert, {})).toMatchObject({
            ok: false,
          })
        } finally {
          await close(server)
        }
      }
    }
    // Same names, byte for byte, whichever way the certificate was made (IPv6 forms included).
    expect(sans.size).toBe(1)
    expect([...sans][0]).toContain('IP Address:0:0:0:0:0:FFFF:C000:201')
  })

  it('serve the app with a certificate read from files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-https-test-'))
    writeFileSync(join(dir, 'cert.pem'), ec.cert)
    writeFileSync(join(dir, 'key.pem'), ec.key, { mode: 0o600 })
    const server = createSecureServer(app.handler, {
      certFile: join(dir, 'cert.pem'),
      keyFile: join(dir, 'key.pem'),
    })
    const p = await listen(server)
    try {
      expect((await call('https', p, 'GET', '/healthz')).status).toBe(200)
    } finally {
      await close(server)
      rmSync(dir, { recursive: true, force: true })
    }
    expect(() =>
      createSecureServer(app.handler, { certFile: '/nonexistent.pem', keyFile: '/x.pem' }),
    ).toThrow(/TLS_CERT: cannot read/)
  })
})
