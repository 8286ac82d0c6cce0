import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

// A port for a server that must know it before it listens (an app whose ORIGIN names it, a
// child process given PORT). One the OS hands out for port 0 comes from the ephemeral range,
// and between our close and the server's listen any listen(0) elsewhere on the machine (the
// other test worker starts servers all the time) may be handed it again: about 1 in 14,000
// per such listen in that window. These come from 10000–19999 instead, below the ephemeral
// range, where only a choice like this one lands (redis-server.ts picks 20000–39999).
const FROM = 10_000
const TO = 20_000
// Ports fetch() (undici) and browsers refuse to connect to ("bad port" in the Fetch standard);
// of that list only 10080 lies in this range. A test drew it once: "fetch failed: bad port".
const FETCH_BLOCKED = new Set([10_080])

function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    )
    return Number.isInteger(low) && low > 0 ? low : 32_768
  } catch {
    return 32_768
  }
}

function listenOn(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(null))
    probe.listen(port, '127.0.0.1', () => {
      const { port: bound } = probe.address() as { port: number }
      probe.close(() => resolve(bound))
    })
  })
}

/**
 * A loopback port nobody listens on right now, outside the ephemeral range when it can be.
 *
 * @example
 * const port = await freePort()
 */
export async function freePort(): Promise<number> {
  const to = Math.min(TO, ephemeralLow())
  if (to - FROM >= 1000) {
    for (let i = 0; i < 200; i++) {
      const pick = FROM + Math.floor(Math.random() * (to - FROM))
      if (FETCH_BLOCKED.has(pick)) continue
      const port = await listenOn(pick)
      if (port !== null) return port
    }
  }
  const port = await listenOn(0)
  if (port === null) throw new Error('no free loopback port')
  return port
}
