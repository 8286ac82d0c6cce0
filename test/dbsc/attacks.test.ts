// A thief on another machine holding a copied session cookie (and maybe an old bound cookie):
// every way to a fresh bound cookie the review of issue 18 tried, and what unbound browsers see.
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { importJwk, keyOf, parseProof, verifyProof } from '../../src/dbsc/jws.js'
import type { RequestInput } from '../../src/pipeline/types.js'
import { SessionKey } from './client.js'
import { world } from './inproc.js'

const GUARDED = '/transfer'
const q = (v: string) => `"${v}"`
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const offerIn = (headers: Array<[string, string]>) =>
  headers.find(([n]) => n === 'secure-session-registration')?.[1]

function input(method: string, path: string, headers: Record<string, string>): RequestInput {
  return { method, path, query: '', secure: true, ip: '198.51.100.9', header: (n) => headers[n] }
}

async function signIn(w: ReturnType<typeof world>, userId = 'u1') {
  const login = await w.send('POST', '/login', {}, async (ctx) => {
    await ctx.session.regenerate({ userId, authenticated: true })
    return undefined
  })
  return login.ctx.session.setCookie!.split(';')[0]!
}

describe('a copied cookie of an unbound session cannot obtain a registration offer', () => {
  it('sends no offer with a renewal the request did not sign in on: refused, or headers before commit', async () => {
    const w = world(
      { guard: { paths: [GUARDED], unbound: 'refuse' } },
      { renewal: { interval: '5m' } },
    )
    const sid = await signIn(w)
    // The first renewal is due: the session cookie goes out again on the thief's request.
    w.clock.advance(6 * 60_000)
    // A refusal (here the guard; in the app also CSRF) sends the headers without a commit.
    const refused = await w.pipeline.begin(input('POST', GUARDED, { cookie: sid }))
    expect(refused.rejection?.code).toBe('ERR_DBSC_REQUIRED')
    const refusedHeaders = w.pipeline.responseHeaders(refused.ctx)
    expect(refusedHeaders.some(([n]) => n === 'set-cookie')).toBe(true)
    expect(offerIn(refusedHeaders)).toBeUndefined()
    // A streamed response (Node writes the head before the commit) is the same case.
    const streamed = await w.pipeline.begin(input('GET', '/page', { cookie: sid }))
    expect(offerIn(w.pipeline.responseHeaders(streamed.ctx))).toBeUndefined()
    // A sign-in still offers, and re-authentication too (the browser's own responses).
    const again = await w.send('POST', '/reauth', { cookie: sid }, async (ctx) => {
      await ctx.session.regenerate({ authenticated: true })
      return undefined
    })
    expect(offerIn(w.pipeline.responseHeaders(again.ctx))).toMatch(/challenge="/)
  })

  it('sends no offer on ordinary responses, nor to sessions that are already bound', async () => {
    const w = world()
    const s = await w.bound()
    const page = await w.send('GET', '/page', { cookie: `${s.sid}; ${s.boundCookie}` })
    expect(page.rejection).toBeNull()
    expect(offerIn(w.pipeline.responseHeaders(page.ctx))).toBeUndefined()
    const reauth = await w.send('POST', '/reauth', { cookie: s.sid }, async (ctx) => {
      await ctx.session.regenerate({ authenticated: true })
      return undefined
    })
    // Renewed and still bound: the missing offer is not down to a refused request.
    expect(reauth.rejection).toBeNull()
    expect(w.dbsc.isBound(reauth.ctx.session.record)).toBe(true)
    expect(offerIn(w.pipeline.responseHeaders(reauth.ctx))).toBeUndefined()
  })
})

describe('a thief with the session cookie and a key of its own', () => {
  it('cannot refresh with its own key, whatever jwk or alg the proof names; the binding survives', async () => {
    const w = world()
    const s = await w.bound('u1', 'ES256')
    const thief = new SessionKey('ES256')
    const rsa = new SessionKey('RS256')
    // A proof carrying the thief's jwk (the draft forbids jwk on refresh: it is ignored).
    const withJwk = await w.send(
      'POST',
      '/dbsc/refresh',
      {
        cookie: s.sid,
        'sec-secure-session-id': q(s.id),
        'secure-session-response': q(thief.proof(s.challenge, true)),
      },
      (ctx) => w.dbsc.refresh(ctx),
    )
    expect(withJwk.reply?.status).toBe(401)
    // RS256 over an ES256 binding, and HS256 keyed with the public key's bytes.
    expect((await w.refresh(s, s.challenge, rsa)).reply?.status).toBe(401)
    const p = s.key.proof(s.challenge, false).split('.')[1]
    const hs = `${b64({ alg: 'HS256', typ: 'dbsc+jwt' })}.${p}.${'A'.repeat(43)}`
    const hsReply = await w.send(
      'POST',
      '/dbsc/refresh',
      { cookie: s.sid, 'sec-secure-session-id': q(s.id), 'secure-session-response': q(hs) },
      (ctx) => w.dbsc.refresh(ctx),
    )
    expect(hsReply.reply?.status).toBe(400)
    expect(
      w.events.filter((e) => e.type === 'session_anomaly' && e.reason === 'dbsc_bad_proof'),
    ).toHaveLength(2)
    // The victim's key still refreshes with the same challenge (failed proofs consume nothing).
    expect((await w.refresh(s, s.challenge)).reply?.status).toBe(200)
  })

  it('cannot register a second key on a bound session, nor replay the registration proof', async () => {
    const w = world()
    const s = await w.bound()
    const challenge = /challenge="([^"]+)"/.exec(s.offer)![1]!
    for (const key of [s.key, new SessionKey('ES256')]) {
      const again = await w.send(
        'POST',
        '/dbsc/register',
        { cookie: s.sid, 'secure-session-response': q(key.proof(challenge, true)) },
        (ctx) => w.dbsc.register(ctx),
      )
      expect(again.reply?.status).toBe(403)
    }
    // A registration proof is no refresh proof (its jti is no refresh challenge).
    expect((await w.refresh(s, challenge)).reply?.status).toBe(403)
    expect((await w.refresh(s, s.challenge)).reply?.status).toBe(200)
  })

  it('answers hostile headers with 4xx: huge or nested proofs, malformed session ids', async () => {
    const w = world()
    const s = await w.bound()
    const nested = `${Buffer.from('['.repeat(5000)).toString('base64url')}.${b64({ jti: s.challenge })}.AAAA`
    for (const response of ['A'.repeat(20_000), nested, `${'a.'.repeat(3000)}a`, '"\\u0000"']) {
      const r = await w.send(
        'POST',
        '/dbsc/refresh',
        { cookie: s.sid, 'sec-secure-session-id': q(s.id), 'secure-session-response': response },
        (ctx) => w.dbsc.refresh(ctx),
      )
      expect(r.reply?.status).toBe(400)
    }
    for (const sid of ['', '"', '"a', 'a b', '"\u00e9"', `"${'i'.repeat(9000)}"`, '();x']) {
      const r = await w.send(
        'POST',
        '/dbsc/refresh',
        { cookie: s.sid, 'sec-secure-session-id': sid },
        (ctx) => w.dbsc.refresh(ctx),
      )
      expect(r.reply?.status).toBe(400)
    }
  })
})

describe('keys a registration must not store', () => {
  it('refuses RSA keys whose exponent is 1 (anyone can forge their signatures) or even', () => {
    const n = (new SessionKey('RS256').jwk as { n: string }).n
    // With e = 1 the signature is the padded digest itself: a proof anyone can make.
    const input = `${b64({ alg: 'RS256', typ: 'dbsc+jwt' })}.${b64({ jti: 'c1' })}`
    const digestInfo = Buffer.concat([
      Buffer.from('3031300d060960864801650304020105000420', 'hex'),
      createHash('sha256').update(input).digest(),
    ])
    const padded = Buffer.concat([
      Buffer.from([0, 1]),
      Buffer.alloc(256 - 3 - digestInfo.length, 0xff),
      Buffer.from([0]),
      digestInfo,
    ])
    const forged = parseProof(`${input}.${padded.toString('base64url')}`)!
    for (const e of ['AQ', 'Ag', 'AQAA'])
      expect(importJwk({ kty: 'RSA', n, e }, 'RS256')).toBeNull()
    expect(verifyProof(forged, keyOf({ kty: 'RSA', n, e: 'AQ' })!)).toBe(true)
    const sound = importJwk({ kty: 'RSA', n, e: 'AQAB' }, 'RS256')!
    expect(verifyProof(forged, sound.key)).toBe(false)
  })
})

describe('a binding across re-authentication', () => {
  it('a refresh that crosses a re-authentication refreshes the binding it carried over, not continue:false', async () => {
    const w = world({ guard: { paths: [GUARDED] } })
    const s = await w.bound()
    // The browser's refresh is read (its session loaded) …
    const proof = q(s.key.proof(s.challenge, false))
    const inFlight = await w.pipeline.begin(
      input('POST', '/dbsc/refresh', {
        cookie: s.sid,
        'sec-secure-session-id': q(s.id),
        'secure-session-response': proof,
      }),
    )
    // … while another tab re-authenticates: a new session id, the binding carried over.
    const reauth = await w.send('POST', '/reauth', { cookie: s.sid }, async (ctx) => {
      await ctx.session.regenerate({ authenticated: true })
      return undefined
    })
    const sid = reauth.ctx.session.setCookie!.split(';')[0]!
    expect(w.dbsc.isBound(reauth.ctx.session.record)).toBe(true)
    // "continue": false would end the browser's DBSC session while the server keeps the
    // binding: no more bound cookies, no new offer (the session is bound), the user locked out.
    const reply = await w.dbsc.refresh(inFlight.ctx!)
    expect(reply.body).not.toBe('{"continue":false}')
    expect(reply.status).toBe(200)
    const bound = reply.headers.find(([n]) => n === 'set-cookie')![1].split(';')[0]!
    expect((await w.send('POST', GUARDED, { cookie: `${sid}; ${bound}` })).rejection).toBeNull()
    // The challenge it used is consumed on the record that holds the binding now.
    expect((await w.refresh({ ...s, sid }, s.challenge)).reply?.status).toBe(403)
  })

  it('a refresh that crosses a logout, a password change or a switch of user still ends', async () => {
    for (const end of ['logout', 'password', 'switch'] as const) {
      const w = world()
      const s = await w.bound()
      const inFlight = await w.pipeline.begin(
        input('POST', '/dbsc/refresh', {
          cookie: s.sid,
          'sec-secure-session-id': q(s.id),
          'secure-session-response': q(s.key.proof(s.challenge, false)),
        }),
      )
      await w.send('POST', '/x', { cookie: s.sid }, async (ctx) => {
        if (end === 'logout') await ctx.session.destroy()
        else if (end === 'password') {
          w.dbsc.end(ctx.session)
          await ctx.session.regenerate({ authenticated: true })
        } else await ctx.session.regenerate({ userId: 'u2', authenticated: true })
        return undefined
      })
      expect((await w.dbsc.refresh(inFlight.ctx!)).body).toBe('{"continue":false}')
    }
  })
})

describe('ending a binding', () => {
  it('a logout racing a refresh leaves nothing to refresh, and the bound cookie opens nothing', async () => {
    const w = world({ guard: { paths: [GUARDED] } })
    const s = await w.bound()
    await Promise.all([
      w.refresh(s, s.challenge),
      w.send('POST', '/logout', { cookie: s.sid }, async (ctx) => {
        await ctx.session.destroy()
        return undefined
      }),
    ])
    expect((await w.refresh(s, null)).reply?.body).toBe('{"continue":false}')
    const after = await w.send('GET', GUARDED, { cookie: `${s.sid}; ${s.boundCookie}` })
    expect(after.ctx.session.userId).toBeNull()
    expect(w.dbsc.state(after.ctx)).toBe('none')
  })

  it("a remembered bound cookie does not outlive its binding: another session's or a re-registered one", async () => {
    const w = world({ guard: { paths: [GUARDED] } })
    const a = await w.bound('u1')
    // Remembered: verified once.
    expect(
      (await w.send('GET', GUARDED, { cookie: `${a.sid}; ${a.boundCookie}` })).rejection,
    ).toBeNull()
    // The password change ends the binding, the browser registers a new key.
    const changed = await w.send('POST', '/password', { cookie: a.sid }, async (ctx) => {
      w.dbsc.end(ctx.session)
      await ctx.session.regenerate({ authenticated: true })
      return undefined
    })
    const sid = changed.ctx.session.setCookie!.split(';')[0]!
    const offer = offerIn(w.pipeline.responseHeaders(changed.ctx))!
    const key = new SessionKey('ES256')
    const reg = await w.send(
      'POST',
      '/dbsc/register',
      {
        cookie: sid,
        'secure-session-response': q(key.proof(/challenge="([^"]+)"/.exec(offer)![1]!, true)),
      },
      (ctx) => w.dbsc.register(ctx),
    )
    expect(reg.reply?.status).toBe(200)
    const old = await w.send('POST', GUARDED, { cookie: `${sid}; ${a.boundCookie}` })
    expect(old.rejection?.status).toBe(307)
  })
})

describe('browsers without DBSC', () => {
  it('never see a refusal, an anomaly or a dbsc event, whatever cookies they carry', async () => {
    const w = world({ guard: { paths: [GUARDED] } }, { renewal: { interval: '5m' } })
    let sid = await signIn(w)
    for (const extra of ['', '; __Host-dbsc=junk', '; __Host-dbsc=1.x; __Host-dbsc=2.y']) {
      w.clock.advance(3 * 60_000)
      for (const path of [GUARDED, '/page', '/dbsc/x']) {
        const r = await w.send('POST', path, { cookie: sid + extra })
        expect(r.rejection).toBeNull()
        sid = r.ctx.session.setCookie?.split(';')[0] || sid
      }
    }
    expect(
      w.events.filter((e) => e.type === 'session_anomaly' || e.type.startsWith('dbsc_')),
    ).toEqual([])
  })
})
