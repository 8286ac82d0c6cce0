import { mkdirSync } from 'node:fs'
import { ConfigError, loadConfig } from './config.js'
import { buildApp, startServer } from './server.js'

try {
  const config = loadConfig()
  if (config.storeUrl.startsWith('sqlite:./data/')) mkdirSync('data', { recursive: true })
  const app = await buildApp(config)
  const server = await startServer(app, config)
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  console.log(
    JSON.stringify({
      level: 'info',
      msg: `Tessera Bank listening on http://${config.host}:${port}`,
      store: config.storeUrl.replace(/\/\/[^@/]*@/, '//***@'),
    }),
  )
  const stop = async () => {
    server.close()
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
