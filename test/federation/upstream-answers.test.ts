import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { freePort } from '../helpers/server-process.ts';
import { FRONT_END, REDIRECT_URI, signInAtProvider, startUpstream, type Upstream } from '../helpers/upstream.ts';
import { uniqueEmail } from '../helpers/users.ts';

const START = 'mutation S($input: StartSocialLoginInput!) { startSocialLogin(input: $input) { __typename ... on SocialLoginStart { authorizationUrl state } } }';
const COMPLETE = `mutation C($input: CompleteSocialLoginInput!) { completeSocialLogin(input: $input) {
  __typename ... on AuthPayload { user { email } } ... on OAuthError { error message } } }`;

// What Latchkey accepts back from an upstream provider: RFC 9207 `iss` and the ID token's `iat`.
describe(`answers from upstream providers (${ENGINE})`, () => {
  let acme: Upstream;
  let fast: Upstream;
  let app: TestApp;
  let publicUrl: string;

  beforeAll(async () => {
    publicUrl = `http://localhost:${await freePort()}`;
    const callbacks = [`${publicUrl}/auth/callback/acme`, `${publicUrl}/auth/callback/fast`];
    acme = await startUpstream({ claimsOnlyAtUserinfo: false, redirectUris: callbacks });
    // A provider whose clock runs an hour ahead: its ID tokens are issued in our future.
    fast = await startUpstream({ claimsOnlyAtUserinfo: false, redirectUris: callbacks, idTokenClockAheadSeconds: 3600 });
    const provider = (id: string, upstream: Upstream) =>
      ({ id, name: id, issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret });
    app = await startTestApp({
      env: {
        PUBLIC_URL: publicUrl, FRONTEND_URL: FRONT_END, ALLOWED_ORIGINS: FRONT_END,
        OIDC_PROVIDERS: JSON.stringify([provider('acme', acme), provider('fast', fast)]),
      },
    });
  }, 90_000);
  afterAll(async () => {
    await app?.close();
    await acme?.close();
    await fast?.close();
  });

  /** Starts a sign-in for a new account at `provider`, signs in there, and returns its answer and the account's email. */
  async function answerFrom(provider: 'acme' | 'fast', redirectUri: string) {
    const email = uniqueEmail(provider);
    const login = `u-${email.split('@')[0]}`;
    (provider === 'acme' ? acme : fast).addAccount(login, { email, emailVerified: true });
    const { body } = await app.gql(START, { input: { provider, redirectUri } });
    const answer = await signInAtProvider(body.data.startSocialLogin.authorizationUrl, login);
    expect(answer.state).toBe(body.data.startSocialLogin.state);
    return { email, code: answer.code!, state: answer.state!, iss: answer.iss };
  }
  const accounts = async (email: string) => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from users where email = ${email}`))[0]!.n;

  it('is told by the provider that its answers carry iss', async () => {
    const metadata = await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json();
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
  });

  it.each([
    ['a foreign iss', () => 'https://attacker.example'],
    ['the issuer with a trailing slash', () => `${acme.issuer}/`],
    ['no iss at all', () => null],
  ])('refuses at /auth/callback an answer with %s: no cookie, no account', async (_what, iss) => {
    const answer = await answerFrom('acme', `${publicUrl}/auth/callback/acme`);
    expect(answer.iss).toBe(acme.issuer);
    const query = new URLSearchParams({ code: answer.code, state: answer.state });
    const sent = iss();
    if (sent !== null) query.set('iss', sent);
    const response = await app.fetch(`/auth/callback/acme?${query}`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('OAUTH_ERROR');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await accounts(answer.email)).toBe(0);
  });

  it('checks the iss a frontend forwards to completeSocialLogin', async () => {
    const foreign = await answerFrom('acme', REDIRECT_URI);
    const refused = await app.gql(COMPLETE, { input: { provider: 'acme', code: foreign.code, state: foreign.state, iss: 'https://attacker.example' } });
    expect(refused.body.data.completeSocialLogin).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
    expect(await accounts(foreign.email)).toBe(0);

    const right = await answerFrom('acme', REDIRECT_URI);
    const signedIn = await app.gql(COMPLETE, { input: { provider: 'acme', code: right.code, state: right.state, iss: right.iss } });
    expect(signedIn.body.data.completeSocialLogin).toEqual({ __typename: 'AuthPayload', user: { email: right.email } });
  });

  it('neither creates nor signs in an account with an ID token issued an hour in the future', async () => {
    const viaGraphql = await answerFrom('fast', REDIRECT_URI);
    const refused = await app.gql(COMPLETE, { input: { provider: 'fast', code: viaGraphql.code, state: viaGraphql.state, iss: viaGraphql.iss } });
    expect(refused.body.data.completeSocialLogin).toMatchObject({ __typename: 'OAuthError', error: 'invalid_grant' });
    expect(refused.body.data.completeSocialLogin.message).toMatch(/future/);
    expect(await accounts(viaGraphql.email)).toBe(0);

    const viaCallback = await answerFrom('fast', `${publicUrl}/auth/callback/fast`);
    const query = new URLSearchParams({ code: viaCallback.code, state: viaCallback.state, iss: viaCallback.iss! });
    const response = await app.fetch(`/auth/callback/fast?${query}`, { redirect: 'manual' });
    expect(new URL(response.headers.get('location')!).searchParams.get('error')).toBe('OAUTH_ERROR');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await accounts(viaCallback.email)).toBe(0);
  });
});
