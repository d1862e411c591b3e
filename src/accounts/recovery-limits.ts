import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitedError } from '../graphql/errors.ts';
import { addressGroup } from './throttle.ts';

/** Password-reset mails one address may be sent per RECOVERY_WINDOW_SECONDS. */
export const RESETS_PER_EMAIL = 5;
/** Password resets one client address may ask for per RECOVERY_WINDOW_SECONDS, whatever the addresses. */
export const RESETS_PER_IP = 20;
/** Verification mails one account may ask for per RECOVERY_WINDOW_SECONDS. */
export const VERIFICATIONS_PER_USER = 5;
export const RECOVERY_WINDOW_SECONDS = 60 * 60;

/**
 * Budgets for the requests that send mail, so that nobody can use Latchkey to flood an inbox. The
 * per-email budget counts addresses with and without an account alike: its answer says nothing.
 */
export class RecoveryLimits {
  readonly #resetsPerEmail = new RateLimiterMemory({ points: RESETS_PER_EMAIL, duration: RECOVERY_WINDOW_SECONDS });
  readonly #resetsPerIp = new RateLimiterMemory({ points: RESETS_PER_IP, duration: RECOVERY_WINDOW_SECONDS });
  readonly #verificationsPerUser = new RateLimiterMemory({ points: VERIFICATIONS_PER_USER, duration: RECOVERY_WINDOW_SECONDS });

  /** Counts a password-reset request; throws RateLimitedError when the client or the address is out of budget. */
  async takeReset(email: string, ip: string): Promise<void> {
    await take(this.#resetsPerIp, addressGroup(ip));
    await take(this.#resetsPerEmail, email.toLowerCase());
  }

  /** Counts a verification mail for an account; throws RateLimitedError when it is out of budget. */
  async takeVerification(userId: string): Promise<void> {
    await take(this.#verificationsPerUser, userId);
  }
}

async function take(limiter: RateLimiterMemory, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) throw new RateLimitedError(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    throw rejection;
  }
}
