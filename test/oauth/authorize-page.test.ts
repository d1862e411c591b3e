import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { discover, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

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

  // A browser posts one form's fields: those of the page's first form (the sign-in or the Allow form).
  const hiddenFields = (html: string) => new URLSearchParams(
    [...(html.match(/<form[\s\S]*?<\/form>/)?.[0] ?? '').matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c) => String.fromCharCode(Number(c)))]),
  );
  const cookiesOf = (response: Response) => response.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');

  function expectPageHeaders(response: Response) {
    const csp = response.headers.get('content-security-policy')!;
    for (const directive of ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) expect(csp).toContain(directive);
    expect(csp).not.toContain('script-src');
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

  /** Signs `who` in with a session cookie, as the first-party frontend would; returns the Cookie header. */
  async function cookieOf(who: SignedUp): Promise<string> {
    const login = await app.gql(`mutation($input: LoginInput!) { login(input: $input) { __typename } }`, {
      input: { email: who.email, password: PASSWORD, delivery: 'COOKIE' },
    });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    expect(cookie).toContain(SESSION_COOKIE);
    return cookie;
  }

  it('answers a denial with access_denied, state and iss', async () => {
    const cookie = await cookieOf(user);
    // The user allowed this app above: prompt=consent asks again all the same.
    const { params, state } = await request({ prompt: 'consent' });
    const consent = await get(params, cookie);
    const fields = hiddenFields(await consent.text());
    fields.set('action', 'deny');
    const denied = await post(fields, cookie);
    expect(denied.status).toBe(303);
    const location = new URL(denied.headers.get('location')!);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({ error: 'access_denied', state, iss: app.config.publicUrl });
    expect(location.searchParams.has('code')).toBe(false);
  });

  describe('consent remembered, prompt and max_age (OpenID Connect Core §3.1.2.1)', () => {
    const REVOKE_GRANT = 'mutation R($clientId: String!) { revokeOAuthGrant(clientId: $clientId) { __typename } }';
    const redirected = (response: Response) => {
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(client.redirectUri);
      return Object.fromEntries(location.searchParams);
    };
    /** Allows the request on the consent page the cookie's user is shown; returns where the browser goes. */
    async function allow(query: URLSearchParams, cookie: string): Promise<string> {
      const page = await get(query, cookie);
      expect(page.status).toBe(200);
      const fields = hiddenFields(await page.text());
      fields.set('action', 'allow');
      return (await post(fields, cookie)).headers.get('location')!;
    }

    it('skips the consent page for scopes the user already allowed, until the grant is revoked', async () => {
      const someone = await signUpUser(app);
      const cookie = await cookieOf(someone);
      // The grant exists once the app has redeemed its code.
      const first = await request({ scope: 'openid' });
      await redeem(as, client, { redirectTo: await allow(first.params, cookie), ...first });

      const again = await request({ scope: 'openid' });
      const answer = redirected(await get(again.params, cookie));
      expect(answer).toMatchObject({ state: again.state, iss: app.config.publicUrl, code: expect.any(String) });
      const tokens = await redeem(as, client, { redirectTo: `${client.redirectUri}?${new URLSearchParams(answer)}`, ...again });
      expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: someone.userId, nonce: again.nonce });

      expect((await get((await request({ scope: 'openid email' })).params, cookie)).status).toBe(200);
      expect((await get((await request({ scope: 'openid', prompt: 'consent' })).params, cookie)).status).toBe(200);
      await app.gql(REVOKE_GRANT, { clientId: client.clientId }, { bearer: someone.accessToken });
      expect((await get((await request({ scope: 'openid' })).params, cookie)).status).toBe(200);
    });

    it('answers prompt=none with login_required, then consent_required, and a code only when nothing needs asking', async () => {
      const someone = await signUpUser(app);
      const none = async (cookie?: string) => {
        const { params, state } = await request({ prompt: 'none' });
        const answer = redirected(await get(params, cookie));
        expect(answer).toMatchObject({ state, iss: app.config.publicUrl });
        return answer;
      };
      expect(await none()).toMatchObject({ error: 'login_required' });
      const cookie = await cookieOf(someone);
      expect(await none(cookie)).toMatchObject({ error: 'consent_required' });
      const granted = await request();
      await redeem(as, client, { redirectTo: await allow(granted.params, cookie), ...granted });
      expect(await none(cookie)).toMatchObject({ code: expect.any(String) });
      expect(redirected(await get((await request({ prompt: 'none login' })).params, cookie))).toMatchObject({ error: 'invalid_request' });
    });

    it('asks a signed-in user to sign in again for prompt=login, and for a max_age shorter than their session', async () => {
      const someone = await signUpUser(app);
      const cookie = await cookieOf(someone);
      const granted = await request();
      await redeem(as, client, { redirectTo: await allow(granted.params, cookie), ...granted });
      const signInShown = async (overrides: Record<string, string>) => {
        const page = await get((await request(overrides)).params, cookie);
        return page.status === 200 && (await page.text()).includes('name="password"');
      };
      expect(await signInShown({ prompt: 'login' })).toBe(true);
      expect(await signInShown({ max_age: '3600' })).toBe(false);
      await app.database.rows(sql`update sessions set created_at = now() - interval '2 hours' where user_id = ${someone.userId} and cookie_hash is not null`);
      expect(await signInShown({ max_age: '3600' })).toBe(true);
      expect(await signInShown({ max_age: '86400' })).toBe(false);
      expect(redirected(await get((await request({ max_age: 'soon' })).params, cookie))).toMatchObject({ error: 'invalid_request' });
    });

    it('puts the time the user signed in into the ID token as auth_time, not the time of the exchange', async () => {
      const someone = await signUpUser(app);
      const cookie = await cookieOf(someone);
      await app.database.rows(sql`update sessions set created_at = now() - interval '1 hour' where user_id = ${someone.userId} and cookie_hash is not null`);
      const authorization = await request();
      const redirectTo = await allow(authorization.params, cookie);
      const claims = oauth.getValidatedIdTokenClaims(await redeem(as, client, { redirectTo, ...authorization }))!;
      expect(Math.abs(Number(claims.auth_time) - (Date.now() / 1000 - 3600))).toBeLessThan(60);

      // Signing in again for prompt=login starts a new session: auth_time moves to now.
      const fresh = await request({ prompt: 'login' });
      const signIn = await get(fresh.params, cookie);
      const fields = hiddenFields(await signIn.text());
      fields.set('email', someone.email);
      fields.set('password', PASSWORD);
      fields.set('action', 'signin');
      const signedIn = await post(fields, `${cookie}; ${cookiesOf(signIn)}`);
      const newCookie = signedIn.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
      const back = await app.fetch(signedIn.headers.get('location')!, { redirect: 'manual', headers: { cookie: newCookie } });
      const code = redirected(back);
      const later = oauth.getValidatedIdTokenClaims(await redeem(as, client, {
        redirectTo: `${client.redirectUri}?${new URLSearchParams(code)}`, ...fresh,
      }))!;
      expect(Math.abs(Number(later.auth_time) - Date.now() / 1000)).toBeLessThan(60);
    });
  });
});
