import { composeLinkMail } from '../mail/compose.ts';
import type { MailMessage } from '../mail/send.ts';
import type { IssuedEmailToken } from './email-tokens.ts';

/**
 * The page a mailed link opens: `<FRONTEND_URL or PUBLIC_URL>/verify-email?token=…` or
 * `…/reset-password?token=…`. The page sends the token to verifyEmail or resetPassword; a GET of the
 * link itself spends nothing, so mail scanners that follow links do no harm.
 */
function emailLink(linkBaseUrl: string, page: 'verify-email' | 'reset-password', token: string): string {
  return `${linkBaseUrl}/${page}?token=${encodeURIComponent(token)}`;
}

/** The mail that proves an address: a link to the verify-email page, good for 24 hours. */
export function verificationMail(linkBaseUrl: string, issued: IssuedEmailToken): MailMessage {
  return composeLinkMail({
    to: issued.email,
    subject: 'Confirm your email address',
    intro: ['Please confirm that this is your email address by opening the link below.'],
    action: 'Confirm my address',
    link: emailLink(linkBaseUrl, 'verify-email', issued.token),
    outro: ['The link works once, for 24 hours.', 'If you did not create an account, you can ignore this mail.'],
  });
}

/** The mail that lets a user choose a new password: a link to the reset-password page, good for 30 minutes. */
export function passwordResetMail(linkBaseUrl: string, issued: IssuedEmailToken): MailMessage {
  return composeLinkMail({
    to: issued.email,
    subject: 'Reset your password',
    intro: ['Somebody, probably you, asked to reset the password of the account with this email address.'],
    action: 'Choose a new password',
    link: emailLink(linkBaseUrl, 'reset-password', issued.token),
    outro: [
      'The link works once, for 30 minutes. Setting a new password signs the account out everywhere.',
      'If you did not ask for this, ignore this mail: your password stays as it is.',
    ],
  });
}
