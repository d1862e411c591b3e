import type { UserDirectory } from '../accounts/directory.ts';
import { attackedAccount, login } from '../accounts/login.ts';
import type { MailBudgets } from '../accounts/mail-budgets.ts';
import type { SignInBudget } from '../accounts/sign-in-budget.ts';
import type { Budget } from '../budgets.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { UpstreamProviders } from '../federation/providers.ts';
import type { Mailer } from '../mail/send.ts';
import { refuseUnverified } from '../accounts/request-email-verification.ts';
import { sendPasswordResetLink } from '../accounts/request-password-reset.ts';
import { createAccount } from '../accounts/sign-up.ts';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import { callbackUrl } from '../federation/callback-url.ts';
import { returnToCookie } from '../federation/return-to.ts';
import { startUpstreamSignIn } from '../federation/start.ts';
import { holdForSecondFactor, secondFactorPending } from '../factors/sign-in-gate.ts';
import { AccountDisabledError, EmailTakenError, InvalidCredentialsError, NotFoundError, OAuthError, RateLimitedError, ValidationError } from '../errors.ts';
import type { ForgotPasswordView } from '../pages/forgot-password.ts';
import { seeOther } from '../pages/layout.ts';
import { messages } from '../pages/messages.ts';
import type { PasskeySignInView } from '../pages/passkey-sign-in.ts';
import type { SecondFactorView } from '../pages/second-factor.ts';
import type { SignInView } from '../pages/sign-in.ts';
import type { SignUpView } from '../pages/sign-up.ts';
import { FIRST_PARTY_SCOPES } from '../scopes.ts';
import { sessionCookieHeader } from '../sessions/cookie.ts';
import { startSession } from '../sessions/start.ts';
import { authorizationError, type AuthorizationRequest } from './authorize.ts';
import { secondFactorView } from './second-factor-view.ts';
import type { PageRequest } from './page-request.ts';

/** What the sign-in screens of the authorization page use: a password, a sign-up, a reset mail, a provider, a second factor or a passkey. */
export interface SignInStepDeps {
  readonly config: Config;
  readonly database: Database;
  readonly users: UserDirectory;
  readonly signInBudget: SignInBudget;
  readonly mail: Mailer;
  readonly mailBudgets: MailBudgets;
  readonly providers: UpstreamProviders;
  /** Upstream sign-ins started per client address. */
  readonly upstreamStarts: Budget;
  /** Passwordless passkey sign-ins started per client address. */
  readonly passkeyStarts: Budget;
}

/** What each step of the sign-in screens needs: the request being authorized, and how to show each screen. */
export interface SignInSteps {
  readonly services: SignInStepDeps;
  readonly page: PageRequest;
  readonly authorization: AuthorizationRequest;
  readonly kept: ReadonlyMap<string, string>;
  readonly providers: SignInView['providers'];
  signInForm(status: number, view: SignInView): Response;
  signUpForm(status: number, view: SignUpView): Response;
  forgotForm(status: number, view: ForgotPasswordView): Response;
  /** "Sign in with a passkey" (see passkey-sign-in-step.ts). */
  passkeyForm(status: number, view: PasskeySignInView): Response;
  /** The code step of an account with a second factor (see second-factor-step.ts). */
  secondFactorForm(status: number, view: SecondFactorView): Response;
  /** Set-Cookie that drops the pre-session CSRF binding once a session exists. */
  readonly clearBinding: string;
}

export function metaOf(steps: SignInSteps): RequestMeta {
  return { ip: steps.page.ip, userAgent: steps.page.request.headers.get('user-agent') };
}

/** The authorization request again, as the GET it was: signed in just now, whatever prompt=login or max_age asked for is satisfied. */
function backToRequest(steps: SignInSteps): string {
  const back = new URLSearchParams([...steps.kept].filter(([name]) => name !== 'prompt' && name !== 'max_age'));
  if (steps.authorization.prompt.has('consent')) back.set('prompt', 'consent');
  return `/oauth/authorize?${back}`;
}

/**
 * Starts a cookie session for the user and goes back to the request (consent, or the code); `amr` says
 * how the user signed in (RFC 8176), for the tokens the request ends in.
 */
export async function startAndReturn(steps: SignInSteps, userId: string, amr: readonly string[]): Promise<Response> {
  const started = await startSession(steps.services.database, { userId, delivery: 'COOKIE', scopes: FIRST_PARTY_SCOPES, amr, ...metaOf(steps) });
  if (started.delivery !== 'COOKIE') throw new Error('a COOKIE session was expected');
  return seeOther(steps.services.config.pages, backToRequest(steps), [sessionCookieHeader(started.cookie, started.cookieExpiresAt), steps.clearBinding]);
}

/** The sign-in form: the login mutation's checks and throttles; the email stays in the form after an error. */
export async function signInWithPassword(steps: SignInSteps, email: string, password: string): Promise<Response> {
  const { services, authorization } = steps;
  const meta = metaOf(steps);
  const again = (status: number, error: string) => steps.signInForm(status, { providers: steps.providers, email, error });
  try {
    const { database } = services;
    const user = await login(database, services.signInBudget, { email, password, ip: meta.ip, secondFactorPending: secondFactorPending(database) });
    if (services.config.requireVerifiedEmail && !user.emailVerified) {
      await recordAuditEvent(services.database, { type: 'login.unverified', userId: user.id, ...meta, detail: null });
      await refuseUnverified(services, user);
      return again(403, messages.signIn.confirmFirst);
    }
    const held = await holdForSecondFactor(database, user.id, 'COOKIE', 'pwd');
    if (held !== null) {
      // The password was right: the code step, instead of a session (finished in second-factor-step.ts).
      await recordAuditEvent(database, { type: 'login.second_factor_required', userId: user.id, ...meta, detail: `on the authorization page of ${authorization.client.clientId}` });
      return steps.secondFactorForm(200, await secondFactorView(services, held.challenge));
    }
    if (authorization.requireMfa) {
      // OpenID Connect's registered error for an acr the account cannot meet: it has no second factor.
      throw authorizationError(authorization.redirectUri, services.config.publicUrl,
        'unmet_authentication_requirements', messages.secondFactor.noSecondFactor, authorization.state);
    }
    await recordAuditEvent(database, { type: 'login.succeeded', userId: user.id, ...meta, detail: `on the authorization page of ${authorization.client.clientId}` });
    return await startAndReturn(steps, user.id, ['pwd']);
  } catch (error) {
    if (error instanceof InvalidCredentialsError || error instanceof ValidationError) {
      await recordAuditEvent(services.database, { type: 'login.failed', userId: attackedAccount(error), ...meta, detail: `email: ${email.trim().slice(0, 254)}` });
      return again(401, messages.signIn.wrongCredentials);
    }
    if (error instanceof AccountDisabledError) return again(403, error.message);
    if (error instanceof RateLimitedError) return again(429, messages.common.tryAgainLater(error.retryAfterSeconds));
    throw error;
  }
}

/** "Create one": the signUp mutation's use case, then signed in, or told to confirm the address first (REQUIRE_VERIFIED_EMAIL). */
export async function signUpHere(steps: SignInSteps, input: { email: string; password: string; name: string }): Promise<Response> {
  const { services } = steps;
  const kept = { email: input.email, name: input.name };
  try {
    const user = await createAccount(services, { email: input.email, password: input.password, name: input.name }, metaOf(steps));
    if (services.config.requireVerifiedEmail) {
      await refuseUnverified(services, user);
      return steps.signUpForm(200, { notice: messages.signUp.checkInbox(user.email) });
    }
    return await startAndReturn(steps, user.id, ['pwd']);
  } catch (error) {
    if (error instanceof ValidationError) return steps.signUpForm(400, { ...kept, error: error.message });
    if (error instanceof EmailTakenError) return steps.signUpForm(409, { ...kept, error: messages.signUp.emailTaken });
    if (error instanceof RateLimitedError) return steps.signUpForm(429, { ...kept, error: messages.common.tryAgainLater(error.retryAfterSeconds) });
    throw error;
  }
}

/** "Forgot your password?": the requestPasswordReset mutation's use case; the same notice whether or not an account has the address. */
export async function forgotPassword(steps: SignInSteps, email: string): Promise<Response> {
  try {
    await sendPasswordResetLink(steps.services, email, metaOf(steps));
    return steps.forgotForm(200, { email, notice: messages.forgotPassword.sent(email.trim()) });
  } catch (error) {
    if (error instanceof ValidationError) return steps.forgotForm(400, { email, error: error.message });
    if (error instanceof RateLimitedError) return steps.forgotForm(429, { email, error: messages.common.tryAgainLater(error.retryAfterSeconds) });
    throw error;
  }
}

/**
 * A provider button: starts the upstream sign-in (startUpstreamSignIn, with this server's callback), and
 * has the callback bring the browser back to this request, signed in (see federation/return-to.ts).
 */
export async function signInWithProvider(steps: SignInSteps, providerId: string): Promise<Response> {
  const { services } = steps;
  const again = (status: number, error: string) => steps.signInForm(status, { providers: steps.providers, error });
  try {
    const { publicUrl, allowedOrigins } = services.config;
    const started = await startUpstreamSignIn(
      { database: services.database, providers: services.providers, allowedOrigins, publicUrl, starts: services.upstreamStarts },
      { provider: providerId, redirectUri: callbackUrl(publicUrl, providerId), ip: steps.page.ip },
    );
    return seeOther(services.config.pages, started.authorizationUrl, [returnToCookie(started.state, backToRequest(steps))]);
  } catch (error) {
    if (error instanceof NotFoundError) return again(400, messages.signIn.upstreamFailed('NOT_FOUND'));
    if (error instanceof OAuthError) return again(503, messages.signIn.providerUnavailable(services.providers.configOf(providerId).name));
    if (error instanceof RateLimitedError) return again(429, messages.common.tryAgainLater(error.retryAfterSeconds));
    throw error;
  }
}
