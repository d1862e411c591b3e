import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, clientOf, consentOnPage, cookieSignIn, INSECURE, parClients, pushRequest, type RegisteredClient } from '../helpers/oauth.ts';
import { PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

// Pushed Authorization Requests (RFC 9126) with oauth4webapi; the user consents on the hosted page.
describe(`Pushed Authorization Requests, RFC 9126 (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let client: RegisteredClient;
  let strict: RegisteredClient;
  let cookie: string;
  let userId: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ as, client, strict } = await parClients(app));
    const user = await signUpUser(app, uniqueEmail());
    userId = user.userId;
    cookie = await cookieSignIn(app, user, PASSWORD);
  });
  afterAll(async () => {
    await app?.close();
  });

  const push = (target: RegisteredClient, extra: Record<string, string> = {}) => pushRequest(as, target, extra);
  const authorizePath = (target: RegisteredClient, params: Record<string, string>) =>
    `/oauth/authorize?${new URLSearchParams({ client_id: target.clientId, ...params })}`;
  const consent = (path: string) => consentOnPage(app, cookie, path);

  it('is advertised in discovery', () => {
    expect(as.pushed_authorization_request_endpoint).toBe(`${app.config.publicUrl}/oauth/par`);
    expect(as.require_pushed_authorization_requests).toBe(false);
  });

  it('runs the code flow from a pushed request, and the request_uri works once', async () => {
    const { verifier, state, pushed } = await push(strict);
    expect(pushed.request_uri).toMatch(/^urn:ietf:params:oauth:request_uri:[\w-]{43}$/);
    expect(pushed.expires_in).toBe(300);
    const allowed = await consent(authorizePath(strict, { request_uri: pushed.request_uri }));
    expect(allowed.status).toBe(303);
    const [c, auth] = clientOf(strict);
    const params = oauth.validateAuthResponse(as, c, new URL(allowed.headers.get('location')!), state);
    const tokens = await oauth.processAuthorizationCodeResponse(as, c,
      await oauth.authorizationCodeGrantRequest(as, c, auth, params, strict.redirectUri, verifier, INSECURE));
    expect(tokens.scope).toBe('openid email');
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: userId });

    const again = await app.fetch(authorizePath(strict, { request_uri: pushed.request_uri }), { headers: { cookie }, redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(again.headers.get('location')).toBeNull();
  });

  it('takes only the pushed parameters: a scope sent alongside the request_uri is ignored', async () => {
    const { pushed } = await push(client);
    const page = await app.fetch(authorizePath(client, { request_uri: pushed.request_uri, scope: 'openid profile email' }), { headers: { cookie } });
    const text = await page.text();
    expect(text).toContain('See your email address');
    expect(text).not.toContain('See your name');
  });

  it('refuses a client that requires PAR without it, an expired request_uri, and another client\'s', async () => {
    const direct = await consent(authorizePath(strict, {
      redirect_uri: strict.redirectUri, response_type: 'code', scope: 'openid', state: 's',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()), code_challenge_method: 'S256',
    }));
    expect(direct.status).toBe(303);
    expect(new URL(direct.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    // The consent mutation is no way around it either.
    const user = await signUpUser(app);
    await expect(authorize(app, user.accessToken, strict)).rejects.toThrow(/invalid_request/);

    const { pushed } = await push(strict);
    expect((await app.fetch(authorizePath(client, { request_uri: pushed.request_uri }), { headers: { cookie } })).status).toBe(400);
    await app.database.rows(sql`update oauth_pushed_requests set expires_at = now() - interval '1 second' where client_id = ${strict.clientId}`);
    expect((await app.fetch(authorizePath(strict, { request_uri: pushed.request_uri }), { headers: { cookie } })).status).toBe(400);
  });

  it('answers bad pushed requests with RFC 6749 error codes, as JSON', async () => {
    await expect(push(client, { code_challenge_method: 'plain' })).rejects.toMatchObject({ error: 'invalid_request' });
    await expect(push(client, { scope: 'openid apikeys:manage' })).rejects.toMatchObject({ error: 'invalid_scope' });
    await expect(push(client, { redirect_uri: 'https://evil.example/cb' })).rejects.toMatchObject({ error: 'invalid_request' });
    await expect(push(client, { request_uri: 'urn:ietf:params:oauth:request_uri:x' })).rejects.toMatchObject({ error: 'invalid_request' });
    const [c] = clientOf(client);
    await expect(oauth.processPushedAuthorizationResponse(as, c,
      await oauth.pushedAuthorizationRequest(as, c, oauth.ClientSecretBasic('wrong-secret-wrong-secret-wrong-secret'), { response_type: 'code' }, INSECURE)))
      .rejects.toMatchObject({ status: 401, cause: [{ scheme: 'basic' }] });
  });
});
