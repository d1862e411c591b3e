import { recordAuditEvent } from '../audit/record.ts';
import type { CodeProof } from '../factors/check-code.ts';
import { InvalidSecondFactorError, InvalidTokenError, RateLimitedError, ValidationError } from '../errors.ts';
import { verifySecondFactor } from '../factors/verify-second-factor.ts';
import { messages } from '../pages/messages.ts';
import { secondFactorView } from './second-factor-view.ts';
import { metaOf, startAndReturn, type SignInSteps } from './sign-in-steps.ts';

/** What the second step posted: a typed code, or the passkey ceremony's answer (from our script). */
export interface SecondFactorAnswer {
  readonly code?: string | null;
  readonly passkey?: string | null;
}

/**
 * The authorization page's second step, for accounts with a second factor: after the right password
 * (signInWithPassword shows the code form instead of starting a session), a code from the authenticator
 * app, a recovery code, or a passkey. The challenge travels in the form; the form's CSRF token binds it
 * to the browser's pre-session cookie (authorize-page.ts checks it).
 *
 * A 6-digit code is a TOTP code; anything else is tried as a recovery code. A wrong code or a refused
 * passkey shows the form again; a dead challenge (expired, spent, worn out) goes back to the password.
 */
export async function submitSecondFactor(steps: SignInSteps, challenge: string, answer: SecondFactorAnswer): Promise<Response> {
  const code = (answer.code ?? '').trim();
  const proof: CodeProof = answer.passkey != null ? { passkey: answer.passkey } : /^\d{6}$/.test(code) ? { totp: code } : { recoveryCode: code };
  const again = (status: number, error: string) => steps.signInForm(status, { providers: steps.providers, error });
  try {
    const passed = await verifySecondFactor(steps.services, metaOf(steps), challenge, proof);
    await recordAuditEvent(steps.services.database, {
      type: 'login.succeeded', userId: passed.userId, ...metaOf(steps), detail: `on the authorization page of ${steps.authorization.client.clientId}`,
    });
    return await startAndReturn(steps, passed.userId, passed.amr);
  } catch (error) {
    if (error instanceof InvalidSecondFactorError || error instanceof ValidationError) {
      const message = answer.passkey != null ? messages.secondFactor.wrongPasskey : messages.secondFactor.wrongCode;
      return steps.secondFactorForm(401, await secondFactorView(steps.services, challenge, message));
    }
    if (error instanceof InvalidTokenError) return again(401, messages.secondFactor.tooSlow);
    if (error instanceof RateLimitedError) return again(429, messages.common.tryAgainLater(error.retryAfterSeconds));
    throw error;
  }
}
