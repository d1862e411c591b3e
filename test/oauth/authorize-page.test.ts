import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { discover, redeem, registerClient, signUpAdmin, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpUser, type SignedUp } from '../helpers/users.ts';

// The authorization endpoint's own pages, driven by plain HTTP as a browser without JavaScript would.

describe(`GET and POST /oauth/authorize (${ENGINE})`, () => {
  let app: TestApp;
  let client: RegisteredClient;
  let user: SignedUp;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    client = await registerClient(app, admin.accessToken, { scopes: ['openid', 'email'] });
    user = await signUpUser(app);
    as = await discover(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function request(overrides: Record<string, string | null> = {}) {
    const verifier = oauth.generateRandomCodeVerifier();
    const params: Record<string, string | null> = {
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid email',
      state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(),
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...overrides,
    };
    const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== null));
    return { verifier, params: query, state: params.state!, nonce: params.nonce! };
  }

  const get = (query: URLSearchParams, cookie?: string) =>
    app.fetch(`/oauth/authorize?${query}`, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });

  const post = (fields: URLSearchParams, cookie: string, origin: string | null = new URL(app.url).origin) => app.fetch('/oauth/authorize', {
    method: 'POST', redirect: 'manual', body: fields.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...(origin === null ? {} : { origin }) },
  });

  const hiddenFields = (html: string) => new URLSearchParams(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))]),
  );
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');

  function expectPageHeaders(response: Response) {
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  }

  it('shows an error page and never redirects for an unknown client or an unregistered redirect URI', async () => {
    for (const overrides of [{ client_id: 'lk_unknown' }, { redirect_uri: 'https://attacker.example/callback' }, { redirect_uri: `${client.redirectUri}/x` }] as Record<string, string>[]) {
      const response = await get((await request(overrides)).params);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expectPageHeaders(response);
    }
  });

  it.each([
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ code_challenge: null, code_challenge_method: null }, 'invalid_request'],
    [{ code_challenge_method: 'plain' }, 'invalid_request'],
    [{ scope: 'openid apikeys:manage' }, 'invalid_scope'],
  ])('sends %o back to the client as %s with state and iss', async (overrides, error) => {
    const { params, state } = await request(overrides);
    const response = await get(params);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(client.redirectUri);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error, state, iss: app.config.publicUrl });
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('signs in with a CSRF-protected form, asks for consent, and sends the code with state and iss', async () => {
    const { params, state, nonce, verifier } = await request();
    const signInPage = await get(params);
    expect(signInPage.status).toBe(200);
    expectPageHeaders(signInPage);
    const html = await signInPage.text();
    expect(html).toContain('<form method="post" action="/oauth/authorize">');
    expect(html).not.toContain('<script');
    const csrfCookie = cookiesOf(signInPage);
    const form = hiddenFields(html);
    expect(form.get('csrf_token')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const withCredentials = (password: string, fields = form) => {
      const body = new URLSearchParams(fields);
      body.set('email', user.email);
      body.set('password', password);
      body.set('action', 'signin');
      return body;
    };
    const noToken = new URLSearchParams(form);
    noToken.delete('csrf_token');
    expect((await post(withCredentials(PASSWORD, noToken), csrfCookie)).status).toBe(403);
    expect((await post(withCredentials(PASSWORD), '')).status).toBe(403);
    const wrong = await post(withCredentials('not the password at all'), csrfCookie);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong email or password.');

    const signedIn = await post(withCredentials(PASSWORD), csrfCookie);
    expect(signedIn.status).toBe(303);
    expectPageHeaders(signedIn);
    expect(signedIn.headers.get('location')).toMatch(/^\/oauth\/authorize\?/);
    const sessionCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(sessionCookie).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    const cookie = sessionCookie.split(';')[0]!;

    const consent = await app.fetch(signedIn.headers.get('location')!, { headers: { cookie } });
    expect(consent.status).toBe(200);
    expectPageHeaders(consent);
    const consentHtml = await consent.text();
    expect(consentHtml).toContain(user.email);
    expect(consentHtml).toContain('Test App');
    const consentForm = hiddenFields(consentHtml);
    consentForm.set('action', 'allow');

    const foreignOrigin = await post(consentForm, cookie, 'https://attacker.example');
    expect(foreignOrigin.status).toBe(403);
    const forged = new URLSearchParams(consentForm);
    forged.set('csrf_token', form.get('csrf_token')!);
    expect((await post(forged, cookie)).status).toBe(403);

    const allowed = await post(consentForm, cookie);
    expect(allowed.status).toBe(303);
    const redirectTo = allowed.headers.get('location')!;
    expect(Object.fromEntries(new URL(redirectTo).searchParams)).toMatchObject({ state, iss: app.config.publicUrl, code: expect.any(String) });
    const tokens = await redeem(as, client, { redirectTo, state, nonce, verifier });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, email: user.email, nonce });
  });

  it('answers a denial with access_denied, state and iss', async () => {
    const login = await app.gql(`mutation($input: LoginInput!) { login(input: $input) { __typename } }`, {
      input: { email: user.email, password: PASSWORD, delivery: 'COOKIE' },
    });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    expect(cookie).toContain(SESSION_COOKIE);
    const { params, state } = await request();
    const consent = await get(params, cookie);
    const fields = hiddenFields(await consent.text());
    fields.set('action', 'deny');
    const denied = await post(fields, cookie);
    expect(denied.status).toBe(303);
    const location = new URL(denied.headers.get('location')!);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'access_denied', state, iss: app.config.publicUrl });
    expect(location.searchParams.has('code')).toBe(false);
  });
});
