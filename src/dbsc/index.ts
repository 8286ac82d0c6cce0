/**
 * Device Bound Session Credentials (W3C WebAppSec DBSC): binds a Tessera session to a key the
 * browser keeps in hardware, so a copied session cookie stops working on another machine.
 *
 * @example
 * import { createDbsc } from 'tessera-session/dbsc'
 * const dbsc = createDbsc({ sessions, secret: process.env.DBSC_SECRET! })
 */
export { type BoundState, type BoundSummary, createDbsc, Dbsc } from './dbsc.js'
export type { DbscAlgorithm, PublicJwk } from './jws.js'
export type { DbscOptions, UnboundPolicy } from './options.js'
export type { DbscReply } from './protocol.js'
