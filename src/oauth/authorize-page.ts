import { recordAuditEvent } from '../audit/record.ts';
import { readCookie } from '../lib/headers.ts';
import { constantTimeEqual, hmac, randomSecret } from '../lib/secrets.ts';
import type { AuthorizeForm, Screen } from '../pages/authorize-form.ts';
import { consentPage } from '../pages/consent.ts';
import { errorPage } from '../pages/error.ts';
import { forgotPasswordPage, type ForgotPasswordView } from '../pages/forgot-password.ts';
import { pageResponse, seeOther, type PageContent } from '../pages/layout.ts';
import { messages } from '../pages/messages.ts';
import { isForeignPost } from '../pages/post.ts';
import { passkeySignInPage, type PasskeySignInView } from '../pages/passkey-sign-in.ts';
import { secondFactorPage, type SecondFactorView } from '../pages/second-factor.ts';
import { signInPage, type SignInView } from '../pages/sign-in.ts';
import { signUpPage, type SignUpView } from '../pages/sign-up.ts';
import { clearedSessionCookieHeader, type CookieSessions } from '../sessions/cookie.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';
import { authorizationError, checkAuthorizationRequest, issueCode } from './authorize.ts';
import { browserSignIn, isStale } from './browser-sign-in.ts';
import { alreadyGranted, recordGrant } from './grants.ts';
import { CSRF_COOKIE, readPageParameters, type PageRequest } from './page-request.ts';
import { showPasskeySignIn, signInWithPasskeyHere } from './passkey-sign-in-step.ts';
import { submitSecondFactor } from './second-factor-step.ts';
import { secondFactorView } from './second-factor-view.ts';
import { forgotPassword, signInWithPassword, signInWithProvider, signUpHere, type SignInStepDeps, type SignInSteps } from './sign-in-steps.ts';

/** What the authorization page uses: the sign-in screens', and the browser's session to read or end ("not you?"). */
export interface AuthorizePageDeps extends SignInStepDeps {
  readonly cookieSessions: CookieSessions;
  readonly revoker: SessionRevoker;
}

/**
 * GET and POST /oauth/authorize: the authorization endpoint's own pages, for clients that send the
 * browser here. No JavaScript: without a session, a sign-in screen (with sign-up, "forgot your password?"
 * and the upstream providers as `screen=` views and POST actions), setting the first-party cookie on
 * success; then a consent screen. Every POST carries a CSRF token: an HMAC of the session id (consent)
 * or of a pre-session cookie (sign-in), and a cross-origin POST is refused outright.
 */
export async function authorizePage(services: AuthorizePageDeps, page: PageRequest): Promise<Response> {
  const { request } = page;
  const pages = services.config.pages;
  const isPost = request.method === 'POST';
  if (!isPost && request.method !== 'GET') return pageResponse(pages, errorPage(messages.error.methodNotAllowed), 405);
  const { param, authorization: params, kept } = await readPageParameters(page, services.database);
  const issuer = services.config.publicUrl;
  const authorization = await checkAuthorizationRequest(services.database, issuer, params);

  if (isPost && isForeignPost(request, issuer)) return pageResponse(pages, errorPage(messages.common.foreignForm), 403);
  const cookieHeader = request.headers.get('cookie');
  const signedIn = await browserSignIn(services.database, services.cookieSessions, cookieHeader);
  const signedInEmail = async () => (signedIn === undefined ? undefined : (await services.users.load([signedIn.userId]))[0]?.email);

  const binding = readCookie(cookieHeader, CSRF_COOKIE);
  const signInCsrf = (value: string) => hmac(page.csrfKey, `signin:${value}`);
  const consentCsrf = (sessionId: string) => hmac(page.csrfKey, `consent:${sessionId}`);
  /** The code step's token also names its challenge: a code form works only for the sign-in it was shown for. */
  const secondFactorCsrf = (value: string, challenge: string) => hmac(page.csrfKey, `second-factor:${value}:${challenge}`);
  /** Renders a screen of the sign-in family, with a fresh (or the same) pre-session binding cookie. */
  const signInScreen = <V>(render: (form: AuthorizeForm, view: V) => PageContent, csrfOf: (value: string, view: V) => string = signInCsrf) =>
    (status: number, view: V) => {
      const value = binding ?? randomSecret();
      const cookie = `${CSRF_COOKIE}=${value}; Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax`;
      return pageResponse(pages, render({ clientName: authorization.client.name, params: kept, csrf: csrfOf(value, view) }, view), status, [cookie]);
    };
  const steps: SignInSteps = {
    services, page, authorization, kept,
    signInForm: signInScreen<SignInView>(signInPage),
    signUpForm: signInScreen<SignUpView>(signUpPage),
    forgotForm: signInScreen<ForgotPasswordView>(forgotPasswordPage),
    secondFactorForm: signInScreen<SecondFactorView>(secondFactorPage, (value, view) => secondFactorCsrf(value, view.challenge)),
    passkeyForm: signInScreen<PasskeySignInView>(passkeySignInPage),
    providers: services.providers.list().map(({ id, name }) => ({ id, name })),
    clearBinding: `${CSRF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
  };
  const showSignIn = async (status: number, view: Partial<SignInView> = {}) => {
    const email = await signedInEmail();
    return steps.signInForm(status, { providers: steps.providers, ...(email === undefined ? {} : { signedInAs: email, email }), ...view });
  };

  // acr_values asking for a second factor (authorize.ts): a session without one signs in again.
  const mustSignIn = signedIn === undefined || isStale(signedIn, authorization) || (authorization.requireMfa && !signedIn.amr.includes('mfa'));
  const refuse = (error: string, message: string) => authorizationError(authorization.redirectUri, issuer, error, message, authorization.state);

  if (!isPost) {
    if (mustSignIn || authorization.prompt.has('login') || authorization.prompt.has('select_account')) {
      if (authorization.prompt.has('none')) throw refuse('login_required', 'The user must sign in.');
      const screen = param('screen') as Screen | null;
      if (screen === 'sign-up') return steps.signUpForm(200, {});
      if (screen === 'forgot-password') return steps.forgotForm(200, {});
      if (screen === 'passkey') return showPasskeySignIn(steps);
      // An upstream sign-in started here, held for the account's second factor (federation/callback-route.ts).
      const challenge = param('second_factor_challenge');
      if (challenge !== null) return steps.secondFactorForm(200, await secondFactorView(services, challenge));
      const upstreamError = param('upstream_error');
      return showSignIn(200, upstreamError === null ? {} : { error: messages.signIn.upstreamFailed(upstreamError) });
    }
    if (!authorization.prompt.has('consent') && await alreadyGranted(services.database, signedIn.userId, authorization)) {
      return seeOther(pages, await issueCode(services.database, issuer, signedIn, authorization));
    }
    if (authorization.prompt.has('none')) throw refuse('consent_required', 'The user has not allowed the application these scopes.');
    const email = await signedInEmail();
    if (email === undefined) return showSignIn(200);
    const form = { clientName: authorization.client.name, params: kept, csrf: consentCsrf(signedIn.sessionId) };
    return pageResponse(pages, consentPage(form, { email, scopes: authorization.scopes, redirectHost: new URL(authorization.redirectUri).host }));
  }

  const action = param('action');
  const csrf = param('csrf_token') ?? '';
  const signInFormValid = binding !== undefined && constantTimeEqual(csrf, signInCsrf(binding));
  const expired = () => pageResponse(pages, errorPage(messages.common.formExpired), 403);
  switch (action) {
    case 'signin':
    case 'signup':
    case 'forgot':
    case 'provider':
    case 'passkey_signin': {
      if (!signInFormValid) return expired();
      const field = (name: string) => param(name) ?? '';
      if (action === 'signin') return signInWithPassword(steps, field('email'), field('password'));
      if (action === 'signup') return signUpHere(steps, { email: field('email'), password: field('password'), name: field('name') });
      if (action === 'forgot') return forgotPassword(steps, field('email'));
      if (action === 'passkey_signin') return signInWithPasskeyHere(steps, field('passkey'));
      return signInWithProvider(steps, field('provider'));
    }
    case 'second_factor':
    case 'second_factor_passkey': {
      const challenge = param('challenge') ?? '';
      if (binding === undefined || !constantTimeEqual(csrf, secondFactorCsrf(binding, challenge))) return expired();
      return submitSecondFactor(steps, challenge, action === 'second_factor' ? { code: param('code') } : { passkey: param('passkey') ?? '' });
    }
    case 'switch': {
      // "Not you?": from the consent screen (session-bound token) or the sign-in screen (pre-session token).
      if (!signInFormValid && !(signedIn !== undefined && constantTimeEqual(csrf, consentCsrf(signedIn.sessionId)))) return expired();
      if (signedIn !== undefined) {
        await services.revoker.revokeOne(signedIn.userId, signedIn.sessionId);
        await recordAuditEvent(services.database, {
          type: 'logout', userId: signedIn.userId, ip: page.ip, userAgent: request.headers.get('user-agent'),
          detail: `session ${signedIn.sessionId} ended ("not you?" on the authorization page of ${authorization.client.clientId})`,
        });
      }
      const back = new URLSearchParams([...kept].filter(([name]) => name !== 'prompt' && name !== 'max_age'));
      return seeOther(pages, `/oauth/authorize?${back}`, [clearedSessionCookieHeader()]);
    }
    case 'allow':
    case 'deny':
      break;
    default:
      return pageResponse(pages, errorPage(messages.consent.chooseOne), 400);
  }
  if (mustSignIn) return showSignIn(200, { error: messages.signIn.signInFirst });
  if (!constantTimeEqual(csrf, consentCsrf(signedIn.sessionId))) return expired();
  if (action === 'deny') throw refuse('access_denied', 'The user denied the request.');
  const redirectTo = await issueCode(services.database, issuer, signedIn, authorization);
  await recordGrant(services.database, signedIn.userId, authorization, page.ip, request.headers.get('user-agent'));
  return seeOther(pages, redirectTo);
}
