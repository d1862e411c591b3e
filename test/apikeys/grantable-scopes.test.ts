import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/scopes.ts';
import { createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

// The scopes a key may be given, as the API lists them (the console's key form reads ApiKey.grantableScopes).

const SCOPES_QUERY = '{ apiKeyScopes { name description } }';
const KEY_SCOPES = 'query K($id: ID!) { apiKey(id: $id) { grantableScopes { name description } } }';
const FIRST_PARTY = ['openid', 'profile', 'email', 'sessions:manage', 'apikeys:manage', 'apikeys:verify'];
const described = (names: readonly string[]) => names.map((name) => ({ name, description: SCOPES[name as keyof typeof SCOPES] }));

describe(`the scopes a key may be given (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  let user: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
    user = await signUpUser(app);
  });
  afterAll(() => app.close());

  it('lists, with what each allows, the account\'s scopes to a plain user and admin besides to an admin', async () => {
    const plain = (await app.gql(SCOPES_QUERY, {}, { bearer: user.accessToken })).body.data.apiKeyScopes;
    expect(plain).toEqual(described(FIRST_PARTY));
    expect(plain.every((scope: { description: string }) => scope.description.length > 10)).toBe(true);
    const asAdmin = (await app.gql(SCOPES_QUERY, {}, { bearer: admin.accessToken })).body.data.apiKeyScopes;
    expect(asAdmin).toEqual(described([...FIRST_PARTY, 'admin']));
    const anonymous = await app.gql(SCOPES_QUERY, {});
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('never offers a calling key more than it holds', async () => {
    const key = await createKey(app, user.accessToken, { scopes: ['apikeys:manage', 'openid'] });
    const { body } = await app.gql(SCOPES_QUERY, {}, { headers: { 'x-api-key': key.secret } });
    expect(body.data.apiKeyScopes).toEqual(described(['openid', 'apikeys:manage']));
  });

  it('offers an admin editing a plain user\'s key only what that user may hand on, and admin for an admin\'s own key', async () => {
    const usersKey = await createKey(app, user.accessToken, { scopes: ['openid'] });
    const adminsKey = await createKey(app, admin.accessToken, { scopes: ['openid'] });
    const grantable = async (id: string, bearer: string) => (await app.gql(KEY_SCOPES, { id }, { bearer })).body.data.apiKey.grantableScopes;
    expect(await grantable(usersKey.id, admin.accessToken)).toEqual(described(FIRST_PARTY));
    expect(await grantable(usersKey.id, user.accessToken)).toEqual(described(FIRST_PARTY));
    expect(await grantable(adminsKey.id, admin.accessToken)).toEqual(described([...FIRST_PARTY, 'admin']));
    // What it lists is what updateApiKey takes: admin on the plain user's key is refused.
    const refused = await app.gql('mutation U($input: UpdateApiKeyInput!) { updateApiKey(input: $input) { __typename ... on ValidationError { field } } }',
      { input: { id: usersKey.id, scopes: ['openid', 'admin'] } }, { bearer: admin.accessToken });
    expect(refused.body.data.updateApiKey).toEqual({ __typename: 'ValidationError', field: 'scopes' });
  });
});
