import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { REGISTER_CLIENT } from '../helpers/oauth.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const input = (overrides: Record<string, unknown> = {}) => ({
  input: { name: 'App', redirectUris: ['https://app.example/callback'], scopes: ['openid'], public: false, ...overrides },
});

describe(`registering OAuth clients (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;

  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows a confidential client\'s secret once and keeps only its SHA-256', async () => {
    const { body } = await app.gql(REGISTER_CLIENT, input(), { bearer: admin.accessToken });
    const { client, clientSecret } = body.data.registerOAuthClient;
    expect(client).toMatchObject({ name: 'App', public: false, redirectUris: ['https://app.example/callback'], scopes: ['openid'] });
    expect(client.clientId).toMatch(/^lk_[A-Za-z0-9_-]{22}$/);
    expect(clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await app.database.rows<{ secret_hash: string }>(sql`select secret_hash from oauth_clients where client_id = ${client.clientId}`);
    expect(row!.secret_hash).not.toContain(clientSecret);
    expect(row!.secret_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const listed = await app.gql('{ oauthClients { edges { node { clientId public } } } }', {}, { bearer: admin.accessToken });
    expect(listed.body.data.oauthClients.edges).toContainEqual({ node: { clientId: client.clientId, public: false } });
    expect(JSON.stringify(listed.body)).not.toContain(clientSecret);
    const events = await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${admin.userId}`);
    expect(events.map((e) => e.type)).toContain('oauth.client_registered');
  });

  it('registers public clients without a secret, with loopback http redirect URIs', async () => {
    const { body } = await app.gql(REGISTER_CLIENT, input({
      public: true, redirectUris: ['http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:3000/cb', 'https://app.example/oauth'],
    }), { bearer: admin.accessToken });
    expect(body.data.registerOAuthClient).toMatchObject({ clientSecret: null, client: { public: true } });
  });

  it.each([
    ['http on a public host', { redirectUris: ['http://app.example/callback'] }, 'redirectUris'],
    ['a fragment', { redirectUris: ['https://app.example/callback#x'] }, 'redirectUris'],
    ['a wildcard', { redirectUris: ['https://*.app.example/callback'] }, 'redirectUris'],
    ['javascript:', { redirectUris: ['javascript:alert(1)'] }, 'redirectUris'],
    ['data:', { redirectUris: ['data:text/html,hi'] }, 'redirectUris'],
    ['a relative URI', { redirectUris: ['/callback'] }, 'redirectUris'],
    ['no redirect URI', { redirectUris: [] }, 'redirectUris'],
    ['a first-party scope', { scopes: ['openid', 'apikeys:manage'] }, 'scopes'],
    ['the admin scope', { scopes: ['admin'] }, 'scopes'],
    ['an empty name', { name: ' ' }, 'name'],
  ])('refuses %s', async (_what, overrides, field) => {
    const { body } = await app.gql(REGISTER_CLIENT, input(overrides), { bearer: admin.accessToken });
    expect(body.data.registerOAuthClient).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field });
  });

  it('is for admins only', async () => {
    const user = await signUpUser(app);
    for (const query of [REGISTER_CLIENT, '{ oauthClients { edges { node { id } } } }']) {
      for (const bearer of [user.accessToken, undefined]) {
        const { body } = await app.gql(query, query === REGISTER_CLIENT ? input() : {}, bearer === undefined ? {} : { bearer });
        expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
    }
  });
});
