import type { Propagation } from '../near-cache.js'
import type { ExtraResult } from './extras.js'

/** The bound on revocation propagation: refused on every process within this, p99. */
export const PROPAGATION_P99_MS = 50

const round1 = (x: number) => Math.round(x * 10) / 10

/**
 * The report's row for one store's revocation propagation: its quantiles and counts, and the
 * p99 with its bootstrap interval judged against {@link PROPAGATION_P99_MS} (met only when the
 * interval's upper bound is within it, missed when its lower bound is beyond it).
 *
 * @example
 * rows.push(propagationRow('Redis', 'redis', await measurePropagation('redis', 1000)))
 */
export function propagationRow(storeLabel: string, kind: string, p: Propagation): ExtraResult {
  return {
    id: `near-cache-propagation-${kind}`,
    label: `revocation refused on 3 processes reading 2000/s each, ${storeLabel} (${p.count} revocations)`,
    values: [
      { name: 'p50', value: round1(p.p50), unit: 'ms' },
      { name: 'p99', value: round1(p.p99), unit: 'ms' },
      { name: 'max', value: round1(p.max), unit: 'ms' },
      { name: 'stale reads after invalidation', value: p.stale, unit: '' },
      { name: 'revoking call p99', value: round1(p.callP99), unit: 'ms' },
      { name: 'after the call returned, p99', value: round1(p.afterCallP99), unit: 'ms' },
      { name: 'hits', value: Math.round((p.hits / p.reads) * 1000) / 10, unit: '%' },
      { name: 'channel losses', value: p.downs, unit: '' },
      { name: 'invalidations never seen', value: p.lost, unit: '' },
    ],
    ratio: {
      name: 'p99',
      unit: 'ms',
      how: `bootstrap 95 % interval over the ${p.count} revocations`,
      ...p.p99Interval,
    },
    target: { op: '≤', value: PROPAGATION_P99_MS },
  }
}
