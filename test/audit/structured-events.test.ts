import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const EVENTS = /* GraphQL */ `
  query Events($userId: ID, $eventTypes: [AuditEventType!], $since: DateTime, $until: DateTime, $targetId: ID, $actorUserId: ID) {
    auditEvents(first: 20, userId: $userId, eventTypes: $eventTypes, since: $since, until: $until, targetId: $targetId, actorUserId: $actorUserId) {
      edges { node { type eventType at userId actor { userId apiKeyId } target { type id } metadata detail } }
    }
  }`;

describe(`structured audit events (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app.close());

  const events = async (variables: Record<string, unknown>, bearer = admin.accessToken) => {
    const { body } = await app.gql(EVENTS, variables, { bearer });
    if (body.errors !== undefined) return body.errors[0]!.extensions!.code as string;
    return body.data.auditEvents.edges.map((edge: { node: unknown }) => edge.node) as Record<string, any>[];
  };

  it('records an admin action with its actor, target, metadata and enumerated type, and keeps the old fields', async () => {
    const user = await signUpUser(app);
    await app.gql('mutation D($id: ID!) { disableUser(id: $id) { __typename } }', { id: user.userId }, { bearer: admin.accessToken });
    const found = await events({ targetId: user.userId });
    expect(found).toEqual([{
      type: 'user.disabled', eventType: 'USER_DISABLED', at: expect.any(String), userId: user.userId,
      actor: { userId: admin.userId, apiKeyId: null }, target: { type: 'USER', id: user.userId },
      metadata: { revokedSessions: 1 }, detail: expect.stringContaining(user.userId),
    }]);
    expect(await events({ actorUserId: admin.userId, eventTypes: ['USER_DISABLED'] })).toHaveLength(1);
  });

  it('files a failed login against an existing account under that account, so filtering by it finds the attack', async () => {
    const user = await signUpUser(app);
    const wrong = await app.gql(LOGIN, { input: { email: user.email, password: 'guessing, guessing' } });
    expect(wrong.body.data.login.code).toBe('INVALID_CREDENTIALS');
    const attacks = await events({ userId: user.userId, eventTypes: ['LOGIN_FAILED'] });
    expect(attacks).toMatchObject([{ type: 'login.failed', eventType: 'LOGIN_FAILED', userId: user.userId, actor: { userId: null } }]);
    // The account itself sees the attempts on it too.
    expect(await events({ eventTypes: ['LOGIN_FAILED'] }, user.accessToken)).toHaveLength(1);
  });

  it('filters by a time range, half-open, and refuses an empty one or OTHER with BAD_USER_INPUT', async () => {
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const user = await signUpUser(app);
    const after = new Date(Date.now() + 1000);
    const since = await events({ since: before.toISOString(), until: after.toISOString(), userId: user.userId });
    expect(Array.isArray(since) && since.map((event) => event.eventType)).toEqual(['USER_SIGNED_UP']);
    expect(await events({ until: before.toISOString(), userId: user.userId })).toEqual([]);
    expect(await events({ since: after.toISOString(), until: before.toISOString() })).toBe('BAD_USER_INPUT');
    expect(await events({ eventTypes: ['OTHER'] })).toBe('BAD_USER_INPUT');
    expect(await events({ eventTypes: [] })).toBe('BAD_USER_INPUT');
  });
});
