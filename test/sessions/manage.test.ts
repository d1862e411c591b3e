import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpUser, type SignedUp } from '../helpers/users.ts';

const LOGOUT = 'mutation Logout($everywhere: Boolean) { logout(input: { everywhere: $everywhere }) { revokedSessions } }';
const REFRESH = 'mutation Refresh($token: String!) { refresh(input: { refreshToken: $token }) { __typename } }';
const SESSIONS = '{ sessions { edges { node { id current userAgent ip createdAt expiresAt lastUsedAt } } } }';
const CHANGE_PASSWORD = /* GraphQL */ `
  mutation Change($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ... on ChangePasswordPayload { revokedSessions }
      ... on Error { code }
      ... on ValidationError { field }
    }
  }`;
const REVOKE = /* GraphQL */ `
  mutation Revoke($id: ID!) {
    revokeSession(id: $id) { __typename ... on Session { id current } ... on Error { code } }
  }`;

describe(`managing sessions (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  /** A second sign-in of the same user: another device. */
  async function loginAgain(user: SignedUp) {
    const { body } = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }, { headers: { 'user-agent': 'second-device' } });
    return { sessionId: body.data.login.session.id as string, accessToken: body.data.login.tokens.accessToken as string, refreshToken: body.data.login.tokens.refreshToken as string };
  }
  const viewerStatus = async (token: string) => {
    const { status, body } = await app.gql('{ viewer { credential } }', {}, { bearer: token });
    return status === 200 ? body.data.viewer.credential : body.errors?.[0]?.extensions?.reason;
  };

  it('lists the caller\'s live sessions and marks the current one', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const { body } = await app.gql(SESSIONS, {}, { bearer: user.accessToken });
    const sessions = body.data.sessions.edges.map((edge: { node: { id: string } }) => edge.node);
    expect(sessions.map((s: { id: string }) => s.id).sort()).toEqual([user.sessionId, other.sessionId].sort());
    expect(sessions.find((s: { id: string }) => s.id === user.sessionId).current).toBe(true);
    expect(sessions.find((s: { id: string }) => s.id === other.sessionId)).toMatchObject({ current: false, userAgent: 'second-device', ip: '127.0.0.1' });
  });

  it('pages through the sessions newest first, each once, with cursors', async () => {
    const user = await signUpUser(app);
    const second = await loginAgain(user);
    const third = await loginAgain(user);
    const PAGE = `query P($first: Int, $after: String) { sessions(first: $first, after: $after) {
      edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
    const page = async (variables: Record<string, unknown>) => (await app.gql(PAGE, variables, { bearer: user.accessToken })).body;
    const one = (await page({ first: 2 })).data.sessions;
    expect(one.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([third.sessionId, second.sessionId]);
    expect(one.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: one.edges[0].cursor, endCursor: one.edges[1].cursor });
    const two = (await page({ first: 2, after: one.pageInfo.endCursor })).data.sessions;
    expect(two.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([user.sessionId]);
    expect(two.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    for (const bad of [{ first: 0 }, { first: 101 }, { after: 'not-a-cursor' }]) {
      const refused = await page(bad);
      expect(refused.errors?.[0]?.extensions?.code, JSON.stringify(bad)).toBe('BAD_USER_INPUT');
      expect(refused.data).toBeNull();
    }
  });

  it('refuses the session list to an anonymous caller with FORBIDDEN', async () => {
    const { body } = await app.gql(SESSIONS);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('logout ends the current session at once and leaves the others', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const { body } = await app.gql(LOGOUT, {}, { bearer: user.accessToken });
    expect(body.data.logout.revokedSessions).toBe(1);
    expect(await viewerStatus(user.accessToken)).toBe('revoked');
    expect((await app.gql(REFRESH, { token: user.refreshToken })).body.data.refresh.__typename).toBe('InvalidTokenError');
    expect(await viewerStatus(other.accessToken)).toBe('ACCESS_TOKEN');
  });

  it('logout everywhere ends every session of the account', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const { body } = await app.gql(LOGOUT, { everywhere: true }, { bearer: user.accessToken });
    expect(body.data.logout.revokedSessions).toBe(2);
    expect(await viewerStatus(user.accessToken)).toBe('revoked');
    expect(await viewerStatus(other.accessToken)).toBe('revoked');
    expect((await app.gql(REFRESH, { token: other.refreshToken })).body.data.refresh.__typename).toBe('InvalidTokenError');
  });

  it('logout without a credential ends nothing', async () => {
    expect((await app.gql(LOGOUT)).body.data.logout.revokedSessions).toBe(0);
  });

  it('revokeSession ends one of the caller\'s sessions', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const { body } = await app.gql(REVOKE, { id: other.sessionId }, { bearer: user.accessToken });
    expect(body.data.revokeSession).toEqual({ __typename: 'Session', id: other.sessionId, current: false });
    expect(await viewerStatus(other.accessToken)).toBe('revoked');
    expect(await viewerStatus(user.accessToken)).toBe('ACCESS_TOKEN');
    const again = await app.gql(REVOKE, { id: other.sessionId }, { bearer: user.accessToken });
    expect(again.body.data.revokeSession).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
  });

  it.each([
    ['another user\'s session', async () => (await signUpUser(app)).sessionId],
    ['an unknown id', async () => crypto.randomUUID()],
    ['a malformed id', async () => 'not-a-uuid\'; drop table sessions; --'],
  ])('revokeSession answers NotFoundError for %s and ends nothing', async (_what, id) => {
    const user = await signUpUser(app);
    const target = await id();
    const { status, body } = await app.gql(REVOKE, { id: target }, { bearer: user.accessToken });
    expect(status).toBe(200);
    expect(body.data.revokeSession.__typename).toBe('NotFoundError');
    const revoked = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from sessions where revoked_at is not null and user_id <> ${user.userId} and id::text = ${target}`);
    expect(revoked[0]!.n).toBe(0);
  });

  it('changePassword keeps the current session, ends the others and changes what logs in', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const third = await loginAgain(user);
    const newPassword = 'a brand new passphrase';
    const { headers, body } = await app.gql(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword } }, { bearer: user.accessToken });
    expect(body.data.changePassword).toEqual({ __typename: 'ChangePasswordPayload', revokedSessions: 2 });
    expect(headers.get('cache-control')).not.toBe('public');
    expect(await viewerStatus(user.accessToken)).toBe('ACCESS_TOKEN');
    expect(await viewerStatus(other.accessToken)).toBe('revoked');
    expect(await viewerStatus(third.accessToken)).toBe('revoked');
    expect((await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).body.data.login.__typename).toBe('InvalidCredentialsError');
    expect((await app.gql(LOGIN, { input: { email: user.email, password: newPassword } })).body.data.login.__typename).toBe('TokenAuthPayload');
    const events = await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${user.userId} and type = 'password.changed'`);
    expect(events).toHaveLength(1);
  });

  it('changePassword refuses a wrong current password and a weak new one, and changes nothing', async () => {
    const user = await signUpUser(app);
    const other = await loginAgain(user);
    const wrong = await app.gql(CHANGE_PASSWORD, { input: { currentPassword: 'not my password', newPassword: 'another fine passphrase' } }, { bearer: user.accessToken });
    expect(wrong.body.data.changePassword).toMatchObject({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS' });
    const weak = await app.gql(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: 'football' } }, { bearer: user.accessToken });
    expect(weak.body.data.changePassword).toMatchObject({ __typename: 'ValidationError', field: 'newPassword' });
    expect(await viewerStatus(other.accessToken)).toBe('ACCESS_TOKEN');
    expect((await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } })).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('changePassword is refused to an anonymous caller', async () => {
    const { body } = await app.gql(CHANGE_PASSWORD, { input: { currentPassword: PASSWORD, newPassword: 'another fine passphrase' } });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('honours a revocation that another instance announces on the channel, with no database read', async () => {
    const user = await signUpUser(app);
    expect(await viewerStatus(user.accessToken)).toBe('ACCESS_TOKEN');
    await app.database.notify('latchkey_invalidations', `session:${user.sessionId}`);
    await expect.poll(() => viewerStatus(user.accessToken), { timeout: 2000, interval: 20 }).toBe('revoked');
  });
});

if (ENGINE === 'postgres') {
  describe('two instances on one PostgreSQL database', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('share signing keys: a token from one is accepted by the other', async () => {
      const user = await signUpUser(one);
      const { body } = await two.gql('{ viewer { credential user { id } } }', {}, { bearer: user.accessToken });
      expect(body.data.viewer).toEqual({ credential: 'ACCESS_TOKEN', user: { id: user.userId } });
    });

    it('a logout on one instance is refused by the other at once', async () => {
      const user = await signUpUser(one);
      expect((await two.gql('{ viewer { credential } }', {}, { bearer: user.accessToken })).status).toBe(200);
      await one.gql(LOGOUT, {}, { bearer: user.accessToken });
      await expect.poll(async () => (await two.gql('{ viewer { credential } }', {}, { bearer: user.accessToken })).status, { timeout: 1000, interval: 10 }).toBe(401);
    });

    it('a refresh-token family rotates across instances without forking', async () => {
      const user = await signUpUser(one);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).gql(
        'mutation R($t: String!) { refresh(input: { refreshToken: $t }) { ... on TokenAuthPayload { tokens { refreshToken } } } }', { t: user.refreshToken })));
      expect(new Set(results.map((r) => r.body.data.refresh.tokens.refreshToken)).size).toBe(1);
    });
  });
}
