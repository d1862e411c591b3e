import { recordAuditEvent } from '../audit/record.ts';
import { InvalidSecondFactorError, InvalidTokenError, RateLimitedError, ValidationError } from '../errors.ts';
import { verifySecondFactor } from '../factors/verify-second-factor.ts';
import { messages } from '../pages/messages.ts';
import { metaOf, startAndReturn, type SignInSteps } from './sign-in-steps.ts';

/**
 * The authorization page's second step, for accounts with a second factor: after the right password
 * (signInWithPassword shows the code form instead of starting a session), a code from the authenticator
 * app or a recovery code. The challenge travels in the form; the form's CSRF token binds it to the
 * browser's pre-session cookie (authorize-page.ts checks it).
 *
 * A 6-digit code is a TOTP code; anything else is tried as a recovery code. A wrong code shows the form
 * again; a dead challenge (expired, spent, worn out by wrong codes) goes back to the password.
 */
export async function submitSecondFactor(steps: SignInSteps, challenge: string, typed: string): Promise<Response> {
  const code = typed.trim();
  const proof = /^\d{6}$/.test(code) ? { totp: code } : { recoveryCode: code };
  const again = (status: number, error: string) => steps.signInForm(status, { providers: steps.providers, error });
  try {
    const passed = await verifySecondFactor(steps.services, metaOf(steps), challenge, proof);
    await recordAuditEvent(steps.services.database, {
      type: 'login.succeeded', userId: passed.userId, ...metaOf(steps), detail: `on the authorization page of ${steps.authorization.client.clientId}`,
    });
    return await startAndReturn(steps, passed.userId, passed.amr);
  } catch (error) {
    if (error instanceof InvalidSecondFactorError || error instanceof ValidationError) {
      return steps.secondFactorForm(401, { challenge, error: messages.secondFactor.wrongCode });
    }
    if (error instanceof InvalidTokenError) return again(401, messages.secondFactor.tooSlow);
    if (error instanceof RateLimitedError) return again(429, messages.common.tryAgainLater(error.retryAfterSeconds));
    throw error;
  }
}
