import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, clientOf, discover, INSECURE, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpAdmin, signUpUser, uniqueEmail } from '../helpers/users.ts';

const POST_LOGOUT = 'http://127.0.0.1:9/signed-out';
const VIEWER = '{ viewer { credential } }';
const COOKIE_LOGIN = /* GraphQL */ `
  mutation CookieLogin($email: String!, $password: String!) {
    login(input: { email: $email, password: $password, delivery: COOKIE }) { __typename }
  }`;

// RP-Initiated Logout 1.0: the relying party builds the logout URL from the discovered end_session_endpoint.
describe(`RP-Initiated Logout 1.0 (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let client: RegisteredClient;
  let other: RegisteredClient;

  beforeAll(async () => {
    app = await startTestApp();
    const admin = await signUpAdmin(app);
    as = await discover(app);
    client = await registerClient(app, admin.accessToken, { postLogoutRedirectUris: [POST_LOGOUT] });
    other = await registerClient(app, admin.accessToken, { postLogoutRedirectUris: ['http://127.0.0.1:9/other'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  const logoutUrl = (params: Record<string, string>) => {
    const url = new URL(as.end_session_endpoint!);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url;
  };
  const visit = (url: URL, cookie?: string) => app.fetch(url.pathname + url.search, { redirect: 'manual', headers: cookie === undefined ? {} : { cookie } });
  const refreshFails = async (refreshToken: string) => {
    const [c, auth] = clientOf(client);
    await expect(oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, refreshToken, INSECURE)))
      .rejects.toMatchObject({ error: 'invalid_grant' });
  };
  async function cookieSession() {
    const user = await signUpUser(app, uniqueEmail());
    const response = await app.gql(COOKIE_LOGIN, { email: user.email, password: PASSWORD });
    const value = /^__Host-latchkey-session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')![1]!;
    return { user, cookie: `__Host-latchkey-session=${value}` };
  }

  it('is advertised as end_session_endpoint', () => {
    expect(as.end_session_endpoint).toBe(`${app.config.publicUrl}/oauth/logout`);
  });

  it('ends the grant the id_token_hint names and returns to the registered URI with state', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client));
    const state = oauth.generateRandomState();
    const response = await visit(logoutUrl({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT, state }));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`${POST_LOGOUT}?state=${state}`);
    await refreshFails(tokens.refresh_token!);
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).status).toBe(401);
    // The user's own sign-in is another session: it goes on.
    expect((await app.gql(VIEWER, {}, { bearer: user.accessToken })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN' });
  });

  it('signs the browser out at once with a hint for the signed-in user, and ends the grants that end with that session', async () => {
    const { user, cookie } = await cookieSession();
    const consent = await app.gql(/* GraphQL */ `mutation A($input: AuthorizeOAuthClientInput!) {
      authorizeOAuthClient(input: $input) { ... on OAuthAuthorization { redirectTo } } }`, {
      input: {
        clientId: client.clientId, redirectUri: client.redirectUri, scope: 'openid', state: 's', nonce: 'n',
        codeChallenge: await oauth.calculatePKCECodeChallenge('v'.repeat(43)), codeChallengeMethod: 'S256',
      },
    }, { cookie });
    const redirectTo = consent.body.data?.authorizeOAuthClient?.redirectTo as string | undefined;
    expect(redirectTo).toBeDefined();
    const tokens = await redeem(as, client, { redirectTo: redirectTo!, state: 's', nonce: 'n', verifier: 'v'.repeat(43) });
    const otherTokens = await redeem(as, other, await authorize(app, user.accessToken, other, { scope: 'openid' }));

    const response = await visit(logoutUrl({ id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT }), cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(POST_LOGOUT);
    expect(response.headers.get('set-cookie')).toMatch(/^__Host-latchkey-session=; /);
    expect((await app.gql(VIEWER, {}, { cookie })).status).toBe(401);
    await refreshFails(tokens.refresh_token!);
    // A grant given from another session (here the user's token sign-in) is not this browser's: it goes on.
    expect((await app.gql(VIEWER, {}, { bearer: otherTokens.access_token })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN' });
  });

  it('asks the signed-in user to confirm when there is no hint, and signs out only on a POST with the form token', async () => {
    const { cookie } = await cookieSession();
    const page = await visit(logoutUrl({ client_id: client.clientId, post_logout_redirect_uri: POST_LOGOUT, state: 'xyz' }), cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const markup = await page.text();
    expect(markup).toContain('Sign out?');
    expect((await app.gql(VIEWER, {}, { cookie })).body.data.viewer).toEqual({ credential: 'SESSION_COOKIE' });

    const fields = Object.fromEntries([...markup.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    const post = (body: Record<string, string>) => app.fetch('/oauth/logout', {
      method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString(),
    });
    expect((await post({ ...fields, csrf_token: 'forged', action: 'logout' })).status).toBe(403);
    expect((await app.gql(VIEWER, {}, { cookie })).body.data.viewer).toEqual({ credential: 'SESSION_COOKIE' });
    const done = await post({ ...fields, action: 'logout' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${POST_LOGOUT}?state=xyz`);
    expect((await app.gql(VIEWER, {}, { cookie })).status).toBe(401);
  });

  it('never redirects to an unregistered URI, another client\'s URI, or with a forged or foreign hint', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client));
    const [header, payload] = tokens.id_token!.split('.');
    const forged = `${header}.${payload}.${Buffer.alloc(384).toString('base64url')}`;
    const cases: Record<string, string>[] = [
      { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/elsewhere' },
      { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/other' },
      { id_token_hint: tokens.id_token!, client_id: other.clientId },
      { id_token_hint: forged, post_logout_redirect_uri: POST_LOGOUT },
      { post_logout_redirect_uri: POST_LOGOUT },
    ];
    for (const params of cases) {
      const response = await visit(logoutUrl(params));
      expect(response.status, JSON.stringify(params)).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    }
    // None of those ended anything.
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN' });
  });

  it('registers post-logout redirect URIs under the redirect URI rules', async () => {
    const admin = await signUpAdmin(app);
    const { body } = await app.gql(/* GraphQL */ `mutation R($input: RegisterOAuthClientInput!) {
      registerOAuthClient(input: $input) { __typename ... on ValidationError { field } } }`, {
      input: { name: 'Bad', redirectUris: ['https://app.example/cb'], scopes: ['openid'], public: true, postLogoutRedirectUris: ['http://app.example/bye'] },
    }, { bearer: admin.accessToken });
    expect(body.data.registerOAuthClient).toEqual({ __typename: 'ValidationError', field: 'postLogoutRedirectUris' });
  });
});
