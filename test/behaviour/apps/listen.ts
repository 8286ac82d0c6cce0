import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RunningApp } from '../contract.js'

/** Listens on a free loopback port and describes the running server. */
export async function listenLoopback(server: Server): Promise<RunningApp> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) }
}

/** Closes a server, dropping idle keep-alive connections so the test does not wait. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}
