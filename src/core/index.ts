export { type Clock, manualClock, systemClock } from './clock.js'
export {
  type CookieLookup,
  type CookieOptions,
  DEFAULT_COOKIE,
  MAX_COOKIE_BYTES,
  readCookie,
  type SameSite,
  serializeCookie,
} from './cookie.js'
export { type Duration, parseDuration } from './duration.js'
export { configAssert, storeUnavailable, TesseraError, type TesseraErrorCode } from './errors.js'
export {
  EventBus,
  type EventLevel,
  type EventListener,
  type SessionEvent,
  type SessionEventType,
} from './events.js'
export {
  createSessions,
  type RevocationActor,
  SessionManager,
  type SessionSummary,
} from './manager.js'
export { HIGH_ASSURANCE, SESSION_DEFAULTS, type SessionOptions } from './options.js'
export {
  type DeviceInfo,
  expiresAt,
  type SessionData,
  type SessionMeta,
  type SessionRecord,
} from './record.js'
export { type RegenerateOptions, type RequestInfo, Session } from './session.js'
export type {
  CreateOptions,
  CreateResult,
  LimitPolicy,
  SessionPatch,
  SessionStore,
} from './store.js'
export {
  generateHandle,
  generateToken,
  hashToken,
  isWellFormedToken,
  timingSafeEqualString,
} from './token.js'
export { setOwn } from '../internal/own.js'
