import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { createKey } from '../helpers/apikeys.ts';
import { registerClient } from '../helpers/oauth.ts';
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

  it('names the key and the app an event is about, so filtering by its id finds its whole history', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { scopes: [] });
    await app.gql('mutation R($id: ID!) { rollApiKey(id: $id) { __typename } }', { id: key.id }, { bearer: user.accessToken });
    // An admin revokes it: the event stays filed under the owner, done by the admin.
    await app.gql('mutation R($id: ID!) { revokeApiKey(id: $id) { __typename } }', { id: key.id }, { bearer: admin.accessToken });
    const history = await events({ targetId: key.id });
    expect(Array.isArray(history) && history.map((event) => [event.type, event.userId, event.actor.userId])).toEqual([
      ['api_key.revoked', user.userId, admin.userId],
      ['api_key.rolled', user.userId, user.userId],
      ['api_key.created', user.userId, user.userId],
    ]);
    expect(history).toContainEqual(expect.objectContaining({ target: { type: 'API_KEY', id: key.id }, metadata: { scopes: [], rateLimit: null, expiresAt: null } }));

    const client = await registerClient(app, admin.accessToken, { public: true });
    expect(await events({ targetId: client.clientId })).toMatchObject([{
      type: 'oauth.client_registered', actor: { userId: admin.userId }, target: { type: 'OAUTH_CLIENT', id: client.clientId },
      metadata: { public: true },
    }]);
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
