import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACR_MFA, ACR_SINGLE_FACTOR } from '../../src/factors/acr.ts';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp, jwtClaims, LOGIN_2FA } from '../helpers/factors.ts';
import { discover, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// The authorization page with a second factor, driven by plain HTTP as a browser without JavaScript
// would; the tokens are redeemed and the ID token validated by oauth4webapi.

describe(`the authorization page asks for the second factor (${ENGINE})`, () => {
  let app: TestApp;
  let client: RegisteredClient;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, { scopes: ['openid', 'email'] });
    as = await discover(app);
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(() => awayFromStepEdge());

  async function request(extra: Record<string, string> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const params = new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid email', state, nonce,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
    });
    return { verifier, params, state, nonce };
  }
  const post = (fields: URLSearchParams, cookie: string) => app.fetch('/oauth/authorize', {
    method: 'POST', redirect: 'manual', body: fields.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: new URL(app.url).origin },
  });
  // A browser posts one form's fields: those of the page's first form (the sign-in, code or Allow form).
  const hiddenFields = (html: string) => new URLSearchParams(
    [...(html.match(/<form[\s\S]*?<\/form>/)?.[0] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))]),
  );
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');

  /** Signs in on the page with the password; returns the response and the pre-session cookie. */
  async function passwordOnPage(user: SignedUp, params: URLSearchParams) {
    const page = await app.fetch(`/oauth/authorize?${params}`, { redirect: 'manual' });
    const csrfCookie = cookiesOf(page);
    const form = hiddenFields(await page.text());
    form.set('email', user.email);
    form.set('password', PASSWORD);
    form.set('action', 'signin');
    return { response: await post(form, csrfCookie), csrfCookie };
  }

  /** From a 303 after sign-in: consent, allow, and redeem the code with oauth4webapi. */
  async function consentAndRedeem(signedIn: Response, flow: Awaited<ReturnType<typeof request>>) {
    const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const consent = await app.fetch(signedIn.headers.get('location')!, { headers: { cookie } });
    const consentForm = hiddenFields(await consent.text());
    consentForm.set('action', 'allow');
    const allowed = await post(consentForm, cookie);
    expect(allowed.status).toBe(303);
    return redeem(as, client, { redirectTo: allowed.headers.get('location')!, state: flow.state, nonce: flow.nonce, verifier: flow.verifier });
  }

  it('after the right password shows a code form, no session; the right code signs in and the tokens say mfa', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const flow = await request();
    const { response, csrfCookie } = await passwordOnPage(user, flow.params);
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    // A hosted page like the others: the same strict CSP (no script at all) and the same layout.
    const csp = response.headers.get('content-security-policy')!;
    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain('script-src');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain('<h1>Two-step verification</h1>');
    expect(html).toContain('<header>');
    expect(html).toContain('autocomplete="one-time-code"');
    expect(html).not.toContain('<script');
    const form = hiddenFields(html);
    expect(form.get('challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const wrong = new URLSearchParams(form);
    wrong.set('code', codeAt(secret, 4));
    wrong.set('action', 'second_factor');
    const refused = await post(wrong, csrfCookie);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toContain('That code is wrong or already used.');

    const forged = new URLSearchParams(wrong);
    forged.set('csrf_token', 'x'.repeat(43));
    forged.set('code', codeAt(secret));
    expect((await post(forged, csrfCookie)).status).toBe(403);

    const right = new URLSearchParams(wrong);
    right.set('code', codeAt(secret));
    const signedIn = await post(right, csrfCookie);
    expect(signedIn.status).toBe(303);
    const tokens = await consentAndRedeem(signedIn, flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: ['pwd', 'otp', 'mfa'], acr: ACR_MFA });
    expect(jwtClaims(tokens.access_token).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('takes a recovery code on the same form', async () => {
    const user = await signUpUser(app);
    const { recoveryCodes } = await enrolTotp(app, user);
    const flow = await request();
    const { response, csrfCookie } = await passwordOnPage(user, flow.params);
    const form = hiddenFields(await response.text());
    form.set('code', recoveryCodes[0]!);
    form.set('action', 'second_factor');
    const signedIn = await post(form, csrfCookie);
    expect(signedIn.status).toBe(303);
    expect(oauth.getValidatedIdTokenClaims(await consentAndRedeem(signedIn, flow))).toMatchObject({ amr: ['pwd', 'otp', 'mfa'] });
  });

  it('finishes a sign-in held for the code that comes back to the page (an upstream sign-in started there)', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const held = (await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD, delivery: 'COOKIE' } })).body.data.login;
    expect(held.__typename).toBe('SecondFactorRequired');
    const flow = await request();
    const page = await app.fetch(`/oauth/authorize?${flow.params}&second_factor_challenge=${held.challenge}`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    const form = hiddenFields(await page.text());
    expect(form.get('challenge')).toBe(held.challenge);
    expect(form.has('second_factor_challenge')).toBe(false);
    form.set('code', codeAt(secret));
    form.set('action', 'second_factor');
    const signedIn = await post(form, cookiesOf(page));
    expect(signedIn.status).toBe(303);
    expect(oauth.getValidatedIdTokenClaims(await consentAndRedeem(signedIn, flow))).toMatchObject({ sub: user.userId, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('an account without a second factor signs in with its password; the ID token says pwd', async () => {
    const user = await signUpUser(app);
    const flow = await request();
    const { response } = await passwordOnPage(user, flow.params);
    expect(response.status).toBe(303);
    const tokens = await consentAndRedeem(response, flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, amr: ['pwd'], acr: ACR_SINGLE_FACTOR });
  });

  it('honours acr_values asking for a second factor: a password-only session signs in again, with the code', async () => {
    const user = await signUpUser(app);
    const first = await request();
    const { response: passwordOnly } = await passwordOnPage(user, first.params);
    const cookie = passwordOnly.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const { secret } = await enrolTotp(app, user);

    const flow = await request({ acr_values: ACR_MFA });
    const again = await app.fetch(`/oauth/authorize?${flow.params}`, { redirect: 'manual', headers: { cookie } });
    expect(again.status).toBe(200);
    expect(await again.text()).toContain('name="password"');
    const { response, csrfCookie } = await passwordOnPage(user, flow.params);
    const form = hiddenFields(await response.text());
    expect(form.get('acr_values')).toBe(ACR_MFA);
    form.set('code', codeAt(secret));
    form.set('action', 'second_factor');
    const tokens = await consentAndRedeem(await post(form, csrfCookie), flow);
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ acr: ACR_MFA, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('answers unmet_authentication_requirements when acr_values wants a second factor the account lacks', async () => {
    const user = await signUpUser(app);
    const flow = await request({ acr_values: ACR_MFA });
    const { response } = await passwordOnPage(user, flow.params);
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    const location = new URL(response.headers.get('location')!);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'unmet_authentication_requirements', state: flow.state });
  });

  it('says which acr values it supports in its discovery document', async () => {
    const document = await (await app.fetch('/.well-known/openid-configuration')).json();
    expect(document.acr_values_supported).toEqual([ACR_MFA, ACR_SINGLE_FACTOR]);
    expect(document.claims_supported).toEqual(expect.arrayContaining(['amr', 'acr']));
  });
});
