import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const AUDIT = /* GraphQL */ `
  query Audit($first: Int, $after: String, $type: String, $userId: ID) {
    auditEvents(first: $first, after: $after, type: $type, userId: $userId) {
      edges { cursor node { id type at userId ip userAgent detail } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;
const LOGOUT = 'mutation { logout { revokedSessions } }';
const REVOKE = 'mutation Revoke($id: ID!) { revokeSession(id: $id) { __typename } }';

interface AuditEvent {
  id: string;
  type: string;
  at: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: string | null;
}

describe(`the audit log (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app.close());

  const audit = async (bearer: string | undefined, variables: Record<string, unknown> = {}) =>
    app.gql(AUDIT, variables, bearer === undefined ? {} : { bearer });
  const events = async (bearer: string, variables: Record<string, unknown> = {}): Promise<AuditEvent[]> => {
    const { body } = await audit(bearer, { first: 100, ...variables });
    if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors));
    return body.data.auditEvents.edges.map((edge: { node: AuditEvent }) => edge.node);
  };
  const login = async (email: string, password: string) =>
    (await app.gql(LOGIN, { input: { email, password } }, { headers: { 'user-agent': 'audit-test/1.0' } })).body.data.login;

  it('records sign-up, login, session revocation and logout, newest first, with address and user agent', async () => {
    const user = await signUpUser(app);
    const second = await login(user.email, PASSWORD);
    expect((await app.gql(REVOKE, { id: second.session.id }, { bearer: user.accessToken })).body.data.revokeSession.__typename).toBe('Session');
    expect((await app.gql(LOGOUT, {}, { bearer: (await login(user.email, PASSWORD)).tokens.accessToken })).body.data.logout.revokedSessions).toBe(1);

    const mine = await events(user.accessToken);
    expect(mine.map((event) => event.type)).toEqual(['logout', 'login.succeeded', 'session.revoked', 'login.succeeded', 'user.signed_up']);
    expect(mine.every((event) => event.userId === user.userId && event.ip === '127.0.0.1')).toBe(true);
    expect(mine[1]!.userAgent).toBe('audit-test/1.0');
    expect(mine[2]!.detail).toBe(`session ${second.session.id} ended`);
    const times = mine.map((event) => Date.parse(event.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('never holds a secret: no password, token or cookie in any event', async () => {
    const user = await signUpUser(app);
    const wrong = 'not the password, but close!';
    expect((await login(user.email, wrong)).__typename).toBe('InvalidCredentialsError');
    const signedIn = await login(user.email, PASSWORD);
    await app.gql(LOGOUT, {}, { bearer: signedIn.tokens.accessToken });
    const everything = JSON.stringify(await events(admin.accessToken));
    for (const secret of [PASSWORD, wrong, user.accessToken, user.refreshToken, signedIn.tokens.accessToken, signedIn.tokens.refreshToken]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('shows a user only their own events, and refuses them another account\'s with FORBIDDEN', async () => {
    const alice = await signUpUser(app);
    const bob = await signUpUser(app);
    expect((await events(alice.accessToken)).every((event) => event.userId === alice.userId)).toBe(true);
    expect((await events(alice.accessToken, { userId: alice.userId })).length).toBeGreaterThan(0);
    const { body } = await audit(alice.accessToken, { userId: bob.userId });
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses an anonymous caller with FORBIDDEN', async () => {
    const { body } = await audit(undefined);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('shows an admin everyone\'s events, filtered by account and by type', async () => {
    const user = await signUpUser(app);
    await login(user.email, 'wrong password, twice');
    const all = await events(admin.accessToken);
    expect(new Set(all.map((event) => event.userId)).size).toBeGreaterThan(2);
    const theirs = await events(admin.accessToken, { userId: user.userId });
    // A wrong password against an existing account is filed under that account: filtering by it finds the attack.
    expect(theirs.map((event) => event.type)).toEqual(['login.failed', 'user.signed_up']);
    const failed = await events(admin.accessToken, { type: 'login.failed' });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((event) => event.type === 'login.failed')).toBe(true);
    expect(failed.some((event) => event.detail === `email: ${user.email}`)).toBe(true);
    expect(await events(admin.accessToken, { userId: 'not-an-id' })).toEqual([]);
  });

  it('pages newest first through events of the same millisecond, without gaps or repeats', async () => {
    const user = await signUpUser(app);
    // Eleven events in one millisecond, apart by microseconds: a millisecond cursor alone would lose some.
    for (let i = 0; i < 11; i += 1) {
      const at = `2020-01-01T00:00:00.123${String(100 + i * 50).padStart(3, '0')}Z`;
      await app.database.rows(sql`insert into audit_events (type, user_id, at, detail) values ('test.tick', ${user.userId}, ${at}::timestamptz, ${`tick ${i}`})`);
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const { body } = await audit(user.accessToken, { first: 3, after, type: 'test.tick' });
      const page = body.data.auditEvents;
      seen.push(...page.edges.map((edge: { node: AuditEvent }) => edge.node.detail));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      pages += 1;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(Array.from({ length: 11 }, (_, i) => `tick ${10 - i}`));
  });

  it('gives 20 events by default and at most 100', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 25; i += 1) {
      await app.database.rows(sql`insert into audit_events (type, user_id) values ('test.many', ${user.userId})`);
    }
    const { body } = await audit(user.accessToken, { type: 'test.many' });
    expect(body.data.auditEvents.edges).toHaveLength(20);
    expect(body.data.auditEvents.pageInfo.hasNextPage).toBe(true);
  });

  it.each([
    ['first over 100', { first: 101 }],
    ['first of 0', { first: 0 }],
    ['a negative first', { first: -5 }],
    ['a cursor that is not one', { after: 'bm90IGEgY3Vyc29y' }],
    ['a cursor with a bad id', { after: Buffer.from('2020-01-01T00:00:00.000Z|------------------------------------').toString('base64url') }],
    ['a cursor of garbage', { after: '%%%' }],
  ])('refuses %s with BAD_USER_INPUT', async (_what, variables) => {
    const { status, body } = await audit(admin.accessToken, variables);
    expect(status).toBe(200);
    expect(body.data).toBeNull();
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
