import { login } from '../accounts/login.ts';
import { holdForSecondFactor, secondFactorPending } from '../factors/sign-in-gate.ts';
import { recordAuditEvent } from '../audit/record.ts';
import { InvalidCredentialsError, RateLimitedError, ValidationError } from '../graphql/errors.ts';
import { constantTimeEqual, hmac, randomSecret } from '../lib/secrets.ts';
import type { Services } from '../services.ts';
import { FIRST_PARTY_SCOPES } from '../scopes.ts';
import { readSessionCookie, sessionCookieHeader } from '../sessions/cookie.ts';
import { findSession, listGrantSessions } from '../sessions/list.ts';
import { startSession } from '../sessions/start.ts';
import { authorizationError, checkAuthorizationRequest, issueCode, type AuthorizationParams, type AuthorizationRequest } from './authorize.ts';
import { consentPage, errorPage, signInPage } from './consent-page.ts';
import { secondFactorForm, submitSecondFactor, type SecondStepPage } from './second-factor-step.ts';

/** Binds the sign-in form to the browser before there is a session (login CSRF). */
const CSRF_COOKIE = '__Host-latchkey-oauth-csrf';
const PARAMS = [
  'client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age',
  'acr_values',
] as const;

/** RFC 9700 §4.16 (clickjacking) and §4.2.4 (no code or state leaks through Referer); pages are never cached. */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

export interface PageRequest {
  readonly request: Request;
  readonly url: URL;
  readonly ip: string;
  /** A server secret for the CSRF tokens (HMAC of what each form is bound to). */
  readonly csrfKey: Buffer;
}

function html(body: string, status: number, cookies: string[] = []): Response {
  const headers = new Headers(PAGE_HEADERS);
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(body, { status, headers });
}

/** 303 See Other: after a POST the browser follows with a GET (RFC 9700 §4.11). */
function seeOther(location: string, cookies: string[] = []): Response {
  const headers = new Headers({ ...PAGE_HEADERS, location });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(null, { status: 303, headers });
}

function readCookie(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * GET and POST /oauth/authorize: the authorization endpoint's own pages, for clients that send the
 * browser here. No JavaScript: a sign-in form when there is no session cookie (setting the first-party
 * cookie on success), then a consent form. Every POST carries a CSRF token: an HMAC of the session id
 * (consent) or of a pre-session cookie (sign-in), and a cross-origin POST is refused outright.
 */
export async function authorizePage(services: Services, page: PageRequest): Promise<Response> {
  const { request } = page;
  const isPost = request.method === 'POST';
  if (!isPost && request.method !== 'GET') return html(errorPage('Use GET or POST.'), 405);
  const source = isPost ? new URLSearchParams(await request.text()) : page.url.searchParams;
  const param = (name: string) => source.get(name);
  const params: AuthorizationParams = {
    clientId: param('client_id'), redirectUri: param('redirect_uri'), responseType: param('response_type'), scope: param('scope'),
    state: param('state'), codeChallenge: param('code_challenge'), codeChallengeMethod: param('code_challenge_method'), nonce: param('nonce'),
    prompt: param('prompt'), maxAge: param('max_age'), acrValues: param('acr_values'),
  };
  const issuer = services.config.publicUrl;
  const check = await checkAuthorizationRequest(services.database, issuer, params);
  if (!check.ok) return check.trusted ? seeOther(check.redirectTo) : html(errorPage(check.message), 400);
  const authorization = check.request;
  const kept = new Map(PARAMS.flatMap((name) => { const v = param(name); return v === null ? [] : [[name, v] as const]; }));

  if (isPost) {
    // Under Referrer-Policy: no-referrer browsers send `Origin: null` on the page's own POSTs; the CSRF
    // token is the defence, these checks only turn away what is plainly foreign.
    const origin = request.headers.get('origin');
    const site = request.headers.get('sec-fetch-site');
    if ((origin !== null && origin !== 'null' && origin !== new URL(issuer).origin) || site === 'cross-site' || site === 'same-site') {
      return html(errorPage('This form may only be sent from this site.'), 403);
    }
  }
  const cookieHeader = request.headers.get('cookie');
  const sessionCookie = readSessionCookie(cookieHeader);
  const found = sessionCookie === undefined ? undefined : await services.cookieSessions.find(sessionCookie);
  const session = typeof found === 'object' ? found : undefined;

  const showSignIn = (status: number, error?: string) => {
    const binding = readCookie(cookieHeader, CSRF_COOKIE) ?? randomSecret();
    const cookie = `${CSRF_COOKIE}=${binding}; Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=Lax`;
    const csrf = hmac(page.csrfKey, `signin:${binding}`);
    return html(signInPage({ clientName: authorization.client.name, params: kept, csrf, ...(error === undefined ? {} : { error }) }), status, [cookie]);
  };
  const csrfFor = (sessionId: string) => hmac(page.csrfKey, `consent:${sessionId}`);

  const signedIn = session === undefined ? undefined : await signInOf(services, session);
  const mustSignIn = signedIn === undefined || isStale(signedIn, authorization) || (authorization.requireMfa && !signedIn.amr.includes('mfa'));
  const refuse = (error: string, message: string) =>
    seeOther(authorizationError(authorization.redirectUri, issuer, error, message, authorization.state));

  if (!isPost) {
    if (mustSignIn || authorization.prompt.has('login') || authorization.prompt.has('select_account')) {
      if (authorization.prompt.has('none')) return refuse('login_required', 'The user must sign in.');
      return showSignIn(200);
    }
    if (!authorization.prompt.has('consent') && await alreadyGranted(services, signedIn.userId, authorization)) {
      return seeOther(await issueCode(services.database, issuer, signedIn, authorization));
    }
    if (authorization.prompt.has('none')) return refuse('consent_required', 'The user has not allowed the application these scopes.');
    const [user] = await services.users.load([signedIn.userId]);
    if (user === undefined) return showSignIn(200);
    return html(consentPage({
      clientName: authorization.client.name, email: user.email, scopes: authorization.scopes, params: kept, csrf: csrfFor(signedIn.sessionId),
    }), 200);
  }

  const action = param('action');
  const csrf = param('csrf_token') ?? '';
  if (action === 'signin') {
    const binding = readCookie(cookieHeader, CSRF_COOKIE);
    if (binding === undefined || !constantTimeEqual(csrf, hmac(page.csrfKey, `signin:${binding}`))) {
      return html(errorPage('The form expired; go back and try again.'), 403);
    }
    return signIn(services, page, authorization, kept, param('email') ?? '', param('password') ?? '', showSignIn, binding);
  }
  if (action === 'second_factor') {
    const binding = readCookie(cookieHeader, CSRF_COOKIE);
    if (binding === undefined) return html(errorPage('The form expired; go back and try again.'), 403);
    const step = secondStepOf(page, authorization, kept, binding);
    const outcome = await submitSecondFactor(services, step, source);
    if (!outcome.ok) return outcome.html === null ? showSignIn(outcome.status, outcome.error) : html(outcome.html, outcome.status);
    return signedInNow(services, page, authorization, kept, outcome.passed.userId, outcome.passed.amr);
  }
  if (action !== 'allow' && action !== 'deny') return html(errorPage('Choose Allow or Deny.'), 400);
  if (mustSignIn) return showSignIn(200, 'Sign in first.');
  if (!constantTimeEqual(csrf, csrfFor(signedIn.sessionId))) return html(errorPage('The form expired; go back and try again.'), 403);
  if (action === 'deny') return refuse('access_denied', 'The user denied the request.');
  const redirectTo = await issueCode(services.database, issuer, signedIn, authorization);
  await recordGrant(services, signedIn.userId, authorization, page.ip, request.headers.get('user-agent'));
  return seeOther(redirectTo);
}

async function signIn(
  services: Services, page: PageRequest, authorization: AuthorizationRequest, kept: ReadonlyMap<string, string>,
  email: string, password: string, showSignIn: (status: number, error?: string) => Response, binding: string,
): Promise<Response> {
  const userAgent = page.request.headers.get('user-agent');
  try {
    const { database } = services;
    const user = await login(database, services.addressThrottle, { email, password, ip: page.ip, secondFactorPending: secondFactorPending(database) });
    if (services.config.requireVerifiedEmail && !user.emailVerified) return showSignIn(403, 'Confirm your email address first.');
    const held = await holdForSecondFactor(database, user.id, 'COOKIE', 'pwd');
    if (held === null && authorization.requireMfa) {
      // OpenID Connect's registered error for an acr the account cannot meet: it has no second factor.
      return seeOther(authorizationError(authorization.redirectUri, services.config.publicUrl, 'unmet_authentication_requirements',
        'The application asks for a second factor and the account has none.', authorization.state));
    }
    if (held !== null) {
      await recordAuditEvent(database, { type: 'login.second_factor_required', userId: user.id, ip: page.ip, userAgent, detail: `on the authorization page of ${authorization.client.clientId}` });
      return html(secondFactorForm(secondStepOf(page, authorization, kept, binding), held), 200);
    }
    return signedInNow(services, page, authorization, kept, user.id, ['pwd']);
  } catch (error) {
    if (error instanceof InvalidCredentialsError || error instanceof ValidationError) {
      await recordAuditEvent(services.database, { type: 'login.failed', ip: page.ip, userAgent, detail: `email: ${email.trim().slice(0, 254)}` });
      return showSignIn(401, 'Wrong email or password.');
    }
    if (error instanceof RateLimitedError) return showSignIn(429, error.message);
    throw error;
  }
}

/** Starts the first-party cookie session of a user who just signed in on the page, and goes back to the request. */
async function signedInNow(
  services: Services, page: PageRequest, authorization: AuthorizationRequest, kept: ReadonlyMap<string, string>,
  userId: string, amr: readonly string[],
): Promise<Response> {
  const userAgent = page.request.headers.get('user-agent');
  await recordAuditEvent(services.database, { type: 'login.succeeded', userId, ip: page.ip, userAgent, detail: `on the authorization page of ${authorization.client.clientId}` });
  const started = await startSession(services.database, { userId, delivery: 'COOKIE', scopes: FIRST_PARTY_SCOPES, userAgent, ip: page.ip, amr });
  if (started.delivery !== 'COOKIE') throw new Error('a COOKIE session was expected');
  // Back to the request, signed in just now: whatever prompt=login or max_age asked for is satisfied.
  const back = new URL('/oauth/authorize', services.config.publicUrl);
  for (const [name, value] of kept) if (name !== 'prompt' && name !== 'max_age') back.searchParams.set(name, value);
  if (authorization.prompt.has('consent')) back.searchParams.set('prompt', 'consent');
  return seeOther(back.pathname + back.search, [
    sessionCookieHeader(started.cookie, started.cookieExpiresAt),
    `${CSRF_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`,
  ]);
}

function secondStepOf(page: PageRequest, authorization: AuthorizationRequest, kept: ReadonlyMap<string, string>, binding: string): SecondStepPage {
  return {
    clientName: authorization.client.name, params: kept, binding, csrfKey: page.csrfKey, ip: page.ip,
    userAgent: page.request.headers.get('user-agent'),
  };
}

interface SignIn {
  readonly userId: string;
  readonly sessionId: string;
  /** When the user signed in to this session: the ID token's auth_time. */
  readonly authTime: Date;
  /** How the user signed in to this session (RFC 8176). */
  readonly amr: readonly string[];
}

async function signInOf(services: Services, session: { sessionId: string; userId: string }): Promise<SignIn | undefined> {
  const record = await findSession(services.database, session.sessionId);
  return record === undefined ? undefined : { userId: session.userId, sessionId: session.sessionId, authTime: record.createdAt, amr: record.amr };
}

/** Signed in longer ago than the client's max_age allows (OIDC Core §3.1.2.1). */
function isStale(signIn: SignIn, request: AuthorizationRequest): boolean {
  return request.maxAgeMs !== null && Date.now() - signIn.authTime.getTime() > request.maxAgeMs;
}

/** The user already granted this client every scope asked for, and has not revoked the grant since. */
async function alreadyGranted(services: Services, userId: string, request: AuthorizationRequest): Promise<boolean> {
  const grants = await listGrantSessions(services.database, userId);
  return grants.some((grant) => grant.clientId === request.client.clientId && request.scopes.every((scope) => grant.scopes.includes(scope)));
}

/** Records that a user granted a client access (oauth.grant_given). */
export function recordGrant(services: Services, userId: string, request: AuthorizationRequest, ip: string, userAgent: string | null) {
  return recordAuditEvent(services.database, {
    type: 'oauth.grant_given', userId, ip, userAgent,
    detail: `client ${request.client.clientId} (${request.client.name}): ${request.scopes.join(' ')}`,
  });
}
