import { isIPv6 } from 'node:net';
import type { Budget, BudgetStore } from '../budgets.ts';

/** After this many consecutive failures an account waits before its next attempt (NIST 800-63B §5.2.2). */
export const ACCOUNT_FREE_FAILURES = 10;
/** The first wait; it doubles with each further failure, up to ACCOUNT_MAX_DELAY_SECONDS. */
export const ACCOUNT_BASE_DELAY_SECONDS = 30;
export const ACCOUNT_MAX_DELAY_SECONDS = 15 * 60;
/** Credential checks one client address may fail within IP_WINDOW_SECONDS. */
const IP_FAILURES_ALLOWED = 100;
const IP_WINDOW_SECONDS = 15 * 60;

/** How long an account with `failures` consecutive failures waits after the last one, in seconds. */
export function accountDelaySeconds(failures: number): number {
  if (failures < ACCOUNT_FREE_FAILURES) return 0;
  return Math.min(ACCOUNT_BASE_DELAY_SECONDS * 2 ** (failures - ACCOUNT_FREE_FAILURES), ACCOUNT_MAX_DELAY_SECONDS);
}

/** IPv6 clients usually hold a whole /64: count them as one. */
export function addressGroup(ip: string): string {
  if (!isIPv6(ip)) return ip;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const [head = '', tail = ''] = ip.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/**
 * Per client address: each credential check is counted before the secret is checked, and given back
 * when it succeeds, so only failures use up the budget, and concurrent guesses cannot outrun it.
 */
export class SignInBudget {
  readonly #failures: Budget;

  constructor(budgets: BudgetStore) {
    this.#failures = budgets('login-failures-per-address', IP_FAILURES_ALLOWED, IP_WINDOW_SECONDS);
  }

  /** Counts one attempt; throws RateLimitedError when the address has no budget left. */
  take(ip: string): Promise<void> {
    return this.#failures.take(addressGroup(ip));
  }

  giveBack(ip: string): Promise<void> {
    return this.#failures.giveBack(addressGroup(ip));
  }
}
