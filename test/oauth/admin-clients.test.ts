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
    expect(events.body.data.auditEvents.edges).toEqual([{ node: { eventType: 'OAUTH_CLIENT_DELETED', metadata: { revokedGrants: 1 } } }]);
  });
});
