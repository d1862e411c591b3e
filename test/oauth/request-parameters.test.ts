import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, basic, registerClient, type Authorization, type RegisteredClient } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// RFC 6749 §3.1, §3.2: a parameter must not be sent twice; §2.3: one client authentication method per request.

describe(`repeated parameters and doubled client authentication (${ENGINE})`, () => {
  let app: TestApp;
  let client: RegisteredClient;
  let user: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    client = await registerClient(app, (await signUpAdmin(app)).accessToken);
    user = await signUpUser(app);
  });
  afterAll(() => app?.close());

  async function authorizationQuery() {
    const state = oauth.generateRandomState();
    const query = new URLSearchParams({
      client_id: client.clientId, redirect_uri: client.redirectUri, response_type: 'code', scope: 'openid', state,
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), code_challenge_method: 'S256',
    });
    return { query, state };
  }
  const getAuthorize = (query: URLSearchParams) => app.fetch(`/oauth/authorize?${query}`, { redirect: 'manual' });

  it.each([
    ['state', 'other-state'],
    ['response_type', 'token'],
    ['scope', 'openid email'],
    ['code_challenge_method', 'plain'],
  ])('sends a request with %s twice back to the client as invalid_request, without a code', async (name, second) => {
    const { query, state } = await authorizationQuery();
    query.append(name, second);
    const response = await getAuthorize(query);
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(client.redirectUri);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toContain(name);
    expect(location.searchParams.get('iss')).toBe(app.config.publicUrl);
    // A repeated state is not echoed (which of the two would it be?); a single one is.
    expect(location.searchParams.get('state')).toBe(name === 'state' ? null : state);
    expect(location.searchParams.has('code')).toBe(false);
  });

  it.each([
    ['client_id', () => 'lk_other_client'],
    ['redirect_uri', () => 'https://attacker.example/callback'],
    ['redirect_uri', () => client.redirectUri],
  ])('shows an error page, never a redirect, when %s comes twice', async (name, second) => {
    const { query } = await authorizationQuery();
    query.append(name, second());
    const response = await getAuthorize(query);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('more than once');
  });

  async function exchange(authorization: Authorization, extra: [string, string][] = [], headers: Record<string, string> = basic(client)) {
    const body = new URLSearchParams({
      grant_type: 'authorization_code', code: new URL(authorization.redirectTo).searchParams.get('code')!,
      redirect_uri: client.redirectUri, code_verifier: authorization.verifier,
    });
    for (const [name, value] of extra) body.append(name, value);
    return app.fetch('/oauth/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: body.toString() });
  }

  it.each([
    ['grant_type', ['authorization_code']],
    ['code', ['a-second-code-value-that-is-long-enough']],
    ['redirect_uri', ['https://attacker.example/callback']],
    ['code_verifier', [oauth.generateRandomCodeVerifier()]],
    ['scope', ['openid', 'openid']],
  ])('refuses a token request with %s twice as invalid_request and leaves the code unspent', async (name, added) => {
    const authorization = await authorize(app, user.accessToken, client);
    const refused = await exchange(authorization, added.map((value) => [name, value]));
    expect(refused.status).toBe(400);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    const body = await refused.json();
    expect(body).toMatchObject({ error: 'invalid_request' });
    expect(body.error_description).toContain(name);
    // Nothing changed: the code still redeems once.
    expect((await exchange(authorization)).status).toBe(200);
  });

  it('refuses client_id twice at the token endpoint, and a repeated token at revocation and introspection', async () => {
    const post = (path: string, body: string) => app.fetch(path, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
    });
    const id = encodeURIComponent(client.clientId);
    const secret = encodeURIComponent(client.clientSecret!);
    const twice = await post('/oauth/token', `grant_type=client_credentials&client_id=${id}&client_id=${id}&client_secret=${secret}`);
    expect(twice.status).toBe(400);
    expect(await twice.json()).toMatchObject({ error: 'invalid_request' });
    for (const path of ['/oauth/revoke', '/oauth/introspect']) {
      const response = await post(path, `client_id=${id}&client_secret=${secret}&token=a&token=b`);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('answers 400 invalid_request, not 401 invalid_client, to HTTP Basic and client_secret in the body at once', async () => {
    const authorization = await authorize(app, user.accessToken, client);
    const both = await exchange(authorization, [['client_secret', client.clientSecret!]]);
    expect(both.status).toBe(400);
    expect(both.headers.get('www-authenticate')).toBeNull();
    expect(await both.json()).toMatchObject({ error: 'invalid_request' });
    expect((await exchange(authorization)).status).toBe(200);

    const introspect = await app.fetch('/oauth/introspect', {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...basic(client) },
      body: new URLSearchParams({ token: 'x', client_secret: client.clientSecret! }).toString(),
    });
    expect(introspect.status).toBe(400);
    expect(await introspect.json()).toMatchObject({ error: 'invalid_request' });
  });
});
