import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { AUTHORIZE, clientOf, INSECURE, parClients, pushRequest, type RegisteredClient } from '../helpers/oauth.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

// A first-party frontend runs the consent step over GraphQL (authorizeOAuthClient) for a client that
// pushed its request with oauth4webapi (RFC 9126 §4): the pushed parameters are the request.
describe(`authorizeOAuthClient with a pushed request, RFC 9126 (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let client: RegisteredClient;
  let strict: RegisteredClient;
  let user: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    ({ as, client, strict } = await parClients(app));
    user = await signUpUser(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  async function push(target: RegisteredClient, extra: Record<string, string> = {}) {
    const nonce = oauth.generateRandomNonce();
    const { verifier, state, pushed } = await pushRequest(as, target, { nonce, ...extra });
    return { verifier, state, nonce, requestUri: pushed.request_uri };
  }
  const consent = async (input: Record<string, unknown>) => (await app.gql(AUTHORIZE, { input }, { bearer: user.accessToken })).body.data.authorizeOAuthClient;

  it('runs the code flow from a pushed request: the pushed parameters are the request, whatever is sent alongside', async () => {
    const { verifier, state, nonce, requestUri } = await push(strict);
    const allowed = await consent({ clientId: strict.clientId, requestUri, scope: 'openid profile email', state: 'sent alongside' });
    expect(allowed.__typename).toBe('OAuthAuthorization');
    const [c, auth] = clientOf(strict);
    const params = oauth.validateAuthResponse(as, c, new URL(allowed.redirectTo), state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, params, strict.redirectUri, verifier, INSECURE), { expectedNonce: nonce, requireIdToken: true });
    expect(tokens.scope).toBe('openid email');
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, nonce });
  });

  it('takes a request_uri once: used again it is invalid_request, with no redirect', async () => {
    const { requestUri } = await push(client);
    expect((await consent({ clientId: client.clientId, requestUri })).__typename).toBe('OAuthAuthorization');
    expect(await consent({ clientId: client.clientId, requestUri })).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request', errorRedirectTo: null });
  });

  it('refuses another client\'s request_uri, which stays usable by its own client', async () => {
    const { requestUri } = await push(client);
    expect(await consent({ clientId: strict.clientId, requestUri })).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request', errorRedirectTo: null });
    expect((await consent({ clientId: client.clientId, requestUri })).__typename).toBe('OAuthAuthorization');
  });

  it('refuses an expired request_uri, and one that is not ours', async () => {
    const { requestUri } = await push(client);
    await app.database.rows(sql`update oauth_pushed_requests set expires_at = now() - interval '1 second' where client_id = ${client.clientId}`);
    expect(await consent({ clientId: client.clientId, requestUri })).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
    expect(await consent({ clientId: client.clientId, requestUri: 'https://app.example/request' })).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
  });

  it('refuses a client that requires PAR when the request comes without requestUri, back at its redirect URI', async () => {
    const refused = await consent({
      clientId: strict.clientId, redirectUri: strict.redirectUri, scope: 'openid', state: 's',
      codeChallenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), codeChallengeMethod: 'S256',
    });
    expect(refused).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
    const back = new URL(refused.errorRedirectTo);
    expect(`${back.origin}${back.pathname}`).toBe(strict.redirectUri);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_request', state: 's', iss: app.config.publicUrl });
  });

  it('without requestUri still needs the request\'s own parameters', async () => {
    expect(await consent({ clientId: client.clientId, redirectUri: client.redirectUri, scope: 'openid' }))
      .toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
  });

  it('answers login_required when the pushed request asks for a second factor or a fresher sign-in than the session has', async () => {
    for (const extra of [{ acr_values: 'urn:latchkey:acr:mfa' }, { max_age: '0' }] as Record<string, string>[]) {
      const { requestUri, state } = await push(client, extra);
      const refused = await consent({ clientId: client.clientId, requestUri });
      expect(refused).toMatchObject({ __typename: 'OAuthError', error: 'login_required' });
      expect(Object.fromEntries(new URL(refused.errorRedirectTo).searchParams)).toMatchObject({ error: 'login_required', state });
    }
  });
});
