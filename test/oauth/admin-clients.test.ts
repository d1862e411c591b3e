import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { authorize, discover, redeem, registerClient } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const UPDATE = /* GraphQL */ `
  mutation U($input: UpdateOAuthClientInput!) {
    updateOAuthClient(input: $input) {
      __typename
      ... on OAuthClient { clientId name redirectUris scopes }
      ... on Error { code }
      ... on ValidationError { field }
    }
  }`;
const ROTATE = /* GraphQL */ `
  mutation R($clientId: String!) {
    rotateOAuthClientSecret(clientId: $clientId) {
      __typename
      ... on RotateOAuthClientSecretPayload { clientSecret client { clientId } }
      ... on Error { code }
      ... on ValidationError { field }
    }
  }`;
const DELETE = /* GraphQL */ `
  mutation D($clientId: String!) {
    deleteOAuthClient(clientId: $clientId) { __typename ... on DeleteOAuthClientPayload { clientId revokedGrants } ... on Error { code } }
  }`;

const GRANTS = /* GraphQL */ `
  query G($clientId: String!, $first: Int, $after: String) {
    oauthClient(clientId: $clientId) {
      grants(first: $first, after: $after) {
        edges { node { userId user { id email } scopes offlineAccess createdAt lastUsedAt } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;
const REVOKE_GRANT = /* GraphQL */ `
  mutation V($userId: ID!, $clientId: String!) {
    revokeUserOAuthGrant(userId: $userId, clientId: $clientId) { __typename ... on RevokeOAuthGrantPayload { revokedSessions } ... on Error { code } }
  }`;

describe(`admin: OAuth clients (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app.close());

  it('updates a client\'s name, redirect URIs and scopes, checked as at registration', async () => {
    const client = await registerClient(app, admin.accessToken, { name: 'Before' });
    const { body } = await app.gql(UPDATE, {
      input: { clientId: client.clientId, name: 'After', redirectUris: ['https://app.example/cb'], scopes: ['openid'] },
    }, { bearer: admin.accessToken });
    expect(body.data.updateOAuthClient).toEqual({
      __typename: 'OAuthClient', clientId: client.clientId, name: 'After', redirectUris: ['https://app.example/cb'], scopes: ['openid'],
    });
    const bad = await app.gql(UPDATE, { input: { clientId: client.clientId, redirectUris: ['http://evil.example/cb'] } }, { bearer: admin.accessToken });
    expect(bad.body.data.updateOAuthClient).toMatchObject({ code: 'VALIDATION_FAILED', field: 'redirectUris' });
    const scopes = await app.gql(UPDATE, { input: { clientId: client.clientId, scopes: ['apikeys:manage'] } }, { bearer: admin.accessToken });
    expect(scopes.body.data.updateOAuthClient).toMatchObject({ code: 'VALIDATION_FAILED', field: 'scopes' });
    const unknown = await app.gql(UPDATE, { input: { clientId: 'lk_nope', name: 'x' } }, { bearer: admin.accessToken });
    expect(unknown.body.data.updateOAuthClient.code).toBe('NOT_FOUND');
    const user = await signUpUser(app);
    const refused = await app.gql(UPDATE, { input: { clientId: client.clientId, name: 'mine now' } }, { bearer: user.accessToken });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('changes grant types, the PAR requirement and post-logout URIs, checked as a whole; a public client never gets client_credentials', async () => {
    const client = await registerClient(app, admin.accessToken, { public: true });
    const FULL = 'mutation U($input: UpdateOAuthClientInput!) { updateOAuthClient(input: $input) { __typename ... on OAuthClient { grantTypes requirePar postLogoutRedirectUris redirectUris } ... on ValidationError { field } } }';
    const update = async (input: Record<string, unknown>) => (await app.gql(FULL, { input: { clientId: client.clientId, ...input } }, { bearer: admin.accessToken })).body.data.updateOAuthClient;
    expect(await update({ grantTypes: ['AUTHORIZATION_CODE'], requirePar: true, postLogoutRedirectUris: ['https://app.example/bye'] })).toEqual({
      __typename: 'OAuthClient', grantTypes: ['AUTHORIZATION_CODE'], requirePar: true, postLogoutRedirectUris: ['https://app.example/bye'], redirectUris: [client.redirectUri],
    });
    expect(await update({ grantTypes: ['CLIENT_CREDENTIALS'] })).toMatchObject({ __typename: 'ValidationError', field: 'grantTypes' });
    expect(await update({ postLogoutRedirectUris: ['http://evil.example/bye'] })).toMatchObject({ __typename: 'ValidationError', field: 'postLogoutRedirectUris' });
    // The code flow needs a redirect URI; a device-only client does not.
    expect(await update({ redirectUris: [] })).toMatchObject({ __typename: 'ValidationError', field: 'redirectUris' });
    expect(await update({ redirectUris: [], grantTypes: ['DEVICE_CODE'] })).toMatchObject({ grantTypes: ['DEVICE_CODE'], redirectUris: [] });
    // The PAR requirement is kept at once by the authorization endpoint (RFC 9126 §6).
    await update({ redirectUris: [client.redirectUri], grantTypes: ['AUTHORIZATION_CODE', 'REFRESH_TOKEN'] });
    const user = await signUpUser(app);
    await expect(authorize(app, user.accessToken, client)).rejects.toThrow(/request_uri|PAR|pushed/i);
    await update({ requirePar: false });
    await expect(authorize(app, user.accessToken, client)).resolves.toMatchObject({ redirectTo: expect.stringContaining('code=') });
  });

  it('two admins changing different settings at once never store a combination that was not checked as a whole', async () => {
    const FIELDS = 'mutation U($input: UpdateOAuthClientInput!) { updateOAuthClient(input: $input) { __typename ... on OAuthClient { grantTypes redirectUris } ... on ValidationError { code field } } }';
    const CLIENT = 'query C($clientId: String!) { oauthClient(clientId: $clientId) { grantTypes redirectUris } }';
    // Each change is valid alone; together they are a code-flow client without a redirect URI.
    for (let round = 0; round < 5; round += 1) {
      const client = await registerClient(app, admin.accessToken, { public: true, grantTypes: ['DEVICE_CODE'] });
      const change = async (input: Record<string, unknown>) =>
        (await app.gql(FIELDS, { input: { clientId: client.clientId, ...input } }, { bearer: admin.accessToken })).body.data.updateOAuthClient;
      const answers = await Promise.all([change({ redirectUris: [] }), change({ grantTypes: ['AUTHORIZATION_CODE'] })]);
      const kinds = answers.map((answer: { __typename: string }) => answer.__typename).sort();
      expect(kinds).toEqual(['OAuthClient', 'ValidationError']);
      expect(answers.find((answer: { __typename: string }) => answer.__typename === 'ValidationError'))
        .toMatchObject({ code: 'VALIDATION_FAILED', field: 'redirectUris' });
      const stored = (await app.gql(CLIENT, { clientId: client.clientId }, { bearer: admin.accessToken })).body.data.oauthClient;
      expect(stored).toEqual(answers[0].__typename === 'OAuthClient'
        ? { grantTypes: ['DEVICE_CODE'], redirectUris: [] }
        : { grantTypes: ['AUTHORIZATION_CODE'], redirectUris: [client.redirectUri] });
    }
  });

  it('lists every account\'s live grant to a client, one per account, newest first, paged; an admin ends one', async () => {
    const client = await registerClient(app, admin.accessToken, { scopes: ['openid', 'profile', 'email', 'offline_access'] });
    const as = await discover(app);
    const first = await signUpUser(app);
    const second = await signUpUser(app);
    await redeem(as, client, await authorize(app, first.accessToken, client, { scope: 'openid email' }));
    await redeem(as, client, await authorize(app, first.accessToken, client, { scope: 'openid profile' }));
    const offline = await redeem(as, client, await authorize(app, second.accessToken, client, { scope: 'openid offline_access' }));
    const page = async (after: string | null) => (await app.gql(GRANTS, { clientId: client.clientId, first: 1, after }, { bearer: admin.accessToken })).body.data.oauthClient.grants;
    const one = await page(null);
    expect(one.edges.map((e: { node: unknown }) => e.node)).toEqual([expect.objectContaining({
      userId: second.userId, user: { id: second.userId, email: second.email }, scopes: ['openid', 'offline_access'], offlineAccess: true,
    })]);
    expect(one.pageInfo.hasNextPage).toBe(true);
    const two = await page(one.pageInfo.endCursor);
    expect(two.edges.map((e: { node: unknown }) => e.node)).toEqual([expect.objectContaining({
      userId: first.userId, scopes: ['openid', 'email', 'profile'], offlineAccess: false,
    })]);
    expect(two.pageInfo.hasNextPage).toBe(false);
    const user = await signUpUser(app);
    expect((await app.gql(GRANTS, { clientId: client.clientId }, { bearer: user.accessToken })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect((await app.gql('{ viewer { credential } }', {}, { bearer: offline.access_token })).status).toBe(200);
    const { body } = await app.gql(REVOKE_GRANT, { userId: second.userId, clientId: client.clientId }, { bearer: admin.accessToken });
    expect(body.data.revokeUserOAuthGrant).toEqual({ __typename: 'RevokeOAuthGrantPayload', revokedSessions: 1 });
    expect((await app.gql('{ viewer { credential } }', {}, { bearer: offline.access_token })).status).toBe(401);
    expect((await page(null)).edges.map((e: { node: { userId: string } }) => e.node.userId)).toEqual([first.userId]);
    const again = await app.gql(REVOKE_GRANT, { userId: second.userId, clientId: client.clientId }, { bearer: admin.accessToken });
    expect(again.body.data.revokeUserOAuthGrant.code).toBe('NOT_FOUND');
  });

  it('rotates a confidential client\'s secret: shown once, the old one refused at once, the new one accepted', async () => {
    const client = await registerClient(app, admin.accessToken);
    const as = await discover(app);
    const user = await signUpUser(app);
    const { body } = await app.gql(ROTATE, { clientId: client.clientId }, { bearer: admin.accessToken });
    const rotated = body.data.rotateOAuthClientSecret;
    expect(rotated.__typename).toBe('RotateOAuthClientSecretPayload');
    expect(rotated.clientSecret).not.toBe(client.clientSecret);
    await expect(redeem(as, client, await authorize(app, user.accessToken, client))).rejects.toThrow();
    const tokens = await redeem(as, { ...client, clientSecret: rotated.clientSecret }, await authorize(app, user.accessToken, client));
    expect(tokens.access_token).toEqual(expect.any(String));
    const publicClient = await registerClient(app, admin.accessToken, { public: true });
    const none = await app.gql(ROTATE, { clientId: publicClient.clientId }, { bearer: admin.accessToken });
    expect(none.body.data.rotateOAuthClientSecret).toMatchObject({ code: 'VALIDATION_FAILED', field: 'clientId' });
  });

  it('deletes a client: every grant to it ends at once and its tokens are refused', async () => {
    const client = await registerClient(app, admin.accessToken);
    const as = await discover(app);
    const user = await signUpUser(app);
    const tokens = await redeem(as, client, await authorize(app, user.accessToken, client));
    const viewer = async () => (await app.gql('{ viewer { credential } }', {}, { bearer: tokens.access_token })).status;
    expect(await viewer()).toBe(200);
    const { body } = await app.gql(DELETE, { clientId: client.clientId }, { bearer: admin.accessToken });
    expect(body.data.deleteOAuthClient).toEqual({ __typename: 'DeleteOAuthClientPayload', clientId: client.clientId, revokedGrants: 1 });
    expect(await viewer()).toBe(401);
    await expect(authorize(app, user.accessToken, client)).rejects.toThrow();
    expect((await app.gql(DELETE, { clientId: client.clientId }, { bearer: admin.accessToken })).body.data.deleteOAuthClient.code).toBe('NOT_FOUND');
    const events = await app.gql('query A($t: ID) { auditEvents(targetId: $t) { edges { node { eventType metadata } } } }', { t: client.clientId }, { bearer: admin.accessToken });
    // The client's whole history, newest first: deleted, then registered.
    expect(events.body.data.auditEvents.edges.map((edge: { node: { eventType: string } }) => edge.node.eventType))
      .toEqual(['OAUTH_CLIENT_DELETED', 'OAUTH_CLIENT_REGISTERED']);
    expect(events.body.data.auditEvents.edges[0].node.metadata).toEqual({ revokedGrants: 1 });
  });
});
