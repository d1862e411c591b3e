import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, clientOf, discover, INSECURE, postForm, redeem, registerClient, basic, type RegisteredClient } from '../helpers/oauth.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const GRANTS = '{ oauthGrants { edges { node { clientId scopes offlineAccess } } } }';
const LOGOUT = 'mutation { logout { revokedSessions } }';
const VIEWER = '{ viewer { credential } }';

describe(`offline_access (OIDC Core §11) through oauth4webapi (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let admin: SignedUp;
  let client: RegisteredClient;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    as = await discover(app);
    client = await registerClient(app, admin.accessToken, { scopes: ['openid', 'email', 'profile', 'offline_access'] });
  });
  afterAll(async () => {
    await app?.close();
  });

  const refresh = async (token: string) => {
    const [c, auth] = clientOf(client);
    return oauth.refreshTokenGrantRequest(as, c, auth, token, INSECURE);
  };
  const processRefresh = async (response: Response) => oauth.processRefreshTokenResponse(as, clientOf(client)[0], response);

  it('is advertised in scopes_supported and accepted at registration', async () => {
    expect(as.scopes_supported).toEqual(['openid', 'profile', 'email', 'offline_access']);
    expect(client.clientId).toMatch(/^lk_/);
  });

  it('without offline_access, the grant ends with the session the user consented from', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client, { scope: 'openid email' }));
    expect(tokens.refresh_token).toBeDefined();
    expect((await app.gql(GRANTS, {}, { bearer: user.accessToken })).body.data.oauthGrants.edges)
      .toEqual([{ node: { clientId: client.clientId, scopes: ['openid', 'email'], offlineAccess: false } }]);

    // The user signs out of the session they consented from: the app's access ends with it, on the spot.
    expect((await app.gql(LOGOUT, {}, { bearer: user.accessToken })).body.data.logout).toEqual({ revokedSessions: 1 });
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).status).toBe(401);
    await expect(processRefresh(await refresh(tokens.refresh_token!))).rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await signInAgain(app, user);
    expect((await app.gql(GRANTS, {}, { bearer: again })).body.data.oauthGrants.edges).toEqual([]);
  });

  it('without offline_access, a refresh fails once the consenting session has expired (not only when revoked)', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client, { scope: 'openid' }));
    const once = await processRefresh(await refresh(tokens.refresh_token!));
    await app.database.rows(sql`update sessions set idle_expires_at = now() - interval '1 second' where id = ${user.sessionId}`);
    await expect(processRefresh(await refresh(once.refresh_token!))).rejects.toMatchObject({ error: 'invalid_grant' });
    const [c, auth] = clientOf(client);
    const answer = await oauth.processIntrospectionResponse(as, c, await oauth.introspectionRequest(as, c, auth, once.refresh_token!, INSECURE));
    expect(answer).toEqual({ active: false });
  });

  it('without offline_access, a code redeemed after the user signed out gives nothing', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, client, { scope: 'openid' });
    await app.gql(LOGOUT, {}, { bearer: user.accessToken });
    await expect(redeem(as, client, authorization)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('with offline_access, the grant outlives the session until revoked', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client, { scope: 'openid offline_access' }));
    expect(tokens.scope).toBe('openid offline_access');
    expect((await app.gql(GRANTS, {}, { bearer: user.accessToken })).body.data.oauthGrants.edges)
      .toEqual([{ node: { clientId: client.clientId, scopes: ['openid', 'offline_access'], offlineAccess: true } }]);

    await app.gql(LOGOUT, {}, { bearer: user.accessToken });
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN' });
    const refreshed = await processRefresh(await refresh(tokens.refresh_token!));
    expect(refreshed.scope).toBe('openid offline_access');
    expect(oauth.getValidatedIdTokenClaims(refreshed)).toMatchObject({ sub: user.userId });

    // Revocation (RFC 7009) still ends it, refresh token and access token alike.
    const [c, auth] = clientOf(client);
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token!, INSECURE));
    await expect(processRefresh(await refresh(refreshed.refresh_token!))).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await app.gql(VIEWER, {}, { bearer: refreshed.access_token })).status).toBe(401);
  });

  it('is refused to a client not registered with it, and never given to client_credentials', async () => {
    const plain = await registerClient(app, admin.accessToken, { scopes: ['openid'] });
    const user = await signUpUser(app);
    const { body } = await app.gql(/* GraphQL */ `mutation A($input: AuthorizeOAuthClientInput!) {
      authorizeOAuthClient(input: $input) { __typename ... on OAuthError { error } } }`, {
      input: {
        clientId: plain.clientId, redirectUri: plain.redirectUri, scope: 'openid offline_access',
        codeChallenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), codeChallengeMethod: 'S256',
      },
    }, { bearer: user.accessToken });
    expect(body.data.authorizeOAuthClient).toEqual({ __typename: 'OAuthError', error: 'invalid_scope' });

    const cc = await postForm(app, '/oauth/token', { grant_type: 'client_credentials', scope: 'offline_access' }, basic(client));
    expect(cc.status).toBe(400);
    expect(await cc.json()).toMatchObject({ error: 'invalid_scope' });
  });
});

/** Signs the same user in again (a new session), to look at their grants after the first session ended. */
async function signInAgain(app: TestApp, user: SignedUp): Promise<string> {
  const { body } = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } });
  return body.data.login.tokens.accessToken as string;
}
