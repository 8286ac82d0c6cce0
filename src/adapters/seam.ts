// The preamble every adapter shares: what it accepts (a SessionManager with plugins, or a ready
// Pipeline), the options common to all four, and the fallback refusal. Kept in one place so the
// adapters differ only in how they translate their framework's request and response.
import { configAssert } from '../core/errors.js'
import { SessionManager } from '../core/manager.js'
import { parseTrustProxy, type TrustProxy } from '../pipeline/client.js'
import { createPipeline, Pipeline, toRejection } from '../pipeline/pipeline.js'
import type { Plugin, Rejection } from '../pipeline/types.js'
import { assertKnownKeys } from '../internal/strict.js'

/** Options every adapter takes. */
export interface AdapterOptions {
  /** Plugins (CSRF, headers, monitoring) when a bare `SessionManager` is passed. */
  plugins?: Plugin[]
  /**
   * Proxy addresses whose `X-Forwarded-*` headers are believed. Tessera reads its own list
   * rather than the framework's proxy setting, so every adapter trusts alike.
   */
  trustProxy?: string | readonly string[]
}

/** The option keys of {@link AdapterOptions}, for adapters that check their options' keys. */
export const ADAPTER_OPTION_KEYS = ['plugins', 'trustProxy'] as const

/** What an adapter runs on: one pipeline and its parsed proxy list, built once at start-up. */
export interface AdapterSeam {
  readonly pipeline: Pipeline
  readonly trust: TrustProxy
}

/**
 * Builds an adapter's pipeline (from a manager and `options.plugins`, or the pipeline given)
 * and parses `options.trustProxy` once, so a bad proxy list fails at start-up. An unknown
 * option key throws `ERR_CONFIG` naming `where` (a singular `plugin` would otherwise turn CSRF
 * off silently); `extraKeys` are the adapter's own options.
 *
 * @example
 * const { pipeline, trust } = adapterSeam(sessions, options, 'expressSessions')
 */
export function adapterSeam(
  sessions: SessionManager | Pipeline,
  options: AdapterOptions,
  where: string,
  extraKeys: readonly string[] = [],
): AdapterSeam {
  // express-session's habit: `expressSessions({ store, … })`, options where the manager goes.
  configAssert(
    sessions instanceof SessionManager || sessions instanceof Pipeline,
    `${where} needs the session manager made by createSessions({ store }), not ${sessions === null || typeof sessions !== 'object' ? String(sessions) : 'an options object'}`,
  )
  assertKnownKeys(options, [...ADAPTER_OPTION_KEYS, ...extraKeys], where)
  configAssert(
    sessions instanceof SessionManager || options.plugins === undefined,
    `${where}: plugins are ignored when a ready pipeline is passed; pass the session manager and the plugins here instead`,
  )
  const pipeline =
    sessions instanceof SessionManager ? createPipeline(sessions, options.plugins) : sessions
  return { pipeline, trust: parseTrustProxy(options.trustProxy) }
}

/**
 * The refusal to answer when the pipeline gave no context: its own rejection, or the generic
 * one for a request it could not start.
 *
 * @example
 * if (rejection || !ctx) return sendRejection(res, pipeline, ctx, refusal(rejection))
 */
export function refusal(rejection: Rejection | null): Rejection {
  return rejection ?? toRejection(null)
}
