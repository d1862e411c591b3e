/**
 * Runs at most `limit` tasks at a time; the others wait in order of arrival. For CPU-heavy work on
 * libuv's thread pool (argon2id), so that it never takes every core from the event loop.
 */
export class Gate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('a gate lets at least one task through');
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#running += 1;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next task: #running stays the same.
      if (next === undefined) this.#running -= 1;
      else next();
    }
  }

  /** Tasks waiting for a slot. */
  get queued(): number {
    return this.#waiting.length;
  }
}
