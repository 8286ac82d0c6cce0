// A DBSC client written from the editor's draft (w3c/webappsec-dbsc, "Send request" and "DBSC
// Proof JWT Syntax"), with a software key: what a browser does, minus the hardware.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto'
import type { ApiClient } from '../helpers/client.js'

/** One registration offer from a `Secure-Session-Registration` header. */
export interface Offer {
  algorithms: string[]
  path: string
  challenge: string | null
}

type Answer = Awaited<ReturnType<ApiClient['request']>>

function b64json(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function sfQuote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/** Parses the first entry of a `Secure-Session-Registration` list (inner list of tokens + parameters). */
export function parseOffer(header: string | null): Offer | null {
  if (!header) return null
  const m = /^\s*\(([^)]*)\)((?:;[a-z_]+=(?:"(?:[^"\\]|\\.)*"|[^;,"]*))*)/.exec(header)
  if (!m) return null
  const params = new Map<string, string>()
  for (const p of m[2]!.matchAll(/;([a-z_]+)=("(?:[^"\\]|\\.)*"|[^;,"]*)/g)) {
    const raw = p[2]!
    params.set(p[1]!, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw)
  }
  const path = params.get('path')
  if (!path) return null
  return { algorithms: m[1]!.trim().split(/\s+/), path, challenge: params.get('challenge') ?? null }
}

/** Reads the challenge and its session id from a `Secure-Session-Challenge` header. */
export function parseChallenge(header: string | null): { challenge: string; id: string } | null {
  const m = header ? /^"((?:[^"\\]|\\.)*)";id="((?:[^"\\]|\\.)*)"/.exec(header) : null
  return m ? { challenge: m[1]!, id: m[2]! } : null
}

/** A software session key for ES256 or RS256. */
export class SessionKey {
  readonly privateKey: KeyObject
  readonly jwk: Record<string, unknown>

  constructor(readonly alg: 'ES256' | 'RS256') {
    const pair =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 })
    this.privateKey = pair.privateKey
    const { kty, crv, x, y, n, e } = pair.publicKey.export({ format: 'jwk' })
    this.jwk = alg === 'ES256' ? { kty, crv, x, y } : { kty, n, e }
  }

  /** A DBSC proof over `jti`; `withJwk` for registration (the draft forbids it on refresh). */
  proof(jti: string, withJwk: boolean, claims: Record<string, unknown> = {}): string {
    const header = { alg: this.alg, typ: 'dbsc+jwt', ...(withJwk ? { jwk: this.jwk } : {}) }
    const input = `${b64json(header)}.${b64json({ jti, ...claims })}`
    const signature =
      this.alg === 'ES256'
        ? sign('sha256', Buffer.from(input), { key: this.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign('sha256', Buffer.from(input), this.privateKey)
    return `${input}.${signature.toString('base64url')}`
  }
}

/**
 * The browser's side of one DBSC session over an {@link ApiClient} (its cookie jar gets the
 * bound cookie like any other).
 */
export class DbscClient {
  sessionId: string | null = null
  refreshUrl: string | null = null
  cookieName: string | null = null
  /** The cached challenge (the draft's "cached challenge"). */
  challenge: string | null = null
  readonly key: SessionKey

  constructor(
    readonly api: ApiClient,
    alg: 'ES256' | 'RS256' = 'ES256',
  ) {
    this.key = new SessionKey(alg)
  }

  /** Registers from the offer a response carried; on 200 keeps the instructions. */
  async register(offerHeader: string | null): Promise<Answer> {
    const offer = parseOffer(offerHeader)
    if (!offer?.challenge || !offer.algorithms.includes(this.key.alg))
      throw new Error('no usable registration offer')
    const jwt = this.key.proof(offer.challenge, true)
    const answer = await this.api.request('POST', offer.path, undefined, {
      'secure-session-response': sfQuote(jwt),
    })
    this.#take(answer)
    return answer
  }

  /** One refresh request, signing `challenge` when given (none: ask for one). */
  refreshOnce(challenge: string | null = this.challenge, key = this.key): Promise<Answer> {
    const extra: Record<string, string> = { 'sec-secure-session-id': sfQuote(this.sessionId!) }
    if (challenge !== null) extra['secure-session-response'] = sfQuote(key.proof(challenge, false))
    return this.api.request('POST', this.refreshUrl!, undefined, extra)
  }

  /** A refresh as the draft runs it: on 403 take the new challenge and retry once. */
  async refresh(): Promise<Answer> {
    let answer = await this.refreshOnce()
    this.#take(answer)
    if (answer.status === 403 && this.challenge !== null) {
      answer = await this.refreshOnce()
      this.#take(answer)
    }
    return answer
  }

  #take(answer: Answer): void {
    const c = parseChallenge(answer.headers.get('secure-session-challenge'))
    if (c) this.challenge = c.challenge
    if (answer.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return
    const body = answer.body as {
      session_identifier?: string
      refresh_url?: string
      continue?: boolean
      credentials?: Array<{ name: string }>
    }
    if (body.continue === false) {
      this.sessionId = null
      return
    }
    this.sessionId = body.session_identifier ?? null
    this.refreshUrl = body.refresh_url ?? this.refreshUrl
    this.cookieName = body.credentials?.[0]?.name ?? null
  }
}
