import { ValidationError } from '../graphql/errors.ts';
import type { Services } from '../services.ts';
import { normalizeEmail } from './email.ts';
import { issueEmailTokenByEmail } from './email-tokens.ts';
import { passwordResetMail } from './recovery-mails.ts';

/**
 * Mails a password-reset link when an account has the address, and nothing when none has. Either
 * way the caller learns nothing: the same answer, one statement against the database, and the mail
 * goes out after the response. Rate limited per client address and per email address (whether or
 * not it has an account). Returns the account's id for the audit log, null when there is none.
 */
export async function requestPasswordReset(
  services: Pick<Services, 'database' | 'mail' | 'recoveryLimits' | 'config'>,
  input: { readonly email: string; readonly ip: string },
): Promise<string | null> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new ValidationError('That is not an email address.', 'email');
  await services.recoveryLimits.takeReset(email, input.ip);
  const issued = await issueEmailTokenByEmail(services.database, 'reset_password', email);
  if (issued === null) return null;
  services.mail.queue(passwordResetMail(services.config.mail.linkBaseUrl, issued));
  return issued.userId;
}
