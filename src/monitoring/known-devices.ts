import type { SessionEvent } from '../core/events.js'
import type { AuditLog } from './audit/log.js'
import type { DeviceInfo } from '../core/record.js'
import { deviceKey } from './device.js'
import { Lru } from './lru.js'
import { assertKnownKeys } from '../internal/strict.js'

// A cookie login and a token login (`POST /api/token`) are both sign-ins from a device.
function isLogin(reason: string | undefined): boolean {
  return reason === 'login' || reason === 'token'
}

/** Options of the new-device rule. */
export interface NewDeviceOptions {
  /** Users remembered. Default 10 000. */
  maxUsers?: number | undefined
  /** Devices remembered per user. Default 20. */
  maxDevicesPerUser?: number | undefined
  /**
   * Where to learn a user's devices after a restart. With an audit log, the first login of a
   * user this process has not seen is compared with their past `session_created` events; without
   * one, that first login only becomes the baseline (no event).
   */
  audit?: AuditLog | undefined
}

/**
 * Remembers each user's devices (browser|OS|type) in a bounded LRU and reports logins from a
 * device not seen before. Runs on login events, never on ordinary requests.
 *
 * @example
 * const known = new KnownDevices(parser, {}, (e) => sessions.emit(e))
 * sessions.on((e) => known.onEvent(e))
 */
export class KnownDevices {
  readonly #users: Lru<string, Set<string>>
  readonly #perUser: number
  readonly #parse: (userAgent: string) => DeviceInfo
  readonly #audit: AuditLog | undefined
  readonly #report: (login: SessionEvent) => void

  constructor(
    parse: (userAgent: string) => DeviceInfo,
    options: NewDeviceOptions,
    report: (login: SessionEvent) => void,
  ) {
    assertKnownKeys(options, ['maxUsers', 'maxDevicesPerUser', 'audit'], 'anomalyRules() newDevice')
    this.#parse = parse
    this.#users = new Lru(options.maxUsers ?? 10_000)
    this.#perUser = options.maxDevicesPerUser ?? 20
    this.#audit = options.audit
    this.#report = report
  }

  /** Feed every event; only logins (`session_created`, reason `login` or `token`) are looked at. */
  onEvent(e: SessionEvent): void {
    if (e.type !== 'session_created' || !isLogin(e.reason) || !e.userId) return
    const key = deviceKey(this.#parse(e.userAgent ?? ''))
    const devices = this.#users.get(e.userId)
    if (devices) {
      if (!devices.has(key)) this.#report(e)
      this.#remember(devices, key)
      return
    }
    const fresh = new Set<string>([key])
    this.#users.set(e.userId, fresh)
    if (this.#audit) void this.#learn(e, key, fresh)
  }

  async #learn(e: SessionEvent, key: string, devices: Set<string>): Promise<void> {
    try {
      const past = await this.#audit!.query({
        userId: e.userId!,
        type: 'session_created',
        limit: 200,
      })
      const seen = new Set<string>()
      let any = false
      for (const r of past) {
        if (!isLogin(r.reason) || r.handle === e.handle) continue
        any = true
        seen.add(deviceKey(this.#parse(r.userAgent ?? '')))
      }
      for (const k of seen) this.#remember(devices, k)
      // A user with no login history at all is on their first device, not a new one.
      if (any && !seen.has(key)) this.#report(e)
    } catch {
      // The audit log being down only costs this one notification.
    }
  }

  #remember(devices: Set<string>, key: string): void {
    devices.delete(key)
    devices.add(key)
    if (devices.size > this.#perUser) devices.delete(devices.values().next().value!)
  }
}
