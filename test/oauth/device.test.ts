import { sql } from 'drizzle-orm';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { clientOf, discover, INSECURE, registerClient, type RegisteredClient } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const DECIDE = (name: 'approveDevice' | 'denyDevice') => /* GraphQL */ `
  mutation D($input: DeviceCodeInput!) {
    ${name}(input: $input) {
      __typename
      ... on DeviceAuthorizationRequest { clientName scopes }
      ... on Error { code }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;
const LOOK_UP = /* GraphQL */ `
  query L($input: DeviceCodeInput!) {
    deviceAuthorizationRequest(input: $input) { __typename ... on DeviceAuthorizationRequest { clientId clientName scopes } ... on Error { code } }
  }`;
const VIEWER = '{ viewer { credential user { id } } }';

// The device flow (RFC 8628) as a command-line tool runs it with oauth4webapi; the user approves through
// GraphQL here, as a first-party frontend would (test/oauth/device-browser.test.ts approves on /device).
describe(`Device Authorization Grant, RFC 8628 (${ENGINE})`, () => {
  let app: TestApp;
  let as: oauth.AuthorizationServer;
  let admin: SignedUp;
  let cli: RegisteredClient;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    as = await discover(app);
    cli = await registerClient(app, admin.accessToken, {
      public: true, name: 'Latchkey CLI', redirectUris: [], grantTypes: ['DEVICE_CODE', 'REFRESH_TOKEN'], scopes: ['openid', 'email', 'offline_access'],
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const start = async (client = cli, scope = 'openid email') => {
    const [c, auth] = clientOf(client);
    return oauth.processDeviceAuthorizationResponse(as, c, await oauth.deviceAuthorizationRequest(as, c, auth, { scope }, INSECURE));
  };
  const poll = async (deviceCode: string) => {
    const [c, auth] = clientOf(cli);
    return oauth.processDeviceCodeResponse(as, c, await oauth.deviceCodeGrantRequest(as, c, auth, deviceCode, INSECURE));
  };
  /** Time passes: the device waited its interval before polling again. */
  const waitedInterval = (deviceCode: string) => app.database.rows(sql`
    update oauth_device_codes set last_polled_at = now() - interval '1 minute' where client_id = ${cli.clientId} and used_at is null`)
    .then(() => deviceCode);

  it('is advertised in discovery', () => {
    expect(as.device_authorization_endpoint).toBe(`${app.config.publicUrl}/oauth/device_authorization`);
    expect(as.grant_types_supported).toContain(DEVICE_CODE);
  });

  it('gives an easy-to-type user code, answers authorization_pending, then slow_down, and tokens once approved', async () => {
    const user = await signUpUser(app);
    const device = await start();
    expect(device.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    expect(device).toMatchObject({
      verification_uri: `${app.config.publicUrl}/device`, verification_uri_complete: `${app.config.publicUrl}/device?user_code=${device.user_code}`,
      expires_in: 600, interval: 5,
    });
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });
    // RFC 8628 §3.5: polling sooner than the interval is slow_down, and the interval grows by 5 s.
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'slow_down', error_description: 'Poll at most every 10 seconds.' });

    // The user types it in lower case with a space instead of the dash: still the code (RFC 8628 §6.1).
    const typed = device.user_code.toLowerCase().replace('-', ' ');
    const looked = await app.gql(LOOK_UP, { input: { userCode: typed } }, { bearer: user.accessToken });
    expect(looked.body.data.deviceAuthorizationRequest).toEqual({
      __typename: 'DeviceAuthorizationRequest', clientId: cli.clientId, clientName: 'Latchkey CLI', scopes: ['openid', 'email'],
    });
    const approved = await app.gql(DECIDE('approveDevice'), { input: { userCode: typed } }, { bearer: user.accessToken });
    expect(approved.body.data.approveDevice).toEqual({ __typename: 'DeviceAuthorizationRequest', clientName: 'Latchkey CLI', scopes: ['openid', 'email'] });
    // Decided once: a second approval finds nothing pending.
    expect((await app.gql(DECIDE('approveDevice'), { input: { userCode: typed } }, { bearer: user.accessToken })).body.data.approveDevice)
      .toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });

    const tokens = await poll(await waitedInterval(device.device_code));
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'openid email' });
    expect(oauth.getValidatedIdTokenClaims(tokens)).toMatchObject({ sub: user.userId, aud: cli.clientId, email: user.email });
    expect((await app.gql(VIEWER, {}, { bearer: tokens.access_token })).body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { id: user.userId } });
    const [c, auth] = clientOf(cli);
    const refreshed = await oauth.processRefreshTokenResponse(as, c, await oauth.refreshTokenGrantRequest(as, c, auth, tokens.refresh_token!, INSECURE));
    expect(refreshed.access_token).toBeDefined();
    // Used once: the device code is now invalid_grant.
    await expect(poll(await waitedInterval(device.device_code))).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('answers access_denied when the user refuses, and expired_token after ten minutes', async () => {
    const user = await signUpUser(app);
    const denied = await start();
    expect((await app.gql(DECIDE('denyDevice'), { input: { userCode: denied.user_code } }, { bearer: user.accessToken })).body.data.denyDevice)
      .toMatchObject({ __typename: 'DeviceAuthorizationRequest' });
    await expect(poll(denied.device_code)).rejects.toMatchObject({ error: 'access_denied' });

    const expired = await start();
    await app.database.rows(sql`update oauth_device_codes set expires_at = now() - interval '1 second' where client_id = ${cli.clientId} and status = 'pending'`);
    await expect(poll(expired.device_code)).rejects.toMatchObject({ error: 'expired_token' });
    expect((await app.gql(DECIDE('approveDevice'), { input: { userCode: expired.user_code } }, { bearer: user.accessToken })).body.data.approveDevice)
      .toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it('counts wrong user codes: the eleventh in 15 minutes is RATE_LIMITED, even if right', async () => {
    const user = await signUpUser(app);
    const device = await start();
    for (let i = 0; i < 10; i++) {
      const wrong = await app.gql(LOOK_UP, { input: { userCode: 'BCDF-GHJK' } }, { bearer: user.accessToken });
      expect(wrong.body.data.deviceAuthorizationRequest).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    }
    const limited = await app.gql(DECIDE('approveDevice'), { input: { userCode: device.user_code } }, { bearer: user.accessToken });
    expect(limited.body.data.approveDevice).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });
  });

  it('refuses a client not registered for the device flow, another client\'s device code, and scopes beyond the client\'s', async () => {
    const web = await registerClient(app, admin.accessToken, { public: true });
    await expect(start(web)).rejects.toMatchObject({ error: 'unauthorized_client' });
    await expect(start(cli, 'openid profile')).rejects.toMatchObject({ error: 'invalid_scope' });

    const other = await registerClient(app, admin.accessToken, { public: true, redirectUris: [], grantTypes: ['DEVICE_CODE'], scopes: ['openid'] });
    const device = await start(other, 'openid');
    await expect(poll(device.device_code)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The other client was registered without REFRESH_TOKEN: its tokens come without a refresh token.
    const user = await signUpUser(app);
    await app.gql(DECIDE('approveDevice'), { input: { userCode: device.user_code } }, { bearer: user.accessToken });
    const [oc, oauthOther] = clientOf(other);
    const tokens = await oauth.processDeviceCodeResponse(as, oc, await oauth.deviceCodeGrantRequest(as, oc, oauthOther, device.device_code, INSECURE));
    expect(tokens.access_token).toBeDefined();
    expect(tokens).not.toHaveProperty('refresh_token');
    // And the web client may not use the device_code grant at the token endpoint at all.
    const [c, auth] = clientOf(web);
    await expect(oauth.processDeviceCodeResponse(as, c, await oauth.deviceCodeGrantRequest(as, c, auth, device.device_code, INSECURE)))
      .rejects.toMatchObject({ error: 'unauthorized_client' });
  });

  it('registers grant types: a device-only client needs no redirect URI, a public one may not have client_credentials', async () => {
    const REGISTER = /* GraphQL */ `mutation R($input: RegisterOAuthClientInput!) {
      registerOAuthClient(input: $input) { __typename ... on RegisterOAuthClientPayload { client { grantTypes redirectUris } } ... on ValidationError { field } } }`;
    const register = async (input: Record<string, unknown>) =>
      (await app.gql(REGISTER, { input: { name: 'X', scopes: ['openid'], public: true, redirectUris: [], ...input } }, { bearer: admin.accessToken })).body.data.registerOAuthClient;
    expect(await register({ grantTypes: ['DEVICE_CODE'] })).toEqual({
      __typename: 'RegisterOAuthClientPayload', client: { grantTypes: ['DEVICE_CODE'], redirectUris: [] },
    });
    expect(await register({ grantTypes: ['AUTHORIZATION_CODE'] })).toEqual({ __typename: 'ValidationError', field: 'redirectUris' });
    expect(await register({ grantTypes: ['CLIENT_CREDENTIALS'] })).toEqual({ __typename: 'ValidationError', field: 'grantTypes' });
    expect(await register({ grantTypes: [] })).toEqual({ __typename: 'ValidationError', field: 'grantTypes' });
  });
});
