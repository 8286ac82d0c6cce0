import { mkdirSync } from 'node:fs'
import type { Server } from 'node:net'
import { ConfigError, loadConfig } from './config.js'
import { checkTransport, startHttps } from './https.js'
import { buildApp, startServer } from './server.js'

try {
  const config = loadConfig()
  checkTransport(config)
  if (config.storeUrl.startsWith('sqlite:./data/')) mkdirSync('data', { recursive: true })
  const app = await buildApp(config)
  let servers: Server[]
  let msg: string
  if (config.https) {
    const https = await startHttps(app, config)
    servers = https.servers
    msg = `Tessera Bank listening on ${https.url}${https.redirectUrl ? ` (${https.redirectUrl} redirects)` : ''}`
  } else {
    servers = [await startServer(app, config)]
    const address = servers[0]!.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    msg = `Tessera Bank listening on http://${config.host}:${port}`
  }
  console.log(
    JSON.stringify({
      level: 'info',
      msg,
      store: config.storeUrl.replace(/\/\/[^@/]*@/, '//***@'),
    }),
  )
  const stop = async () => {
    for (const server of servers) server.close()
    await app.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`tessera-bank: ${error.message}`)
    process.exit(2)
  }
  console.error(
    `tessera-bank: cannot start: ${error instanceof Error ? error.message : String(error)}`,
  )
  process.exit(1)
}
