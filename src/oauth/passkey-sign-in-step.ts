import { refuseUnverified } from '../accounts/request-email-verification.ts';
import { addressGroup } from '../accounts/sign-in-budget.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { recordAuditEvent } from '../audit/record.ts';
import { passkeyAssertionOptions } from '../factors/passkey-assertion.ts';
import { signInWithPasskey } from '../factors/passkey-sign-in.ts';
import { InvalidPasskeyError, RateLimitedError } from '../errors.ts';
import { messages } from '../pages/messages.ts';
import type { PasskeySignInView } from '../pages/passkey-sign-in.ts';
import { metaOf, startAndReturn, type SignInSteps } from './sign-in-steps.ts';

/**
 * The passkey screen: fresh passwordless options (a new single-use challenge each time it is shown),
 * within the client address's budget of starts; past it, the sign-in screen says when to try again.
 */
export async function showPasskeySignIn(steps: SignInSteps): Promise<Response> {
  try {
    await steps.services.passkeyStarts.take(addressGroup(steps.page.ip));
  } catch (error) {
    if (error instanceof RateLimitedError) return steps.signInForm(429, { providers: steps.providers, error: messages.common.tryAgainLater(error.retryAfterSeconds) });
    throw error;
  }
  return steps.passkeyForm(200, await passkeySignInView(steps.services));
}

/** Fresh passwordless options for the passkey screen. */
export async function passkeySignInView(services: { database: Database; config: Config }, error?: string): Promise<PasskeySignInView> {
  const options = await passkeyAssertionOptions(services.database, services.config, 'SIGN_IN', null);
  return { passkeyOptions: JSON.stringify(options), ...(error === undefined ? {} : { error }) };
}

/**
 * "Sign in with a passkey" on the authorization page: finishPasskeySignIn's use case (user verification
 * required, throttled per address), then a cookie session with the passkey's `amr`, back to the request.
 * A refused passkey shows the screen again with new options.
 */
export async function signInWithPasskeyHere(steps: SignInSteps, response: string): Promise<Response> {
  const { services } = steps;
  try {
    const passed = await signInWithPasskey(services, metaOf(steps), response);
    const user = (await services.users.load([passed.userId]))[0];
    if (user === undefined) return steps.passkeyForm(401, await passkeySignInView(services, messages.passkeySignIn.refused));
    if (services.config.requireVerifiedEmail && !user.emailVerified) {
      await recordAuditEvent(services.database, { type: 'login.unverified', userId: user.id, ...metaOf(steps), detail: null });
      await refuseUnverified(services, user);
      return steps.signInForm(403, { providers: steps.providers, error: messages.signIn.confirmFirst });
    }
    await recordAuditEvent(services.database, {
      type: 'login.succeeded', userId: user.id, ...metaOf(steps), detail: `with a passkey on the authorization page of ${steps.authorization.client.clientId}`,
    });
    return await startAndReturn(steps, user.id, passed.amr);
  } catch (error) {
    if (error instanceof InvalidPasskeyError) return steps.passkeyForm(401, await passkeySignInView(services, messages.passkeySignIn.refused));
    if (error instanceof RateLimitedError) {
      return steps.passkeyForm(429, await passkeySignInView(services, messages.common.tryAgainLater(error.retryAfterSeconds)));
    }
    throw error;
  }
}
