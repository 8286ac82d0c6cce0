const KEY = Symbol('SafeHtml')

/**
 * Markup that is safe to send: built by the `html` template (every value escaped) or, for
 * trusted constants only, by `unsafeRaw`. It cannot be made from a plain string by accident
 * (the constructor is private to this module) or forged by JSON input.
 *
 * @example
 * const page: SafeHtml = html`<p>${name}</p>`
 * res.end(String(page))
 */
export class SafeHtml {
  readonly #html: string

  /** @internal Use `html\`…\`` or `unsafeRaw()`. */
  constructor(markup: string, key: symbol) {
    if (key !== KEY) throw new TypeError('SafeHtml: build it with html`…` (or unsafeRaw)')
    this.#html = markup
  }

  /** The markup. */
  toString(): string {
    return this.#html
  }

  /** True for a genuine SafeHtml (not a look-alike object). */
  static is(value: unknown): value is SafeHtml {
    return typeof value === 'object' && value !== null && #html in value
  }
}

/** @internal Wraps markup produced by this module. */
export function trusted(markup: string): SafeHtml {
  return new SafeHtml(markup, KEY)
}

/**
 * UNSAFE: marks `markup` as trusted HTML without escaping anything. Only for constant markup
 * written by the developer; never pass data from a request, a store or a user to it. In
 * attribute values it is escaped anyway (markup has no meaning there).
 *
 * @example
 * html`<p>${unsafeRaw('&nbsp;')}</p>`
 */
export function unsafeRaw(markup: string): SafeHtml {
  return new SafeHtml(String(markup), KEY)
}
