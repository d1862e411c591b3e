import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/sessions/cookie.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { freePort } from '../helpers/server-process.ts';
import { signInAtProvider, startUpstream, type Upstream } from '../helpers/upstream.ts';
import { uniqueEmail } from '../helpers/users.ts';
import { CONFIRM_TOTP, START_TOTP, VERIFY } from '../helpers/factors.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';

const START = 'mutation S($input: StartSocialLoginInput!) { startSocialLogin(input: $input) { __typename ... on SocialLoginStart { authorizationUrl } } }';
const FRONTEND_URL = 'https://app.example';

// The helper route of the contract: the provider sends the browser back to Latchkey itself, which
// completes the sign-in, sets the session cookie and sends the browser on to the front end.
describe(`GET /auth/callback/:provider (${ENGINE})`, () => {
  let upstream: Upstream;
  let app: TestApp;
  let callback: string;

  beforeAll(async () => {
    // The provider must know the redirect URI before Latchkey starts: PUBLIC_URL is fixed up front.
    const publicUrl = `http://localhost:${await freePort()}`;
    callback = `${publicUrl}/auth/callback/acme`;
    upstream = await startUpstream({ claimsOnlyAtUserinfo: false, redirectUris: [callback] });
    app = await startTestApp({
      env: {
        PUBLIC_URL: publicUrl, FRONTEND_URL,
        OIDC_PROVIDERS: JSON.stringify([{ id: 'acme', name: 'Acme', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret }]),
      },
    });
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await upstream?.close();
  });

  /** Starts at Latchkey with its own callback, signs in at the provider, and returns the query it sends back. */
  async function providerAnswer(email: string): Promise<URLSearchParams> {
    const login = `u-${email.split('@')[0]}`;
    upstream.addAccount(login, { email, emailVerified: true });
    const { body } = await app.gql(START, { input: { provider: 'acme', redirectUri: callback } });
    expect(body.data.startSocialLogin.__typename).toBe('SocialLoginStart');
    const answer = await signInAtProvider(body.data.startSocialLogin.authorizationUrl, login);
    expect(answer.iss).toBe(upstream.issuer);
    return new URLSearchParams({ code: answer.code!, state: answer.state!, iss: answer.iss! });
  }
  const back = (query: URLSearchParams) => app.fetch(`/auth/callback/acme?${query}`, { redirect: 'manual' });

  it('signs the user in with a session cookie and sends the browser on to the front end', async () => {
    const email = uniqueEmail('callback');
    const response = await back(await providerAnswer(email));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${FRONTEND_URL}/?signed_in=acme`);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
    expect(setCookie).toMatch(/HttpOnly; Secure; SameSite=Lax/);
    const { body } = await app.gql('{ viewer { credential user { email } } }', {}, { cookie: setCookie.split(';')[0]! });
    expect(body.data.viewer).toEqual({ credential: 'SESSION_COOKIE', user: { email } });
  });

  it('holds a sign-in of an account with a second factor: no cookie, a challenge for verifySecondFactor', async () => {
    const email = uniqueEmail('callback-2fa');
    const first = await back(await providerAnswer(email));
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const started = (await app.gql(START_TOTP, {}, { cookie })).body.data.startTotpEnrolment;
    await awayFromStepEdge();
    expect((await app.gql(CONFIRM_TOTP, { code: codeAt(started.secret, -1) }, { cookie })).body.data.confirmTotp.__typename).toBe('RecoveryCodes');

    const response = await back(await providerAnswer(email));
    expect(response.status).toBe(303);
    expect(response.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).toBe(false);
    const location = new URL(response.headers.get('location')!);
    expect(location.searchParams.has('signed_in')).toBe(false);
    const challenge = location.searchParams.get('second_factor_challenge')!;
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const verified = await app.gql(VERIFY, { input: { challenge, totp: codeAt(started.secret) } });
    expect(verified.body.data.verifySecondFactor).toMatchObject({ __typename: 'CookieAuthPayload', session: { id: expect.any(String) } });
    expect(verified.body.data.verifySecondFactor).not.toHaveProperty('tokens');
    const sessionCookie = verified.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0]!;
    const { body } = await app.gql('{ viewer { credential user { email } } }', {}, { cookie: sessionCookie });
    expect(body.data.viewer).toEqual({ credential: 'SESSION_COOKIE', user: { email } });
  });

  it('sends a replayed or forged answer on with an error code, and sets no cookie', async () => {
    const answer = await providerAnswer(uniqueEmail('replay'));
    expect((await back(answer)).status).toBe(303);
    for (const query of [answer, new URLSearchParams({ code: 'made-up', state: 'made-up-state-made-up-state-made-up-state00' }), new URLSearchParams({ error: 'access_denied' })]) {
      const response = await back(query);
      expect(response.status).toBe(303);
      expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe(query.has('error') ? 'access_denied' : 'INVALID_TOKEN');
      expect(response.headers.getSetCookie()).toEqual([]);
    }
    expect((await app.fetch('/auth/callback/acme', { method: 'POST' })).status).toBe(405);
    const malformed = await app.fetch('/auth/callback/%E0?code=x&state=y', { redirect: 'manual' });
    expect(malformed.status).toBe(303);
    expect(new URL(malformed.headers.get('location')!).searchParams.get('error')).toBe('INVALID_TOKEN');
  });

  it('accepts only its own callback of the same provider as a redirect URI besides ALLOWED_ORIGINS', async () => {
    for (const redirectUri of [`${callback}x`, callback.replace('acme', 'other'), 'https://elsewhere.example/auth/callback/acme']) {
      const { body } = await app.gql(START, { input: { provider: 'acme', redirectUri } });
      expect(body.data.startSocialLogin.__typename).toBe('ValidationError');
    }
  });
});
