import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { createKey } from '../helpers/apikeys.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, uniqueEmail, type SignedUp } from '../helpers/users.ts';

const USERS = /* GraphQL */ `
  query Users($first: Int, $after: String, $emailContains: String, $disabled: Boolean) {
    users(first: $first, after: $after, emailContains: $emailContains, disabled: $disabled) {
      edges { cursor node { id email disabledAt roles } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
const USER = /* GraphQL */ `
  query User($id: ID!) {
    user(id: $id) {
      id email disabledAt roles
      sessions { edges { node { id } } }
      apiKeys { edges { node { id name } } }
      identities { provider }
      secondFactors { methods }
    }
  }`;
const DISABLE = 'mutation D($id: ID!) { disableUser(id: $id) { __typename ... on User { id disabledAt } ... on Error { code } } }';
const ENABLE = 'mutation E($id: ID!) { enableUser(id: $id) { __typename ... on User { id disabledAt } ... on Error { code } } }';
const SET_ROLES = /* GraphQL */ `
  mutation R($input: SetUserRolesInput!) {
    setUserRoles(input: $input) { __typename ... on User { roles } ... on Error { code } ... on ValidationError { field } }
  }`;
const REVOKE_SESSIONS = /* GraphQL */ `
  mutation S($id: ID!) { revokeUserSessions(id: $id) { __typename ... on RevokeUserSessionsPayload { revokedSessions user { id } } ... on Error { code } } }`;
const REVOKE_ONE = /* GraphQL */ `
  mutation O($userId: ID!, $sessionId: ID!) {
    revokeUserSession(userId: $userId, sessionId: $sessionId) { __typename ... on Session { id } ... on Error { code } }
  }`;
const REVOKE_OWN = 'mutation M($id: ID!) { revokeSession(id: $id) { __typename ... on Error { code } } }';
const DELETE = /* GraphQL */ `
  mutation X($id: ID!) {
    deleteUser(id: $id) {
      __typename
      ... on DeleteUserPayload { deletedUserId revokedSessions deletedApiKeys unlinkedIdentities }
      ... on Error { code }
    }
  }`;
const VERIFY = 'mutation V($key: String!) { verifyApiKey(key: $key) { valid code } }';

async function viewerStatus(app: TestApp, options: { bearer?: string; headers?: Record<string, string> }) {
  const { status, body } = await app.gql('{ viewer { credential } }', {}, options);
  return status === 200 ? body.data.viewer.credential : `${status} ${body.errors?.[0]?.extensions?.reason}`;
}

async function login(app: TestApp, email: string) {
  return (await app.gql(LOGIN, { input: { email, password: PASSWORD } })).body.data.login;
}

describe(`admin: accounts (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app.close());

  it('lists accounts newest first and finds them by a part of the address, whatever its case', async () => {
    const tag = `find${Date.now()}`;
    const first = await signUpUser(app, `${tag}-one@example.com`);
    const second = await signUpUser(app, `${tag}-TWO@example.com`);
    const page = async (variables: Record<string, unknown>) => (await app.gql(USERS, variables, { bearer: admin.accessToken })).body;
    const found = (await page({ emailContains: tag.toUpperCase() })).data.users;
    expect(found.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([second.userId, first.userId]);
    const one = (await page({ emailContains: tag, first: 1 })).data.users;
    expect(one.pageInfo.hasNextPage).toBe(true);
    const rest = (await page({ emailContains: tag, first: 1, after: one.pageInfo.endCursor })).data.users;
    expect(rest.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([first.userId]);
    // LIKE wildcards are plain text here: "%" matches only a "%".
    expect((await page({ emailContains: '%' })).data.users.edges).toEqual([]);
    expect((await page({ emailContains: '' })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses the account list and an account to a non-admin with FORBIDDEN', async () => {
    const user = await signUpUser(app);
    for (const [query, variables] of [[USERS, {}], [USER, { id: admin.userId }]] as const) {
      const { body } = await app.gql(query, variables, { bearer: user.accessToken });
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(body.data?.users ?? body.data?.user ?? null).toBeNull();
    }
    const anonymous = await app.gql(USERS);
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows an admin another account\'s sessions, keys, identities and factors', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { name: 'their key' });
    const { body } = await app.gql(USER, { id: user.userId }, { bearer: admin.accessToken });
    expect(body.data.user).toMatchObject({
      id: user.userId, email: user.email, disabledAt: null, roles: [],
      sessions: { edges: [{ node: { id: user.sessionId } }] },
      apiKeys: { edges: [{ node: { id: key.id, name: 'their key' } }] },
      identities: [], secondFactors: { methods: [] },
    });
    expect((await app.gql(USER, { id: '00000000-0000-4000-8000-000000000000' }, { bearer: admin.accessToken })).body.data.user).toBeNull();
    expect((await app.gql(USER, { id: 'nope' }, { bearer: admin.accessToken })).body.data.user).toBeNull();
    // The account itself reads its own through me; another account cannot reach it.
    const mine = await app.gql('{ me { sessions { edges { node { id } } } apiKeys { edges { node { id } } } } }', {}, { bearer: user.accessToken });
    expect(mine.body.data.me.apiKeys.edges).toEqual([{ node: { id: key.id } }]);
  });

  it('disabling an account refuses its sign-in, tokens, refresh and keys at once; enabling lets it sign in again', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken);
    expect(await viewerStatus(app, { headers: { 'x-api-key': key.secret } })).toBe('API_KEY');

    const { body } = await app.gql(DISABLE, { id: user.userId }, { bearer: admin.accessToken });
    expect(body.data.disableUser).toMatchObject({ __typename: 'User', id: user.userId });
    expect(Date.parse(body.data.disableUser.disabledAt)).toBeGreaterThan(Date.now() - 60_000);

    expect(await viewerStatus(app, { bearer: user.accessToken })).toBe('401 revoked');
    expect(await viewerStatus(app, { headers: { 'x-api-key': key.secret } })).toBe('401 revoked');
    const verifier = await createKey(app, admin.accessToken, { scopes: ['apikeys:verify'] });
    const verified = await app.gql(VERIFY, { key: key.secret }, { headers: { 'x-api-key': verifier.secret } });
    expect(verified.body.data.verifyApiKey).toEqual({ valid: false, code: 'OWNER_DISABLED' });
    const refreshed = await app.gql('mutation R($t: String!) { refresh(input: { refreshToken: $t }) { __typename ... on Error { code } } }', { t: user.refreshToken });
    expect(refreshed.body.data.refresh).toEqual({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
    expect(await login(app, user.email)).toMatchObject({ __typename: 'AccountDisabledError', code: 'ACCOUNT_DISABLED' });
    // A wrong password still says only that the credentials are wrong.
    const wrong = (await app.gql(LOGIN, { input: { email: user.email, password: 'not the password at all' } })).body.data.login;
    expect(wrong.code).toBe('INVALID_CREDENTIALS');
    const listed = await app.gql(USERS, { emailContains: user.email, disabled: true }, { bearer: admin.accessToken });
    expect(listed.body.data.users.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([user.userId]);

    const enabled = await app.gql(ENABLE, { id: user.userId }, { bearer: admin.accessToken });
    expect(enabled.body.data.enableUser).toEqual({ __typename: 'User', id: user.userId, disabledAt: null });
    expect(await viewerStatus(app, { headers: { 'x-api-key': key.secret } })).toBe('API_KEY');
    expect((await login(app, user.email)).__typename).toBe('TokenAuthPayload');
    // The sessions it had stay ended.
    expect(await viewerStatus(app, { bearer: user.accessToken })).toBe('401 revoked');
  });

  it('an admin cannot disable, delete or demote their own account, and a non-admin cannot disable anyone', async () => {
    expect((await app.gql(DISABLE, { id: admin.userId }, { bearer: admin.accessToken })).body.data.disableUser.code).toBe('SELF_ADMINISTRATION');
    expect((await app.gql(DELETE, { id: admin.userId }, { bearer: admin.accessToken })).body.data.deleteUser.code).toBe('SELF_ADMINISTRATION');
    const demoted = await app.gql(SET_ROLES, { input: { userId: admin.userId, roles: [] } }, { bearer: admin.accessToken });
    expect(demoted.body.data.setUserRoles.code).toBe('SELF_ADMINISTRATION');
    const user = await signUpUser(app);
    const refused = await app.gql(DISABLE, { id: admin.userId }, { bearer: user.accessToken });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await app.gql(DISABLE, { id: 'nope' }, { bearer: admin.accessToken })).body.data.disableUser.code).toBe('NOT_FOUND');
  });

  it('changes roles: a promoted account acts as admin at once, an unknown role is a ValidationError', async () => {
    const user = await signUpUser(app);
    expect((await app.gql(USERS, { first: 1 }, { bearer: user.accessToken })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const promoted = await app.gql(SET_ROLES, { input: { userId: user.userId, roles: ['admin'] } }, { bearer: admin.accessToken });
    expect(promoted.body.data.setUserRoles).toEqual({ __typename: 'User', roles: ['admin'] });
    expect((await app.gql(USERS, { first: 1 }, { bearer: user.accessToken })).body.data.users.edges).toHaveLength(1);
    const bad = await app.gql(SET_ROLES, { input: { userId: user.userId, roles: ['root'] } }, { bearer: admin.accessToken });
    expect(bad.body.data.setUserRoles).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field: 'roles' });
    await app.gql(SET_ROLES, { input: { userId: user.userId, roles: [] } }, { bearer: admin.accessToken });
    expect((await app.gql(USERS, { first: 1 }, { bearer: user.accessToken })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('ends every session of an account, leaving its keys working', async () => {
    const user = await signUpUser(app);
    const again = await login(app, user.email);
    const key = await createKey(app, user.accessToken);
    const { body } = await app.gql(REVOKE_SESSIONS, { id: user.userId }, { bearer: admin.accessToken });
    expect(body.data.revokeUserSessions).toEqual({ __typename: 'RevokeUserSessionsPayload', revokedSessions: 2, user: { id: user.userId } });
    expect(await viewerStatus(app, { bearer: user.accessToken })).toBe('401 revoked');
    expect(await viewerStatus(app, { bearer: again.tokens.accessToken })).toBe('401 revoked');
    expect(await viewerStatus(app, { headers: { 'x-api-key': key.secret } })).toBe('API_KEY');
  });

  it('ends one session of an account: its access and refresh tokens are refused, the other session works, the admin is the actor', async () => {
    const user = await signUpUser(app);
    const other = await login(app, user.email);
    const sessionId = other.session.id as string;
    const refused = await app.gql(REVOKE_OWN, { id: sessionId }, { bearer: (await signUpUser(app)).accessToken });
    expect(refused.body.data.revokeSession).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect((await app.gql(REVOKE_ONE, { userId: user.userId, sessionId }, { bearer: user.accessToken })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The pair must match: another account's id with this session ends nothing.
    const mismatched = await app.gql(REVOKE_ONE, { userId: admin.userId, sessionId }, { bearer: admin.accessToken });
    expect(mismatched.body.data.revokeUserSession).toEqual({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    expect(await viewerStatus(app, { bearer: other.tokens.accessToken })).toBe('ACCESS_TOKEN');

    const { body } = await app.gql(REVOKE_ONE, { userId: user.userId, sessionId }, { bearer: admin.accessToken });
    expect(body.data.revokeUserSession).toEqual({ __typename: 'Session', id: sessionId });
    expect(await viewerStatus(app, { bearer: other.tokens.accessToken })).toBe('401 revoked');
    const refresh = await app.gql('mutation F($input: RefreshInput!) { refresh(input: $input) { __typename } }', { input: { refreshToken: other.tokens.refreshToken } });
    expect(refresh.body.data.refresh.__typename).not.toMatch(/AuthPayload$/);
    expect(await viewerStatus(app, { bearer: user.accessToken })).toBe('ACCESS_TOKEN');
    const again = await app.gql(REVOKE_ONE, { userId: user.userId, sessionId }, { bearer: admin.accessToken });
    expect(again.body.data.revokeUserSession.code).toBe('NOT_FOUND');
    const events = await app.gql('query A($t: ID) { auditEvents(targetId: $t) { edges { node { type userId actor { userId } target { type id } metadata } } } }',
      { t: sessionId }, { bearer: admin.accessToken });
    expect(events.body.data.auditEvents.edges).toEqual([{ node: {
      type: 'session.revoked', userId: user.userId, actor: { userId: admin.userId }, target: { type: 'SESSION', id: sessionId }, metadata: { userId: user.userId },
    } }]);
  });

  it('deletes an account: its sign-in, tokens and keys stop, its audit events stay', async () => {
    const user = await signUpUser(app, uniqueEmail('deleted'));
    const key = await createKey(app, user.accessToken);
    const { body } = await app.gql(DELETE, { id: user.userId }, { bearer: admin.accessToken });
    expect(body.data.deleteUser).toEqual({
      __typename: 'DeleteUserPayload', deletedUserId: user.userId, revokedSessions: 1, deletedApiKeys: 1, unlinkedIdentities: 0,
    });
    expect(await viewerStatus(app, { bearer: user.accessToken })).toBe('401 revoked');
    expect(await viewerStatus(app, { headers: { 'x-api-key': key.secret } })).toBe('401 invalid');
    expect((await login(app, user.email)).code).toBe('INVALID_CREDENTIALS');
    expect((await app.gql(USER, { id: user.userId }, { bearer: admin.accessToken })).body.data.user).toBeNull();
    const events = await app.gql('query A($u: ID) { auditEvents(userId: $u, first: 100) { edges { node { type } } } }', { u: user.userId }, { bearer: admin.accessToken });
    const types = events.body.data.auditEvents.edges.map((edge: { node: { type: string } }) => edge.node.type);
    expect(types).toContain('user.deleted');
    expect(types).toContain('api_key.created');
    // The address is free again.
    expect((await signUpUser(app, user.email)).userId).not.toBe(user.userId);
  });

  it('records every admin action with the admin as actor and the account as target', async () => {
    const user = await signUpUser(app);
    await app.gql(DISABLE, { id: user.userId }, { bearer: admin.accessToken });
    const { body } = await app.gql('query A($u: ID) { auditEvents(userId: $u, type: "user.disabled") { edges { node { type userId } } } }', { u: user.userId }, { bearer: admin.accessToken });
    expect(body.data.auditEvents.edges).toEqual([{ node: { type: 'user.disabled', userId: user.userId } }]);
  });
});

if (ENGINE === 'postgres') {
  describe('admin: accounts across two instances', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('a disable on one instance refuses the account\'s token and key on the other at once; an enable restores the key', async () => {
      const admin = await signUpAdmin(one);
      const user = await signUpUser(one);
      const key = await createKey(one, user.accessToken);
      expect(await viewerStatus(two, { bearer: user.accessToken })).toBe('ACCESS_TOKEN');
      expect(await viewerStatus(two, { headers: { 'x-api-key': key.secret } })).toBe('API_KEY');
      await one.gql(DISABLE, { id: user.userId }, { bearer: admin.accessToken });
      await expect.poll(() => viewerStatus(two, { bearer: user.accessToken }), { timeout: 1000, interval: 10 }).toBe('401 revoked');
      await expect.poll(() => viewerStatus(two, { headers: { 'x-api-key': key.secret } }), { timeout: 1000, interval: 10 }).toBe('401 revoked');
      await one.gql(ENABLE, { id: user.userId }, { bearer: admin.accessToken });
      await expect.poll(() => viewerStatus(two, { headers: { 'x-api-key': key.secret } }), { timeout: 1000, interval: 10 }).toBe('API_KEY');
    });

    it('one session ended on one instance is refused by the other at once', async () => {
      const admin = await signUpAdmin(one);
      const user = await signUpUser(one);
      expect(await viewerStatus(two, { bearer: user.accessToken })).toBe('ACCESS_TOKEN');
      const { body } = await one.gql(REVOKE_ONE, { userId: user.userId, sessionId: user.sessionId }, { bearer: admin.accessToken });
      expect(body.data.revokeUserSession.__typename).toBe('Session');
      await expect.poll(() => viewerStatus(two, { bearer: user.accessToken }), { timeout: 1000, interval: 10 }).toBe('401 revoked');
    });

    it('a role taken away on one instance stops admin access on the other at once', async () => {
      const admin = await signUpAdmin(one);
      const other = await signUpAdmin(one);
      expect((await two.gql(USERS, { first: 1 }, { bearer: other.accessToken })).status).toBe(200);
      await one.gql(SET_ROLES, { input: { userId: other.userId, roles: [] } }, { bearer: admin.accessToken });
      await expect.poll(async () => (await two.gql(USERS, { first: 1 }, { bearer: other.accessToken })).body.errors?.[0]?.extensions?.code,
        { timeout: 1000, interval: 10 }).toBe('FORBIDDEN');
    });
  });
}
