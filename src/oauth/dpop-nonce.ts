import { constantTimeEqual, hmac } from '../lib/secrets.ts';

/**
 * How long a server-provided DPoP nonce (RFC 9449 §8, §9) is good for: the period it was made in and the
 * next one, so 5 to 10 minutes. Short, so that a proof made in advance with it soon stops working (§11.1).
 */
export const DPOP_NONCE_PERIOD_SECONDS = 300;

/**
 * Stateless DPoP nonces: HMAC of the time period under a server secret shared through the database, so
 * that every instance makes and accepts the same nonces with nothing stored and nothing to coordinate.
 */
export class DpopNonces {
  constructor(private readonly secret: Buffer) {}

  /** The nonce to hand out now (in a `DPoP-Nonce` header). */
  current(now = Date.now()): string {
    return this.#of(this.#period(now));
  }

  /** Whether `nonce` was made in this period or the one before. */
  accepts(nonce: string, now = Date.now()): boolean {
    const period = this.#period(now);
    // Both compared, in constant time, whatever the first answer.
    const current = constantTimeEqual(nonce, this.#of(period));
    const previous = constantTimeEqual(nonce, this.#of(period - 1));
    return current || previous;
  }

  #period(now: number): number {
    return Math.floor(now / 1000 / DPOP_NONCE_PERIOD_SECONDS);
  }

  #of(period: number): string {
    return hmac(this.secret, `dpop-nonce ${period}`);
  }
}
