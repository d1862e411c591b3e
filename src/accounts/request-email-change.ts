import type { MailBudgets } from './mail-budgets.ts';
import type { Mailer } from '../mail/send.ts';
import type { Database } from '../db/client.ts';
import type { Config } from '../config.ts';
import { recordAuditEvent, type RequestMeta } from '../audit/record.ts';
import { EmailTakenError, ValidationError } from '../errors.ts';
import { normalizeEmail } from './email.ts';
import { findPendingEmail, issueEmailChangeToken } from './email-tokens.ts';
import { emailChangeMail } from './recovery-mails.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface RequestEmailChangeDeps {
  readonly database: Database;
  readonly mail: Mailer;
  readonly mailBudgets: MailBudgets;
  readonly config: Config;
}

export interface EmailChangeRequest {
  readonly userId: string;
  /** The account's address now: asking for it again is refused. */
  readonly currentEmail: string;
  /** As the user typed it; checked and trimmed as sign-up does. */
  readonly newEmail: string;
}

/**
 * Starts moving a signed-in account to another address (the caller checks step-up first): mails a
 * single-use link, good for 1 hour, to the NEW address; the account keeps its address until the link
 * is used (confirmEmailChange). A new request retires the last one. Counted per account (5 an hour)
 * before the address is looked at.
 *
 * An address another account holds is refused with EmailTakenError: sign-up answers the same for
 * anyone, so a signed-in, recently verified caller learns nothing sign-up does not tell, and the
 * per-account budget bounds how many addresses it can try. Refusals are audited.
 */
export async function requestEmailChange(
  deps: RequestEmailChangeDeps, input: EmailChangeRequest, meta: RequestMeta,
): Promise<{ pendingEmail: string; expiresAt: Date }> {
  const email = normalizeEmail(input.newEmail);
  if (email === null) throw new ValidationError('That is not an email address.', 'newEmail');
  if (email.toLowerCase() === input.currentEmail.toLowerCase()) throw new ValidationError('That is the account\'s address already.', 'newEmail');
  await deps.mailBudgets.takeEmailChange(input.userId);
  const audit = (type: string, detail: string, metadata: Record<string, unknown>) => recordAuditEvent(deps.database, {
    type, userId: input.userId, ip: meta.ip, userAgent: meta.userAgent, detail,
    actorUserId: input.userId, target: { type: 'USER', id: input.userId }, metadata,
  });
  const issued = await issueEmailChangeToken(deps.database, input.userId, email);
  if (issued === null) {
    await audit('email.change_failed', 'the new address belongs to another account', { reason: 'EMAIL_TAKEN', stage: 'request', newEmail: email });
    throw new EmailTakenError();
  }
  deps.mail.queue(emailChangeMail(deps.config.mail.linkBaseUrl, issued));
  await audit('email.change_requested', `to ${email}`, { from: input.currentEmail, to: email });
  const pending = await findPendingEmail(deps.database, input.userId);
  if (pending === null) throw new Error('an email change vanished as it was requested');
  return { pendingEmail: pending.email, expiresAt: pending.expiresAt };
}
