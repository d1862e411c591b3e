import type { SecondFactorRequired } from '../factors/errors.ts';
import { InvalidSecondFactorError } from '../factors/errors.ts';
import { verifySecondFactor, type PassedSignIn } from '../factors/verify-second-factor.ts';
import { InvalidTokenError, RateLimitedError, ValidationError } from '../graphql/errors.ts';
import { constantTimeEqual, hmac } from '../lib/secrets.ts';
import type { Services } from '../services.ts';

/**
 * The authorization page's second step, for accounts with a second factor: after the right password,
 * a form for a code from the authenticator app or a recovery code. The challenge travels in the form,
 * its CSRF token binds it to the browser's pre-session cookie.
 */
export interface SecondStepPage {
  readonly clientName: string;
  readonly params: ReadonlyMap<string, string>;
  /** The pre-session cookie that the sign-in form's CSRF token is bound to. */
  readonly binding: string;
  readonly csrfKey: Buffer;
  readonly ip: string;
  readonly userAgent: string | null;
}

const csrfOf = (page: SecondStepPage, challenge: string) => hmac(page.csrfKey, `second-factor:${page.binding}:${challenge}`);

/** The code form for a sign-in held by `held`. */
export function secondFactorForm(page: SecondStepPage, held: Pick<SecondFactorRequired, 'challenge'>, error?: string): string {
  const hidden = [...page.params, ['challenge', held.challenge], ['csrf_token', csrfOf(page, held.challenge)]]
    .map(([name, value]) => `<input type="hidden" name="${escape(name!)}" value="${escape(value!)}">`).join('');
  return document(`Two-step verification for ${page.clientName}`, `<h1>Two-step verification</h1>`
    + `<p>to continue to <strong>${escape(page.clientName)}</strong></p>`
    + (error === undefined ? '' : `<p class="error" role="alert">${escape(error)}</p>`)
    + `<form method="post" action="/oauth/authorize">${hidden}`
    + `<label>Code from your authenticator app, or a recovery code `
    + `<input type="text" name="code" autocomplete="one-time-code" inputmode="text" required></label>`
    + `<button type="submit" name="action" value="second_factor">Verify</button></form>`);
}

export type SecondStepOutcome =
  | { readonly ok: true; readonly passed: PassedSignIn }
  | { readonly ok: false; readonly status: number; readonly html: string | null; readonly error: string };

/**
 * Checks a posted code. A 6-digit code is a TOTP code; anything else is tried as a recovery code.
 * On failure the form comes back (html), or, when the challenge is dead, null: the caller shows the
 * sign-in form again.
 */
export async function submitSecondFactor(services: Services, page: SecondStepPage, form: URLSearchParams): Promise<SecondStepOutcome> {
  const challenge = form.get('challenge') ?? '';
  if (!constantTimeEqual(form.get('csrf_token') ?? '', csrfOf(page, challenge))) {
    return { ok: false, status: 403, html: null, error: 'The form expired; sign in again.' };
  }
  const code = (form.get('code') ?? '').trim();
  const proof = /^\d{6}$/.test(code) ? { totp: code } : { recoveryCode: code };
  try {
    return { ok: true, passed: await verifySecondFactor(services, { ip: page.ip, userAgent: page.userAgent }, challenge, proof) };
  } catch (error) {
    if (error instanceof InvalidSecondFactorError || error instanceof ValidationError) {
      return { ok: false, status: 401, html: secondFactorForm(page, { challenge }, 'That code is wrong or already used.'), error: '' };
    }
    if (error instanceof InvalidTokenError) return { ok: false, status: 401, html: null, error: 'That took too long; sign in again.' };
    if (error instanceof RateLimitedError) return { ok: false, status: 429, html: null, error: error.message };
    throw error;
  }
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function document(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
    + `<title>${escape(title)}</title><style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}`
    + `label,input,button{display:block;margin:.5rem 0}input{width:100%;padding:.4rem}button{padding:.5rem 1rem}`
    + `.error{color:#a00}</style></head><body>${body}</body></html>`;
}
