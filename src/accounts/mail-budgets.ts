import type { Budget, BudgetStore } from '../budgets.ts';
import { addressGroup } from './sign-in-budget.ts';

/** Password-reset mails one address may be sent per RECOVERY_WINDOW_SECONDS. */
const RESETS_PER_EMAIL = 5;
/** Password resets one client address may ask for per RECOVERY_WINDOW_SECONDS, whatever the addresses. */
const RESETS_PER_IP = 20;
/** Verification mails one account may ask for per RECOVERY_WINDOW_SECONDS. */
const VERIFICATIONS_PER_USER = 5;
/**
 * Email changes one account may ask for per RECOVERY_WINDOW_SECONDS: each mails a new address, and
 * each answer says whether an address is taken, so this also bounds the addresses it can probe.
 */
const EMAIL_CHANGES_PER_USER = 5;
const RECOVERY_WINDOW_SECONDS = 60 * 60;

/**
 * Budgets for the requests that send mail, so that nobody can use Latchkey to flood an inbox. The
 * per-email budget counts addresses with and without an account alike: its answer says nothing.
 */
export class MailBudgets {
  readonly #resetsPerEmail: Budget;
  readonly #resetsPerIp: Budget;
  readonly #verificationsPerUser: Budget;
  readonly #emailChangesPerUser: Budget;

  constructor(budgets: BudgetStore) {
    this.#resetsPerEmail = budgets('resets-per-email', RESETS_PER_EMAIL, RECOVERY_WINDOW_SECONDS);
    this.#resetsPerIp = budgets('resets-per-address', RESETS_PER_IP, RECOVERY_WINDOW_SECONDS);
    this.#verificationsPerUser = budgets('verifications-per-user', VERIFICATIONS_PER_USER, RECOVERY_WINDOW_SECONDS);
    this.#emailChangesPerUser = budgets('email-changes-per-user', EMAIL_CHANGES_PER_USER, RECOVERY_WINDOW_SECONDS);
  }

  /** Counts a password-reset request; throws RateLimitedError when the client or the address is out of budget. */
  async takeReset(email: string, ip: string): Promise<void> {
    await this.#resetsPerIp.take(addressGroup(ip));
    await this.#resetsPerEmail.take(email.toLowerCase());
  }

  /** Counts a verification mail for an account; throws RateLimitedError when it is out of budget. */
  takeVerification(userId: string): Promise<void> {
    return this.#verificationsPerUser.take(userId);
  }

  /** Counts an email-change request of an account; throws RateLimitedError when it is out of budget. */
  takeEmailChange(userId: string): Promise<void> {
    return this.#emailChangesPerUser.take(userId);
  }
}
