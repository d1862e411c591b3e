import { composeLinkMail, composeNoticeMail } from '../mail/compose.ts';
import type { MailMessage } from '../mail/send.ts';
import type { IssuedEmailToken } from './email-tokens.ts';

/**
 * The page a mailed link opens: `<FRONTEND_URL or PUBLIC_URL>/verify-email?token=…`,
 * `…/reset-password?token=…` or `…/confirm-email-change?token=…`. The page sends the token to
 * verifyEmail, resetPassword or confirmEmailChange; a GET of the link itself spends nothing, so mail
 * scanners that follow links do no harm.
 */
function emailLink(linkBaseUrl: string, page: 'verify-email' | 'reset-password' | 'confirm-email-change', token: string): string {
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

/** The mail to the NEW address of an email change: a link to the confirm-email-change page, good for 1 hour. */
export function emailChangeMail(linkBaseUrl: string, issued: IssuedEmailToken): MailMessage {
  return composeLinkMail({
    to: issued.email,
    subject: 'Confirm your new email address',
    intro: ['Somebody, probably you, asked to make this the sign-in address of their account.'],
    action: 'Confirm my new address',
    link: emailLink(linkBaseUrl, 'confirm-email-change', issued.token),
    outro: [
      'The link works once, for 1 hour. Until it is used, the account keeps its old address. Using it signs the account out everywhere else.',
      'If you did not ask for this, ignore this mail: nothing changes.',
    ],
  });
}

/**
 * The notice to the OLD address once an email change is confirmed (OWASP Authentication Cheat Sheet:
 * tell the user of changes to the account). The new address is shown masked: the old mailbox may no
 * longer be the user's own.
 */
export function emailChangedNotice(previousEmail: string, newEmail: string): MailMessage {
  return composeNoticeMail({
    to: previousEmail,
    subject: 'Your sign-in address was changed',
    paragraphs: [
      `The account that used ${previousEmail} to sign in now uses ${maskEmail(newEmail)} instead; this address no longer signs in or receives its mail.`,
      'Every other session of the account was signed out.',
      'If you did not do this, contact the support of the service at once: someone else may control your account.',
    ],
  });
}

/** `n•••@example.com`: enough for its owner to recognise, not enough to write to. */
function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${email.slice(0, 1)}•••${email.slice(at)}`;
}
