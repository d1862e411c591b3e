import { sql } from 'drizzle-orm';
import { decodeJwt, SignJWT, exportJWK, calculateJwkThumbprint } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, clientOf, consentOnPage, cookieSignIn, discover, INSECURE, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const ME = JSON.stringify({ query: '{ viewer { credential } me { id } }' });
const JSON_HEADERS = new Headers({ 'content-type': 'application/json' });

/** A fetch for oauth4webapi that keeps the request it was asked to send (to replay or redirect its proof) and sends it. */
function recording() {
  const sent: { url: string; headers: Record<string, string> }[] = [];
  const customFetch = (url: string, init: { headers: Record<string, string> }) => {
    sent.push({ url, headers: { ...init.headers } });
    return fetch(url, init as RequestInit);
  };
  return { sent, options: { ...INSECURE, [oauth.customFetch]: customFetch } };
}

/** The WWW-Authenticate challenge of a refused request, as oauth4webapi parses it. */
async function refusal(request: Promise<unknown>) {
  const error = await request.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(oauth.WWWAuthenticateChallengeError);
  const challenge = (error as oauth.WWWAuthenticateChallengeError).cause[0]!;
  return { status: (error as oauth.WWWAuthenticateChallengeError).status, scheme: challenge.scheme, ...challenge.parameters };
}

// DPoP (RFC 9449) with oauth4webapi: sender-constrained tokens at the token endpoint, /graphql and userinfo.
describe(`DPoP, RFC 9449 (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let admin: SignedUp;
  let user: SignedUp;
  let spa: RegisteredClient;
  let backend: RegisteredClient;
  let graphql: URL;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    as = await discover(app);
    spa = await registerClient(app, admin.accessToken, { public: true, name: 'SPA' });
    backend = await registerClient(app, admin.accessToken, { name: 'Backend' });
    user = await signUpUser(app);
    graphql = new URL('/graphql', app.url);
  });
  afterAll(async () => {
    await app?.close();
  });

  const dpopOf = async (client: RegisteredClient, alg = 'ES256') => oauth.DPoP(clientOf(client)[0], await oauth.generateKeyPair(alg));

  /** The code flow through oauth4webapi, the code redeemed with a DPoP proof of `dpop`'s key (without one when undefined). */
  async function codeFlow(client: RegisteredClient, dpop: oauth.DPoPHandle | undefined, overrides: Record<string, unknown> = {}) {
    const authorization = await authorize(app, user.accessToken, client, overrides);
    const [c, auth] = clientOf(client);
    const params = oauth.validateAuthResponse(as, c, new URL(authorization.redirectTo), authorization.state);
    const response = await oauth.authorizationCodeGrantRequest(as, c, auth, params, client.redirectUri, authorization.verifier, { ...INSECURE, ...(dpop ? { DPoP: dpop } : {}) });
    return oauth.processAuthorizationCodeResponse(as, c, response, { expectedNonce: authorization.nonce, requireIdToken: true });
  }
  const refresh = async (client: RegisteredClient, token: string, dpop?: oauth.DPoPHandle) => {
    const [c, auth] = clientOf(client);
    return oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, token, { ...INSECURE, ...(dpop ? { DPoP: dpop } : {}) }));
  };
  const askGraphql = (token: string, dpop?: oauth.DPoPHandle, options: Record<string | symbol, unknown> = INSECURE) =>
    oauth.protectedResourceRequest(token, 'POST', graphql, JSON_HEADERS, ME, { ...options, ...(dpop ? { DPoP: dpop } : {}) });
  const userinfo = async (token: string, dpop?: oauth.DPoPHandle) => {
    const [c] = clientOf(spa);
    return oauth.processUserInfoResponse(as, c, user.userId, await oauth.userInfoRequest(as, c, token, { ...INSECURE, ...(dpop ? { DPoP: dpop } : {}) }));
  };

  it('advertises exactly the proof algorithms it accepts, and accepts a proof signed with each', async () => {
    expect(as.dpop_signing_alg_values_supported).toEqual(['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519']);
    const [c, auth] = clientOf(backend);
    for (const alg of as.dpop_signing_alg_values_supported!) {
      // oauth4webapi names an Ed25519 key's algorithm Ed25519 (RFC 9864); the proof's header is made to say `alg` exactly.
      const dpop = oauth.DPoP(c, await oauth.generateKeyPair(alg === 'Ed25519' ? 'EdDSA' : alg), {
        [oauth.modifyAssertion]: (header) => { header.alg = alg; },
      });
      const tokens = await oauth.processClientCredentialsResponse(as, c,
        await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: 'email' }, { ...INSECURE, DPoP: dpop })).catch((error: unknown) => {
        throw new Error(`${alg}: ${JSON.stringify((error as oauth.ResponseBodyError).cause)}`);
      });
      expect(tokens.token_type, alg).toBe('dpop');
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    }
  });

  it('binds the code grant\'s tokens to the key: token_type DPoP, cnf.jkt, and /graphql and userinfo accept them only with a proof', async () => {
    const dpop = await dpopOf(spa);
    const tokens = await codeFlow(spa, dpop);
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });

    const answer = await askGraphql(tokens.access_token, dpop);
    expect(answer.status).toBe(200);
    expect((await answer.json()).data).toEqual({ viewer: { credential: 'ACCESS_TOKEN' }, me: { id: user.userId } });
    expect(await userinfo(tokens.access_token, dpop)).toMatchObject({ sub: user.userId, email: user.email });
  });

  it('refuses a stolen bound token without its key: as Bearer, and with another key\'s proof', async () => {
    const tokens = await codeFlow(spa, await dpopOf(spa));
    const thief = await dpopOf(spa);
    expect(await refusal(askGraphql(tokens.access_token))).toMatchObject({ status: 401, scheme: 'dpop', error: 'invalid_token' });
    expect(await refusal(askGraphql(tokens.access_token, thief))).toMatchObject({ status: 401, scheme: 'dpop', error: 'invalid_token' });
    expect(await refusal(userinfo(tokens.access_token))).toMatchObject({ status: 401, scheme: 'dpop', error: 'invalid_token' });
    expect(await refusal(userinfo(tokens.access_token, thief))).toMatchObject({ status: 401, scheme: 'dpop', error: 'invalid_token' });
    // The refusal names the algorithms a proof may use (RFC 9449 §7.1).
    const bearer = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.access_token}` }, body: ME });
    expect(bearer.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token", error_description="[^"]+", algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"$/);
    expect((await bearer.json()).errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', error: 'invalid_token' });
  });

  it('refuses a proof presented twice, and a proof made for another URL or method', async () => {
    const dpop = await dpopOf(spa);
    const tokens = await codeFlow(spa, dpop);
    const { sent, options } = recording();
    expect((await askGraphql(tokens.access_token, dpop, options)).status).toBe(200);
    const replayed = await fetch(graphql, { method: 'POST', headers: sent[0]!.headers, body: ME });
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used/);

    // A proof for userinfo (GET /oauth/userinfo), never sent there, presented at POST /graphql.
    const forUserinfo = recording();
    const [c] = clientOf(spa);
    await oauth.userInfoRequest(as, c, tokens.access_token, { ...forUserinfo.options, DPoP: dpop, [oauth.customFetch]: (url: string, init: { headers: Record<string, string> }) => {
      forUserinfo.sent.push({ url, headers: { ...init.headers } });
      return Promise.resolve(new Response(null, { status: 204 }));
    } });
    const elsewhere = await fetch(graphql, { method: 'POST', headers: { ...forUserinfo.sent[0]!.headers, 'content-type': 'application/json' }, body: ME });
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof"/);
    const otherMethod = await fetch(new URL('/oauth/userinfo', app.url), { method: 'POST', headers: forUserinfo.sent[0]!.headers });
    expect(otherMethod.status).toBe(401);
    expect(otherMethod.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="The DPoP proof is for GET, not POST/);
    // Sent where it was made for, it is still good: nothing above spent it.
    const rightPlace = await fetch(new URL('/oauth/userinfo', app.url), { headers: forUserinfo.sent[0]!.headers });
    expect(rightPlace.status).toBe(200);
  });

  it('binds a public client\'s refresh token to the key: refreshing with another key, or with none, is invalid_grant', async () => {
    const dpop = await dpopOf(spa);
    const tokens = await codeFlow(spa, dpop);
    await expect(refresh(spa, tokens.refresh_token!, await dpopOf(spa))).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(refresh(spa, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // Both refusals came before the token was spent: with the right key it still works.
    const refreshed = await refresh(spa, tokens.refresh_token!, dpop);
    expect(refreshed.token_type).toBe('dpop');
    expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    expect((await askGraphql(refreshed.access_token, dpop)).status).toBe(200);
    await expect(refresh(spa, refreshed.refresh_token!, await dpopOf(spa))).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('leaves a confidential client\'s refresh token unbound (it authenticates): a new key binds only the new access token', async () => {
    const first = await dpopOf(backend);
    const tokens = await codeFlow(backend, first);
    const second = await dpopOf(backend);
    const refreshed = await refresh(backend, tokens.refresh_token!, second);
    expect(decodeJwt(refreshed.access_token).cnf).toEqual({ jkt: await second.calculateThumbprint() });
    const bearer = await refresh(backend, refreshed.refresh_token!);
    expect(bearer.token_type).toBe('bearer');
    expect(decodeJwt(bearer.access_token).cnf).toBeUndefined();
  });

  it('reports cnf and token_type DPoP at introspection (RFC 7662, RFC 9449 §6.2)', async () => {
    const dpop = await dpopOf(backend);
    const tokens = await codeFlow(backend, dpop);
    const [c, auth] = clientOf(backend);
    const access = await oauth.processIntrospectionResponse(as, c, await oauth.introspectionRequest(as, c, auth, tokens.access_token, INSECURE));
    expect(access).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await dpop.calculateThumbprint() } });
    // Refreshed without a proof (its refresh token is unbound: a confidential client), the new access token is Bearer.
    const plain = await refresh(backend, tokens.refresh_token!);
    const unbound = await oauth.processIntrospectionResponse(as, c, await oauth.introspectionRequest(as, c, auth, plain.access_token, INSECURE));
    expect(unbound).toMatchObject({ active: true, token_type: 'Bearer' });
    expect(unbound.cnf).toBeUndefined();
  });

  it('binds the code to the key of dpop_jkt (RFC 9449 §10): another key or none cannot redeem it', async () => {
    const dpop = await dpopOf(spa);
    const dpopJkt = await dpop.calculateThumbprint();
    await expect(codeFlow(spa, await dpopOf(spa), { dpopJkt })).rejects.toMatchObject({ error: 'invalid_grant' });
    const tokens = await codeFlow(spa, dpop, { dpopJkt });
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: dpopJkt });
    const malformed = await authorize(app, user.accessToken, spa, { dpopJkt: 'not-a-thumbprint' }).catch((e: Error) => e.message);
    expect(malformed).toContain('invalid_request');
  });

  it('binds the code of a pushed request made with a DPoP proof to that key (RFC 9449 §10.1)', async () => {
    const dpop = await dpopOf(spa);
    const [c, auth] = clientOf(spa);
    const push = async (handle: oauth.DPoPHandle, extra: Record<string, string> = {}) => {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const response = await oauth.pushedAuthorizationRequest(as, c, auth, {
        redirect_uri: spa.redirectUri, response_type: 'code', scope: 'openid email', state,
        code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
      }, { ...INSECURE, DPoP: handle });
      return { verifier, state, response };
    };
    const mismatched = await push(dpop, { dpop_jkt: await (await dpopOf(spa)).calculateThumbprint() });
    await expect(oauth.processPushedAuthorizationResponse(as, c, mismatched.response)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });

    const { verifier, state, response } = await push(dpop);
    const pushed = await oauth.processPushedAuthorizationResponse(as, c, response);
    const cookie = await cookieSignIn(app, user, PASSWORD);
    const redeem = async (handle: oauth.DPoPHandle) => {
      const allowed = await consentOnPage(app, cookie, `/oauth/authorize?${new URLSearchParams({ client_id: spa.clientId, request_uri: pushed.request_uri })}`);
      const params = oauth.validateAuthResponse(as, c, new URL(allowed.headers.get('location')!), state);
      return oauth.processAuthorizationCodeResponse(as, c,
        await oauth.authorizationCodeGrantRequest(as, c, auth, params, spa.redirectUri, verifier, { ...INSECURE, DPoP: handle }));
    };
    await expect(redeem(await dpopOf(spa))).rejects.toMatchObject({ error: 'invalid_grant' });
    // Only the pushed parameters count: a dpop_jkt in the query beside request_uri changes nothing (RFC 9126 §4).
    const again = await push(dpop);
    const second = await oauth.processPushedAuthorizationResponse(as, c, again.response);
    const other = await dpopOf(spa);
    const allowed = await consentOnPage(app, cookie,
      `/oauth/authorize?${new URLSearchParams({ client_id: spa.clientId, request_uri: second.request_uri, dpop_jkt: await other.calculateThumbprint() })}`);
    const params = oauth.validateAuthResponse(as, c, new URL(allowed.headers.get('location')!), again.state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, params, spa.redirectUri, again.verifier, { ...INSECURE, DPoP: dpop }));
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
  });

  it('binds the device flow\'s tokens, and a public device\'s refresh token, to the key of the polls\' proofs', async () => {
    const cli = await registerClient(app, admin.accessToken, {
      public: true, name: 'CLI', redirectUris: [], grantTypes: ['DEVICE_CODE', 'REFRESH_TOKEN'], scopes: ['openid', 'email'],
    });
    const [c, auth] = clientOf(cli);
    const dpop = await dpopOf(cli);
    const device = await oauth.processDeviceAuthorizationResponse(as, c, await oauth.deviceAuthorizationRequest(as, c, auth, { scope: 'openid email' }, INSECURE));
    const approved = await app.gql('mutation A($input: DeviceCodeInput!) { approveDevice(input: $input) { __typename } }',
      { input: { userCode: device.user_code } }, { bearer: user.accessToken });
    expect(approved.body.data.approveDevice.__typename).toBe('DeviceAuthorizationRequest');
    const tokens = await oauth.processDeviceCodeResponse(as, c,
      await oauth.deviceCodeGrantRequest(as, c, auth, device.device_code, { ...INSECURE, DPoP: dpop }));
    expect(tokens.token_type).toBe('dpop');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    await expect(refresh(cli, tokens.refresh_token!, await dpopOf(cli))).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(cli, tokens.refresh_token!, dpop)).token_type).toBe('dpop');
  });

  it('makes a client registered DPoP-bound present a proof at every token request', async () => {
    const bound = await registerClient(app, admin.accessToken, { dpopBoundAccessTokens: true, name: 'Bound' });
    const [c, auth] = clientOf(bound);
    await expect(oauth.processClientCredentialsResponse(as, c, await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: 'email' }, INSECURE)))
      .rejects.toMatchObject({ error: 'invalid_dpop_proof', status: 400 });
    const tokens = await codeFlow(bound, await dpopOf(bound));
    expect(tokens.token_type).toBe('dpop');
    const listed = await app.gql('{ oauthClients { edges { node { clientId dpopBoundAccessTokens } } } }', {}, { bearer: admin.accessToken });
    expect(listed.body.data.oauthClients.edges.map((e: { node: unknown }) => e.node)).toContainEqual({ clientId: bound.clientId, dpopBoundAccessTokens: true });
  });

  it('lets an admin make a client DPoP-bound and unbound again (updateOAuthClient): its next token requests follow at once', async () => {
    const UPDATE = `mutation U($input: UpdateOAuthClientInput!) {
      updateOAuthClient(input: $input) { __typename ... on OAuthClient { clientId dpopBoundAccessTokens } ... on Error { code } }
    }`;
    const setBound = async (dpopBoundAccessTokens: boolean) =>
      (await app.gql(UPDATE, { input: { clientId: later.clientId, dpopBoundAccessTokens } }, { bearer: admin.accessToken })).body.data.updateOAuthClient;
    const later = await registerClient(app, admin.accessToken, { name: 'Bound later' });
    const [c, auth] = clientOf(later);
    const withoutProof = async () => oauth.processClientCredentialsResponse(as, c, await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: 'email' }, INSECURE));
    expect((await withoutProof()).token_type).toBe('bearer');

    expect(await setBound(true)).toEqual({ __typename: 'OAuthClient', clientId: later.clientId, dpopBoundAccessTokens: true });
    await expect(withoutProof()).rejects.toMatchObject({ error: 'invalid_dpop_proof', status: 400 });
    await expect(codeFlow(later, undefined)).rejects.toMatchObject({ error: 'invalid_dpop_proof' });
    const bound = await codeFlow(later, await dpopOf(later));
    expect(bound.token_type).toBe('dpop');

    expect(await setBound(false)).toEqual({ __typename: 'OAuthClient', clientId: later.clientId, dpopBoundAccessTokens: false });
    expect((await withoutProof()).token_type).toBe('bearer');
  });

  describe('proofs built wrong on purpose (with jose)', () => {
    const tokenEndpoint = () => `${app.config.publicUrl}/oauth/token`;
    async function proof(overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string } = {}) {
      const { privateKey, publicKey } = await oauth.generateKeyPair('ES256');
      const jwk = await exportJWK(publicKey);
      return new SignJWT({ jti: crypto.randomUUID(), htm: 'POST', htu: tokenEndpoint(), iat: Math.floor(Date.now() / 1000), ...overrides.claims })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...overrides.header })
        .sign(privateKey);
    }
    const tokenRequest = (dpop: string) => fetch(tokenEndpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${backend.clientId}:${backend.clientSecret}`).toString('base64')}`, dpop },
      body: 'grant_type=client_credentials&scope=email',
    });
    const expectRefused = async (dpop: string) => {
      const response = await tokenRequest(dpop);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_dpop_proof' });
    };

    it('accepts a well-made one (the baseline of the cases below)', async () => {
      const response = await tokenRequest(await proof());
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ token_type: 'DPoP' });
    });

    it('refuses an iat more than 60 s away from the server\'s clock, either way', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(await proof({ claims: { iat: now - 62 } }));
      await expectRefused(await proof({ claims: { iat: now + 62 } }));
      expect((await tokenRequest(await proof({ claims: { iat: now - 50 } }))).status).toBe(200);
    });

    it('refuses a wrong typ, a symmetric alg, a private key in jwk, missing claims, query-only htu differences aside', async () => {
      await expectRefused(await proof({ header: { typ: 'JWT' } }));
      const secret = new Uint8Array(32).fill(7);
      await expectRefused(await new SignJWT({ jti: 'x', htm: 'POST', htu: tokenEndpoint(), iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url') } as never }).sign(secret));
      const pair = await oauth.generateKeyPair('ES256', { extractable: true });
      const privateJwk = await exportJWK(pair.privateKey);
      await expectRefused(await new SignJWT({ jti: 'y', htm: 'POST', htu: tokenEndpoint(), iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk }).sign(pair.privateKey));
      await expectRefused(await proof({ claims: { jti: undefined } }));
      await expectRefused(await proof({ claims: { htm: 'GET' } }));
      await expectRefused(await proof({ claims: { htu: `${app.config.publicUrl}/oauth/par` } }));
      await expectRefused('not.a.jwt');
      await expectRefused(`${await proof()}, ${await proof()}`);
      // §4.3 step 9: htu is compared without its query and fragment.
      expect((await tokenRequest(await proof({ claims: { htu: `${tokenEndpoint()}?x=1#y` } }))).status).toBe(200);
    });

    it('refuses a proof whose ath is not the hash of the token it comes with', async () => {
      const pair = await oauth.generateKeyPair('ES256');
      const dpop = oauth.DPoP(clientOf(spa)[0], pair);
      const tokens = await codeFlow(spa, dpop);
      const jwk = await exportJWK(pair.publicKey);
      expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt: await calculateJwkThumbprint(jwk) });
      const wrongAth = await new SignJWT({ jti: crypto.randomUUID(), htm: 'POST', htu: graphql.href, iat: Math.floor(Date.now() / 1000), ath: 'A'.repeat(43) })
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk }).sign(pair.privateKey);
      const response = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `DPoP ${tokens.access_token}`, dpop: wrongAth }, body: ME });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="The DPoP proof's ath/);
    });
  });

  it('refuses an unbound token sent with the DPoP scheme, and takes it as Bearer without touching the replay cache', async () => {
    const [c, auth] = clientOf(backend);
    const tokens = await oauth.processClientCredentialsResponse(as, c, await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: 'email' }, INSECURE));
    expect(tokens.token_type).toBe('bearer');
    const seen = async () => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from oauth_dpop_proofs`))[0]!.n;
    const before = await seen();
    expect((await askGraphql(tokens.access_token)).status).toBe(200);
    expect(await seen()).toBe(before);
    const response = await fetch(graphql, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `DPoP ${tokens.access_token}` }, body: ME });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_token"/);
  });
});

describe(`DPoP with server nonces, DPOP_REQUIRE_NONCE=true (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let client: RegisteredClient;
  let user: SignedUp;

  beforeAll(async () => {
    app = await startTestApp({ env: { DPOP_REQUIRE_NONCE: 'true' } });
    as = await discover(app);
    client = await registerClient(app, (await signUpAdmin(app)).accessToken, { public: true });
    user = await signUpUser(app);
  });
  afterAll(async () => {
    await app?.close();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs a request; on use_dpop_nonce, once more (oauth4webapi has kept the nonce from the refusal), as its docs show. */
  async function withNonceRetry<T>(attempt: () => Promise<T>): Promise<{ result: T; retried: boolean }> {
    try {
      return { result: await attempt(), retried: false };
    } catch (error) {
      if (!oauth.isDPoPNonceError(error)) throw error;
      return { result: await attempt(), retried: true };
    }
  }

  /** A code grant redeemed with `dpop`'s key, retried once for the nonce. */
  async function boundTokens(dpop: oauth.DPoPHandle) {
    const [c, auth] = clientOf(client);
    const authorization = await authorize(app, user.accessToken, client);
    const params = oauth.validateAuthResponse(as, c, new URL(authorization.redirectTo), authorization.state);
    return withNonceRetry(async () => oauth.processAuthorizationCodeResponse(as, c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, params, client.redirectUri, authorization.verifier, { ...INSECURE, DPoP: dpop }),
      { expectedNonce: authorization.nonce }));
  }

  it('answers use_dpop_nonce with a DPoP-Nonce, and the retry with it succeeds, at the token endpoint and at /graphql', async () => {
    const keys = await oauth.generateKeyPair('ES256');
    const [c] = clientOf(client);
    const { result: tokens, retried } = await boundTokens(oauth.DPoP(c, keys));
    expect(retried).toBe(true);
    expect(tokens.token_type).toBe('dpop');

    // The same key through a fresh handle, which has no nonce yet: /graphql asks for one too.
    const graphql = new URL('/graphql', app.url);
    const fresh = oauth.DPoP(c, keys);
    const ask = () => oauth.protectedResourceRequest(tokens.access_token, 'POST', graphql, JSON_HEADERS, ME, { ...INSECURE, DPoP: fresh });
    const first = await ask().then(() => null, (e: unknown) => e as oauth.WWWAuthenticateChallengeError);
    expect(oauth.isDPoPNonceError(first)).toBe(true);
    expect(first!.response.headers.get('dpop-nonce')).toMatch(/^[\w-]{43}$/);
    expect((await ask()).status).toBe(200);

    // A nonce is good for 5 to 10 minutes (RFC 9449 §8): 601 s later the one held is refused and a new one given.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 601_000 });
    const { result: later, retried: again } = await withNonceRetry(ask);
    expect(again).toBe(true);
    expect(later.status).toBe(200);
  });

  it('hands the current nonce out with every /graphql answer to a proof, so a client keeping the latest is never refused as periods turn', async () => {
    const dpop = oauth.DPoP(clientOf(client)[0], await oauth.generateKeyPair('ES256'));
    const { result: tokens } = await boundTokens(dpop);
    const graphql = new URL('/graphql', app.url);
    const ask = () => oauth.protectedResourceRequest(tokens.access_token, 'POST', graphql, JSON_HEADERS, ME, { ...INSECURE, DPoP: dpop });
    const answered = await ask();
    expect(answered.status).toBe(200);
    const first = answered.headers.get('dpop-nonce');
    expect(first).toMatch(/^[\w-]{43}$/);

    // Into the next period and then the one after (a nonce is good in its own period and the next): each
    // answer hands out that period's nonce, which oauth4webapi keeps and puts in the next proof.
    const period = 300_000;
    const start = Math.floor(Date.now() / period) * period;
    vi.useFakeTimers({ toFake: ['Date'], now: start + period + 1_000 });
    const next = await ask();
    expect(next.status).toBe(200);
    expect(next.headers.get('dpop-nonce')).not.toBe(first);
    vi.setSystemTime(start + 2 * period + 1_000);
    const { result: after, retried } = await withNonceRetry(ask);
    expect(retried).toBe(false);
    expect(after.status).toBe(200);
  });

  it('sends no nonce with an answer to a request that made no DPoP proof', async () => {
    const answered = await app.gql('{ viewer { credential } }', {}, { bearer: user.accessToken });
    expect(answered.status).toBe(200);
    expect(answered.headers.get('dpop-nonce')).toBeNull();
  });
});

{
  describe(`DPoP proofs across two instances on one database (${ENGINE})`, () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('refuses at instance two a proof already used at instance one', async () => {
      const user = await signUpUser(one);
      const client = await registerClient(one, (await signUpAdmin(one)).accessToken, { public: true });
      const as = await discover(one);
      const [c, auth] = clientOf(client);
      const dpop = oauth.DPoP(c, await oauth.generateKeyPair('ES256'));
      const authorization = await authorize(one, user.accessToken, client);
      const params = oauth.validateAuthResponse(as, c, new URL(authorization.redirectTo), authorization.state);
      const tokens = await oauth.processAuthorizationCodeResponse(as, c,
        await oauth.authorizationCodeGrantRequest(as, c, auth, params, client.redirectUri, authorization.verifier, { ...INSECURE, DPoP: dpop }),
        { expectedNonce: authorization.nonce });
      const { sent, options } = recording();
      const atOne = await oauth.protectedResourceRequest(tokens.access_token, 'POST', new URL('/graphql', one.url), JSON_HEADERS, ME, { ...options, DPoP: dpop });
      expect(atOne.status).toBe(200);
      const atTwo = await fetch(new URL('/graphql', two.url), { method: 'POST', headers: sent[0]!.headers, body: ME });
      expect(atTwo.status).toBe(401);
      expect(atTwo.headers.get('www-authenticate')).toMatch(/^DPoP error="invalid_dpop_proof", error_description="The DPoP proof was already used/);
      // A new proof from the same key is fine there: the token is good on every instance. (The proof names the
      // deployment's public URL, which instance one's address stands for; the request goes to instance two.)
      const toTwo = (url: string, init: { headers: Record<string, string> }) => fetch(url.replace(one.url, two.url), init as RequestInit);
      const fresh = await oauth.protectedResourceRequest(tokens.access_token, 'POST', new URL('/graphql', one.url), JSON_HEADERS, ME,
        { ...INSECURE, DPoP: dpop, [oauth.customFetch]: toTwo });
      expect(fresh.status).toBe(200);
    });
  });
}
