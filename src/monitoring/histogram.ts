import type { Histogram, Registry } from 'prom-client'
import { lazyOptional } from '../internal/optional.js'

const promClient = lazyOptional<typeof import('prom-client')>('prom-client', 'sessionMetrics')

/** One label value's buckets; `observe` is a short scan and three additions, no allocation. */
export class Series {
  readonly bounds: readonly number[]
  readonly counts: Float64Array
  sum = 0
  count = 0

  constructor(bounds: readonly number[]) {
    this.bounds = bounds
    this.counts = new Float64Array(bounds.length)
  }

  /** Records one value (seconds). */
  observe(value: number): void {
    const b = this.bounds
    for (let i = 0; i < b.length; i++) {
      if (value <= b[i]!) {
        this.counts[i]!++
        break
      }
    }
    this.sum += value
    this.count++
  }
}

type Exported = Awaited<ReturnType<Histogram['get']>>
type Value = Exported['values'][number]

// Same shape as prom-client's own buckets (`exemplar: null` included), so JSON exports match.
function bucket(name: string, value: number, labels: Value['labels']): Value {
  return { value, metricName: `${name}_bucket`, exemplar: null, labels } as Value
}

/** A prom-client histogram with a fast per-label recorder; see {@link FastHistogram}. */
export interface FastHistogram extends Histogram<string> {
  /** The recorder for one label value (create it once, keep it). */
  series(value: string): Series
}

/** The constructor of {@link FastHistogram}. */
export type FastHistogramClass = new (
  name: string,
  help: string,
  label: string,
  buckets: readonly number[],
  registers: Registry[],
) => FastHistogram

// The class extends prom-client's Histogram, so it is defined when first constructed: importing
// this module must not need prom-client (an optional peer dependency).
function defineFastHistogram(): FastHistogramClass {
  return class extends promClient().Histogram<string> {
    readonly #name: string
    readonly #help: string
    readonly #label: string
    readonly #bounds: readonly number[]
    readonly #series = new Map<string, Series>()

    constructor(
      name: string,
      help: string,
      label: string,
      buckets: readonly number[],
      registers: Registry[],
    ) {
      super({ name, help, labelNames: [label], buckets: [...buckets], registers })
      this.#name = name
      this.#help = help
      this.#label = label
      this.#bounds = [...buckets].sort((a, b) => a - b)
    }

    /** The recorder for one label value (create it once, keep it). */
    series(value: string): Series {
      let s = this.#series.get(value)
      if (!s) {
        s = new Series(this.#bounds)
        this.#series.set(value, s)
      }
      return s
    }

    override async get(): Promise<Exported> {
      return this.getForPromString()
    }

    /** prom-client's text exporter calls this (not declared in its types). */
    async getForPromString(): Promise<Exported> {
      const values: Exported['values'] = []
      const name = this.#name
      for (const [value, s] of this.#series) {
        const labels = { [this.#label]: value }
        let acc = 0
        for (let i = 0; i < s.bounds.length; i++) {
          acc += s.counts[i]!
          values.push(bucket(name, acc, { le: s.bounds[i]!, ...labels }))
        }
        values.push(bucket(name, s.count, { le: '+Inf', ...labels }))
        values.push({ value: s.sum, metricName: `${name}_sum`, labels })
        values.push({ value: s.count, metricName: `${name}_count`, labels })
      }
      const out = { name, help: this.#help, type: 'histogram', values, aggregator: 'sum' }
      return out as unknown as Exported
    }

    override reset(): void {
      // prom-client's constructor calls reset() before this class's fields exist.
      if (!(#series in this)) return
      for (const s of this.#series.values()) {
        s.counts.fill(0)
        s.sum = 0
        s.count = 0
      }
    }
  }
}

let fastHistogramClass: FastHistogramClass | undefined

/**
 * A prom-client histogram with one label whose hot path skips prom-client's per-call label
 * hashing (~200 ns → ~15 ns per observation, measured): each label value gets a {@link Series}
 * up front, and buckets are summed only when Prometheus scrapes.
 *
 * @example
 * const h = new FastHistogram('tessera_store_duration_seconds', 'latency', 'operation', [0.001, 0.01], [registry])
 * h.series('get').observe(0.0004)
 */
export const FastHistogram = function FastHistogram(
  name: string,
  help: string,
  label: string,
  buckets: readonly number[],
  registers: Registry[],
): FastHistogram {
  fastHistogramClass ??= defineFastHistogram()
  return new fastHistogramClass(name, help, label, buckets, registers)
} as unknown as FastHistogramClass
