import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey, CREATE_KEY } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, basic, clientOf, discover, INSECURE, postForm, redeem, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const VIEWER = '{ viewer { credential user { id } } }';

describe(`OAuth 2.0 and OpenID Connect through oauth4webapi (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let admin: SignedUp;
  let confidential: RegisteredClient;
  let publicClient: RegisteredClient;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    as = await discover(app);
    confidential = await registerClient(app, admin.accessToken);
    publicClient = await registerClient(app, admin.accessToken, { public: true, name: 'Mobile App' });
  });
  afterAll(async () => {
    await app?.close();
  });

  const introspect = async (token: string) => {
    const [c, auth] = clientOf(confidential);
    const response = await oauth.introspectionRequest(as, c, auth, token, INSECURE);
    return oauth.processIntrospectionResponse(as, c, response);
  };

  it('publishes one consistent document at both discovery paths', async () => {
    const [rfc8414, openid] = await Promise.all(
      ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'].map(async (path) => (await app.fetch(path)).json()),
    );
    expect(rfc8414).toEqual(openid);
    expect(as).toMatchObject({
      issuer: app.config.publicUrl,
      authorization_endpoint: `${app.config.publicUrl}/oauth/authorize`,
      token_endpoint: `${app.config.publicUrl}/oauth/token`,
      jwks_uri: `${app.config.publicUrl}/.well-known/jwks.json`,
      code_challenge_methods_supported: ['S256'],
      id_token_signing_alg_values_supported: ['RS256'],
      authorization_response_iss_parameter_supported: true,
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    });
    const jwks = (await (await app.fetch('/.well-known/jwks.json')).json()) as { keys: { alg: string; kty: string; n?: string }[] };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['EdDSA', 'RS256']);
    expect(Buffer.from(jwks.keys.find((k) => k.alg === 'RS256')!.n!, 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
  });

  it('runs the confidential flow: code with PKCE, ID token, access token, userinfo, refresh rotation, introspection, revocation', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, confidential);
    const redirect = new URL(authorization.redirectTo);
    expect(redirect.origin + redirect.pathname).toBe(confidential.redirectUri);
    expect(redirect.searchParams.get('iss')).toBe(app.config.publicUrl);
    expect(redirect.searchParams.get('state')).toBe(authorization.state);

    const tokens = await redeem(as, confidential, authorization);
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'openid profile email', expires_in: 900 });
    const idClaims = oauth.getValidatedIdTokenClaims(tokens)!;
    expect(idClaims).toMatchObject({ iss: app.config.publicUrl, aud: confidential.clientId, sub: user.userId, nonce: authorization.nonce, email: user.email });
    expect(JSON.parse(Buffer.from(tokens.id_token!.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'JWT' });

    // The access token is the RFC 9068 profile, for the API (aud) and naming the client.
    const accessClaims = await oauth.validateJwtAccessToken(as, new Request('http://localhost/graphql', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    }), app.config.publicUrl, INSECURE);
    expect(accessClaims).toMatchObject({ sub: user.userId, client_id: confidential.clientId, scope: 'openid profile email' });
    // An ID token is never an access token.
    expect((await app.gql(VIEWER, {}, { bearer: tokens.id_token! })).status).toBe(401);

    const [c, auth] = clientOf(confidential);
    const info = await oauth.processUserInfoResponse(as, c, user.userId, await oauth.userInfoRequest(as, c, tokens.access_token, INSECURE));
    expect(info).toMatchObject({ sub: user.userId, email: user.email, email_verified: false });

    const refreshed = await oauth.processRefreshTokenResponse(as, c,
      await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token!, INSECURE));
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    // OIDC Core §12.2: a new ID token, validated by oauth4webapi, for the same user and the same sign-in.
    const refreshedId = oauth.getValidatedIdTokenClaims(refreshed)!;
    expect(refreshedId).toMatchObject({ iss: app.config.publicUrl, aud: confidential.clientId, sub: user.userId, auth_time: idClaims.auth_time });
    expect(refreshedId).not.toHaveProperty('nonce');
    expect(await introspect(tokens.refresh_token!)).toMatchObject({ active: false });
    expect(await introspect(refreshed.refresh_token!)).toMatchObject({ active: true, client_id: confidential.clientId, sub: user.userId });
    const accessAnswer = await introspect(refreshed.access_token);
    expect(accessAnswer).toMatchObject({
      active: true, client_id: confidential.clientId, sub: user.userId, scope: 'openid profile email', token_type: 'Bearer',
    });
    // RFC 7662 §2.2: an active answer says when the token was issued.
    expect(accessAnswer.iat).toBe(JSON.parse(Buffer.from(refreshed.access_token.split('.')[1]!, 'base64url').toString()).iat);
    const refreshAnswer = await introspect(refreshed.refresh_token!);
    expect(Math.abs(Number(refreshAnswer.iat) - Date.now() / 1000)).toBeLessThan(60);

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, c, auth, refreshed.refresh_token!, INSECURE));
    expect(await introspect(refreshed.refresh_token!)).toEqual({ active: false });
    expect(await introspect(refreshed.access_token)).toEqual({ active: false });
    const refused = await app.gql(VIEWER, {}, { bearer: refreshed.access_token });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    const userinfo = await app.fetch('/oauth/userinfo', { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(userinfo.status).toBe(401);
    expect(userinfo.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
  });

  it('runs the flow for a public client with PKCE and no secret, and refuses it client_credentials', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, publicClient, await authorize(app, user.accessToken, publicClient, { scope: 'openid' }));
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ aud: publicClient.clientId, sub: user.userId });
    expect(oauth.getValidatedIdTokenClaims(tokens)).not.toHaveProperty('email');
    const [c, auth] = clientOf(publicClient);
    const rotated = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token!, INSECURE));
    expect(rotated.access_token).toBeDefined();

    const cc = await postForm(app, '/oauth/token', { grant_type: 'client_credentials', client_id: publicClient.clientId });
    expect(cc.status).toBe(400);
    expect(await cc.json()).toMatchObject({ error: 'unauthorized_client' });
    // A public client's refresh token is not the confidential client's.
    const foreign = await postForm(app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: rotated.refresh_token! }, basic(confidential));
    expect(await foreign.json()).toMatchObject({ error: 'invalid_grant' });
    // Nor is it a first-party refresh token: the GraphQL refresh mutation does not know it...
    const viaGraphql = await app.gql('mutation R($t: String!) { refresh(input: { refreshToken: $t }) { __typename } }', { t: rotated.refresh_token! });
    expect(viaGraphql.body.data.refresh.__typename).toBe('InvalidTokenError');
    // ...and did not spend it: the client still rotates it at the token endpoint.
    const again = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, rotated.refresh_token!, INSECURE));
    expect(again.refresh_token).toBeDefined();
  });

  it('gives a narrower access token on refresh when asked, keeps the grant whole, and refuses a wider one', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, confidential, await authorize(app, user.accessToken, confidential));
    const refresh = (token: string, scope: string) =>
      postForm(app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token, scope }, basic(confidential));
    const narrow = await refresh(tokens.refresh_token!, 'openid');
    expect(narrow.status).toBe(200);
    const narrowed = await narrow.json();
    expect(narrowed.scope).toBe('openid');
    const userinfo = async (token: string) =>
      (await app.fetch('/oauth/userinfo', { headers: { authorization: `Bearer ${token}` } })).json();
    expect(await userinfo(narrowed.access_token)).not.toHaveProperty('email');
    const whole = await (await postForm(app, '/oauth/token', { grant_type: 'refresh_token', refresh_token: narrowed.refresh_token }, basic(confidential))).json();
    expect(whole.scope).toBe('openid profile email');
    expect(await userinfo(whole.access_token)).toMatchObject({ email: user.email });
    const wider = await refresh(whole.refresh_token, 'openid apikeys:manage');
    expect(wider.status).toBe(400);
    expect(await wider.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('refuses a replayed code and revokes the tokens issued from it', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, confidential);
    const tokens = await redeem(as, confidential, authorization);
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { id: user.userId } });

    const code = new URL(authorization.redirectTo).searchParams.get('code')!;
    const replay = await postForm(app, '/oauth/token', {
      grant_type: 'authorization_code', code, redirect_uri: confidential.redirectUri, code_verifier: authorization.verifier,
    }, basic(confidential));
    expect(replay.status).toBe(400);
    expect(replay.headers.get('cache-control')).toBe('no-store');
    expect(replay.headers.get('pragma')).toBe('no-cache');
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });

    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).status).toBe(401);
    expect(await introspect(tokens.refresh_token!)).toEqual({ active: false });
    const events = await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${user.userId}`);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['oauth.grant_given', 'oauth.code_replayed']));
  });

  // test/oauth/code-replay.test.ts races this many times and checks that nothing issued survives.
  it('redeems a code raced by ten requests at most once', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, confidential);
    const code = new URL(authorization.redirectTo).searchParams.get('code')!;
    const responses = await Promise.all(Array.from({ length: 10 }, () => postForm(app, '/oauth/token', {
      grant_type: 'authorization_code', code, redirect_uri: confidential.redirectUri, code_verifier: authorization.verifier,
    }, basic(confidential))));
    expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
    expect(responses.filter((r) => r.status === 400).length).toBeGreaterThanOrEqual(9);
  });

  it('refuses a wrong verifier, a wrong secret, a foreign redirect URI and the plain method', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, confidential);
    const code = new URL(authorization.redirectTo).searchParams.get('code')!;
    const exchange = (headers: Record<string, string>, verifier = authorization.verifier) => postForm(app, '/oauth/token', {
      grant_type: 'authorization_code', code, redirect_uri: confidential.redirectUri, code_verifier: verifier,
    }, headers);

    const wrongSecret = await exchange(basic(confidential, 'not-the-secret-at-all-not-the-secret-at-all'));
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrongSecret.json()).toMatchObject({ error: 'invalid_client' });

    const wrongVerifier = await exchange(basic(confidential), oauth.generateRandomCodeVerifier());
    expect(await wrongVerifier.json()).toMatchObject({ error: 'invalid_grant' });

    const plain = await app.gql(`mutation($input: AuthorizeOAuthClientInput!) { authorizeOAuthClient(input: $input) {
      __typename ... on OAuthError { error redirectTo } } }`, {
      input: {
        clientId: confidential.clientId, redirectUri: confidential.redirectUri, scope: 'openid', state: 'st',
        codeChallenge: authorization.verifier, codeChallengeMethod: 'plain',
      },
    }, { bearer: user.accessToken });
    const refusal = plain.body.data.authorizeOAuthClient;
    expect(refusal).toMatchObject({ __typename: 'OAuthError', error: 'invalid_request' });
    const back = new URL(refusal.redirectTo);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: 'invalid_request', state: 'st', iss: app.config.publicUrl });
    expect(back.searchParams.has('code')).toBe(false);

    const foreign = await app.gql(`mutation($input: AuthorizeOAuthClientInput!) { authorizeOAuthClient(input: $input) {
      __typename ... on OAuthError { error redirectTo } } }`, {
      input: {
        clientId: confidential.clientId, redirectUri: 'https://attacker.example/callback', scope: 'openid',
        codeChallenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), codeChallengeMethod: 'S256',
      },
    }, { bearer: user.accessToken });
    expect(foreign.body.data.authorizeOAuthClient).toEqual({ __typename: 'OAuthError', error: 'invalid_request', redirectTo: null });
  });

  it('issues user-less client_credentials tokens that open no user field', async () => {
    const [c, auth] = clientOf(confidential);
    const tokens = await oauth.processClientCredentialsResponse(as, c,
      await oauth.clientCredentialsGrantRequest(as, c, auth, new URLSearchParams({ scope: 'profile' }), INSECURE));
    expect(tokens.refresh_token).toBeUndefined();
    const claims = await oauth.validateJwtAccessToken(as, new Request('http://localhost/', {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    }), app.config.publicUrl, INSECURE);
    expect(claims).toMatchObject({ sub: confidential.clientId, client_id: confidential.clientId, scope: 'profile' });

    const viewer = await app.gql('{ viewer { credential user { id } } }', {}, { bearer: tokens.access_token });
    expect(viewer.body).toEqual({ data: { viewer: { credential: 'ANONYMOUS', user: null } } });
    const sessions = await app.gql('{ sessions { edges { node { id } } } }', {}, { bearer: tokens.access_token });
    expect(sessions.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.fetch('/oauth/userinfo', { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(403);

    const withOpenid = await postForm(app, '/oauth/token', { grant_type: 'client_credentials', scope: 'openid' }, basic(confidential));
    expect(await withOpenid.json()).toMatchObject({ error: 'invalid_scope' });
  });

  it('never lets a third-party token manage API keys, sessions or clients', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, confidential, await authorize(app, user.accessToken, confidential));
    const bearer = tokens.access_token;
    const forbidden = async (query: string, variables: Record<string, unknown> = {}) => {
      const { body } = await app.gql(query, variables, { bearer });
      expect(body.errors?.[0]?.extensions?.code, query).toBe('FORBIDDEN');
    };
    await forbidden(CREATE_KEY, { input: { name: 'stolen' } });
    await forbidden('{ apiKeys { edges { node { id } } } }');
    await forbidden('{ sessions { edges { node { id } } } }');
    await forbidden(`mutation { revokeSession(id: "${user.sessionId}") { __typename } }`);
    await forbidden('mutation { logout(input: { everywhere: true }) { revokedSessions } }');
    await forbidden('{ oauthClients { edges { node { id } } } }');
    await forbidden('{ oauthGrants { edges { node { clientId } } } }');
    await forbidden(`mutation { revokeOAuthGrant(clientId: "${confidential.clientId}") { __typename } }`);
    await forbidden(`mutation { registerOAuthClient(input: { name: "x", redirectUris: ["https://x.example/cb"], scopes: [], public: true }) { __typename } }`);
    // It still reads what it was granted, and the user's first-party session is untouched.
    const me = await app.gql(VIEWER, {}, { bearer });
    expect(me.body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { id: user.userId } });
    expect((await createKey(app, user.accessToken)).secret).toMatch(/^sk_live_/);
  });

  it('exchanges a code through exchangeOAuthCode as through the token endpoint', async () => {
    const user = await signUpUser(app);
    const authorization = await authorize(app, user.accessToken, publicClient, { scope: 'openid email' });
    const exchange = (code: string) => app.gql(`mutation($input: ExchangeOAuthCodeInput!) { exchangeOAuthCode(input: $input) {
      __typename ... on OAuthTokenPayload { tokenType accessToken expiresIn refreshToken scope idToken } ... on OAuthError { error } } }`, {
      input: { clientId: publicClient.clientId, code, redirectUri: publicClient.redirectUri, codeVerifier: authorization.verifier },
    });
    const code = new URL(authorization.redirectTo).searchParams.get('code')!;
    const first = await exchange(code);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body.data.exchangeOAuthCode).toMatchObject({ __typename: 'OAuthTokenPayload', tokenType: 'Bearer', scope: 'openid email', expiresIn: 900 });
    expect(first.body.data.exchangeOAuthCode.idToken).toEqual(expect.any(String));
    expect((await exchange(code)).body.data.exchangeOAuthCode).toEqual({ __typename: 'OAuthError', error: 'invalid_grant' });
  });

  it('pages through the grants newest first, one per app, with every scope its live sessions hold', async () => {
    const user = await signUpUser(app);
    await redeem(as, confidential, await authorize(app, user.accessToken, confidential, { scope: 'openid' }));
    await redeem(as, confidential, await authorize(app, user.accessToken, confidential, { scope: 'openid email' }));
    await redeem(as, publicClient, await authorize(app, user.accessToken, publicClient, { scope: 'openid profile' }));
    const PAGE = `query G($after: String) { oauthGrants(first: 1, after: $after) {
      edges { node { clientId scopes } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const page = async (after: string | null) => (await app.gql(PAGE, { after }, { bearer: user.accessToken })).body;
    const one = (await page(null)).data.oauthGrants;
    expect(one.edges).toEqual([{ node: { clientId: publicClient.clientId, scopes: ['openid', 'profile'] } }]);
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const two = (await page(one.pageInfo.endCursor)).data.oauthGrants;
    expect(two.edges).toEqual([{ node: { clientId: confidential.clientId, scopes: ['openid', 'email'] } }]);
    expect(two.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect((await page('bm90IGEgY3Vyc29y')).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('shows users the apps they granted and lets them revoke one', async () => {
    const user = await signUpUser(app);
    const tokens = await redeem(as, confidential, await authorize(app, user.accessToken, confidential));
    const GRANTS = '{ oauthGrants { edges { node { clientId clientName scopes } } } }';
    const grants = async () => (await app.gql(GRANTS, {}, { bearer: user.accessToken })).body.data.oauthGrants.edges.map((edge: { node: unknown }) => edge.node);
    expect(await grants()).toEqual([{ clientId: confidential.clientId, clientName: 'Test App', scopes: ['openid', 'profile', 'email'] }]);
    // A grant is not one of the user's own sign-ins: `sessions` lists only those.
    expect((await app.gql('{ sessions { edges { node { id } } } }', {}, { bearer: user.accessToken })).body.data.sessions.edges)
      .toEqual([{ node: { id: user.sessionId } }]);
    const REVOKE = `mutation($id: String!) { revokeOAuthGrant(clientId: $id) {
      __typename ... on RevokeOAuthGrantPayload { revokedSessions } ... on Error { code } } }`;
    expect((await app.gql(REVOKE, { id: confidential.clientId }, { bearer: user.accessToken })).body.data.revokeOAuthGrant)
      .toEqual({ __typename: 'RevokeOAuthGrantPayload', revokedSessions: 1 });
    expect(await grants()).toEqual([]);
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).status).toBe(401);
    expect((await app.gql(REVOKE, { id: confidential.clientId }, { bearer: user.accessToken })).body.data.revokeOAuthGrant)
      .toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const events = await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${user.userId} and type like 'oauth.%'`);
    expect(events.map((e) => e.type).sort()).toEqual(['oauth.grant_given', 'oauth.grant_revoked']);
  });

  it('accepts client_secret_post and refuses unsupported grants and non-form bodies', async () => {
    const post = await postForm(app, '/oauth/token', {
      grant_type: 'client_credentials', client_id: confidential.clientId, client_secret: confidential.clientSecret!,
    });
    expect(post.status).toBe(200);
    expect(post.headers.get('cache-control')).toBe('no-store');
    const password = await postForm(app, '/oauth/token', { grant_type: 'password', username: 'a', password: 'b' }, basic(confidential));
    expect(await password.json()).toMatchObject({ error: 'unsupported_grant_type' });
    const asJson = await app.fetch('/oauth/token', {
      method: 'POST', headers: { 'content-type': 'application/json', ...basic(confidential) }, body: '{"grant_type":"client_credentials"}',
    });
    expect(asJson.status).toBe(400);
    expect(await asJson.json()).toMatchObject({ error: 'invalid_request' });
    const introspectPublic = await postForm(app, '/oauth/introspect', { client_id: publicClient.clientId, token: 'x' });
    expect(introspectPublic.status).toBe(401);
  });
});
