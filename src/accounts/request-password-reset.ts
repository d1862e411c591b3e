import type { MailBudgets } from './mail-budgets.ts';
import type { Mailer } from '../mail/send.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import { ValidationError } from '../errors.ts';
import { normalizeEmail } from './email.ts';
import { issueEmailTokenByEmail } from './email-tokens.ts';
import { passwordResetMail } from './recovery-mails.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface MailDeps {
  readonly database: Database;
  readonly mail: Mailer;
  readonly mailBudgets: MailBudgets;
  readonly config: Config;
}

/**
 * Mails a password-reset link when an account has the address, and nothing when none has. Either
 * way the caller learns nothing: the same answer, one statement against the database, and the mail
 * goes out after the response. Rate limited per client address and per email address (whether or
 * not it has an account). Returns the account's id for the audit log, null when there is none.
 */
export async function requestPasswordReset(
  services: MailDeps,
  input: { readonly email: string; readonly ip: string },
): Promise<string | null> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new ValidationError('That is not an email address.', 'email');
  await services.mailBudgets.takeReset(email, input.ip);
  const issued = await issueEmailTokenByEmail(services.database, 'reset_password', email);
  if (issued === null) return null;
  services.mail.queue(passwordResetMail(services.config.mail.linkBaseUrl, issued));
  return issued.userId;
}

/**
 * The requestPasswordReset use case, for the mutation and the sign-in page's "Forgot your password?"
 * alike: requestPasswordReset, then password.reset_requested in the audit log (saying when no account
 * has the address; the caller never learns it).
 */
export async function sendPasswordResetLink(
  services: MailDeps, email: string, meta: RequestMeta,
): Promise<void> {
  const userId = await requestPasswordReset(services, { email, ip: meta.ip });
  await recordAuditEvent(services.database, {
    type: 'password.reset_requested', userId, ip: meta.ip, userAgent: meta.userAgent,
    detail: userId === null ? 'no account has this address' : null,
  });
}
