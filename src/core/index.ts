// The core's public door (re-exported by the package root). Helpers the other layers share
// (token hashing, the cookie codec, error factories, the event bus) are imported by path
// inside src/ and are not part of the package's surface.
export { type Clock, manualClock, systemClock } from './clock.js'
export { type CookieOptions, DEFAULT_COOKIE, type SameSite } from './cookie.js'
export { type Duration, parseDuration } from './duration.js'
export { TesseraError, type TesseraErrorCode } from './errors.js'
export type { AdminRevokeOptions, AdminRevokeUserOptions, SessionAdmin } from './admin.js'
export {
  isSessionHandle,
  parseSessionHandle,
  type SessionHandle,
  type SessionRef,
} from './handle.js'
export type { EventLevel, EventListener, SessionEvent, SessionEventType } from './events.js'
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
export {
  type RegenerateOptions,
  type RequestInfo,
  Session,
  type SessionView,
} from './session.js'
export type {
  CreateOptions,
  CreateResult,
  LimitPolicy,
  SessionPatch,
  SessionStore,
  StoreNotice,
} from './store.js'
