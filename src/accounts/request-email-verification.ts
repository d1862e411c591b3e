import type { MailBudgets } from './mail-budgets.ts';
import type { Mailer } from '../mail/send.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import { EmailNotVerifiedError, RateLimitedError } from '../errors.ts';
import { issueVerificationToken } from './email-tokens.ts';
import { verificationMail } from './recovery-mails.ts';
import type { UserRecord } from './users.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface MailDeps {
  readonly database: Database;
  readonly mail: Mailer;
  readonly mailBudgets: MailBudgets;
  readonly config: Config;
}

/**
 * Mails an account a link that proves its address (24 hours, single use; a new one retires the
 * last). Nothing is sent when the address is already verified. Rate limited per account.
 */
export async function requestEmailVerification(
  services: MailDeps,
  user: UserRecord,
): Promise<void> {
  await services.mailBudgets.takeVerification(user.id);
  if (user.emailVerified) return;
  // The record may come from a cache: the statement checks the address is still unverified.
  const issued = await issueVerificationToken(services.database, user.id);
  if (issued !== null) services.mail.queue(verificationMail(services.config.mail.linkBaseUrl, issued));
}

/**
 * For a sign-in refused because the address is unverified (REQUIRE_VERIFIED_EMAIL): mails a fresh
 * link, so that a user whose last link expired is never stuck, unless the account is out of budget,
 * and returns the error to answer with. Call it only after the password was checked.
 */
export async function refuseUnverified(
  services: MailDeps,
  user: UserRecord,
): Promise<EmailNotVerifiedError> {
  try {
    await requestEmailVerification(services, user);
  } catch (error) {
    if (!(error instanceof RateLimitedError)) throw error;
  }
  return new EmailNotVerifiedError();
}
