import type { Check } from '../check.js'
import { cap } from './cap.js'
import { concurrency } from './concurrency.js'
import { cookieAttributes } from './cookie-attributes.js'
import { cookieTossing } from './cookie-tossing.js'
import { csrf } from './csrf.js'
import { fixation } from './fixation.js'
import { headers } from './headers.js'
import { idChannels } from './id-channels.js'
import { idQuality } from './id-quality.js'
import { logout } from './logout.js'
import { refresh } from './refresh.js'
import { revocation } from './revocation.js'
import { rotation } from './rotation.js'
import { timeouts } from './timeouts.js'

/** Every check, in the order they run (the cap check last: it evicts the second account's sessions). */
export const CHECKS: readonly Check[] = [
  idQuality,
  cookieAttributes,
  fixation,
  logout,
  timeouts,
  rotation,
  concurrency,
  revocation,
  refresh,
  csrf,
  cookieTossing,
  idChannels,
  headers,
  cap,
]
