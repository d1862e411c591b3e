import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser } from '../helpers/users.ts';

const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String) {
    refresh(input: { refreshToken: $token }) {
      __typename
      ... on AuthPayload { session { id } user { id } } ... on TokenAuthPayload { tokens { accessToken refreshToken refreshTokenExpiresAt } }
      ... on Error { code message }
    }
  }`;

const DAY = 86_400_000;

describe(`refresh-token rotation (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const refresh = (token: string | null) => app.gql(REFRESH, { token });
  const liveTokens = async (sessionId: string) =>
    (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from refresh_tokens where session_id = ${sessionId} and used_at is null`))[0]!.n;

  it('returns a new refresh token and access token, and retires the old refresh token', async () => {
    const user = await signUpUser(app);
    const { status, headers, body } = await refresh(user.refreshToken);
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-store');
    const result = body.data.refresh;
    expect(result.__typename).toBe('TokenAuthPayload');
    expect(result.session.id).toBe(user.sessionId);
    expect(result.tokens.refreshToken).not.toBe(user.refreshToken);
    expect(result.tokens.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expiresIn = new Date(result.tokens.refreshTokenExpiresAt).getTime() - Date.now();
    expect(expiresIn).toBeGreaterThan(14 * DAY - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(14 * DAY);
    const viewer = await app.gql('{ viewer { user { id } } }', {}, { bearer: result.tokens.accessToken });
    expect(viewer.body.data.viewer.user.id).toBe(user.userId);
    expect(await liveTokens(user.sessionId)).toBe(1);
  });

  it('stores a refresh token only as its SHA-256, which finds it again', async () => {
    const user = await signUpUser(app);
    const { body } = await refresh(user.refreshToken);
    const successor: string = body.data.refresh.tokens.refreshToken;
    const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');
    const stored = await app.database.rows<{ hash: string; used: boolean }>(
      sql`select hash, used_at is not null as used from refresh_tokens where session_id = ${user.sessionId} order by used_at is null`);
    expect(stored).toEqual([{ hash: sha256(user.refreshToken), used: true }, { hash: sha256(successor), used: false }]);
    expect((await refresh(successor)).body.data.refresh.__typename).toBe('TokenAuthPayload');
  });

  it('gives 20 concurrent refreshes with one token the same successor, never a fork', async () => {
    const user = await signUpUser(app);
    const results = await Promise.all(Array.from({ length: 20 }, () => refresh(user.refreshToken)));
    const successors = new Set(results.map((r) => r.body.data.refresh.tokens?.refreshToken));
    expect(results.map((r) => r.body.data.refresh.__typename)).toEqual(Array(20).fill('TokenAuthPayload'));
    expect(successors.size).toBe(1);
    expect(await liveTokens(user.sessionId)).toBe(1);
    const next = await refresh([...successors][0]!);
    expect(next.body.data.refresh.__typename).toBe('TokenAuthPayload');
  });

  it('keeps the session within 90 days however often it is refreshed', async () => {
    const user = await signUpUser(app);
    const [row] = await app.database.rows<{ expires_at: Date; created_at: Date }>(
      sql`select expires_at, created_at from sessions where id = ${user.sessionId}`);
    expect(new Date(row!.expires_at).getTime() - new Date(row!.created_at).getTime()).toBe(90 * DAY);
  });

  it.each([
    ['an unknown token', 'x'.repeat(43)],
    ['a short token', 'abc'],
    ['an empty token', ''],
  ])('refuses %s with InvalidTokenError', async (_what, token) => {
    const { status, body } = await refresh(token);
    expect(status).toBe(200);
    expect(body.data.refresh).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
  });

  it('refuses a refresh without a token and without a cookie session', async () => {
    const { body } = await refresh(null);
    expect(body.data.refresh.__typename).toBe('InvalidTokenError');
  });

  it('checks one refresh token per request: 50 aliased refreshes are refused before any runs', async () => {
    const user = await signUpUser(app);
    const fields = Array.from({ length: 50 }, (_, i) => `r${i}: refresh(input: { refreshToken: $token }) { __typename }`).join('\n');
    const { body } = await app.gql(`mutation Many($token: String) { ${fields} }`, { token: user.refreshToken });
    expect(body.data).toBeUndefined();
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
    expect((await refresh(user.refreshToken)).body.data.refresh.__typename).toBe('TokenAuthPayload');
  });

  it('checks one refresh token per request across a batch', async () => {
    const user = await signUpUser(app);
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 5 }, () => ({ query: REFRESH, variables: { token: user.refreshToken } }))),
    });
    const results = (await response.json()) as { data?: { refresh: { __typename: string } }; errors?: unknown[] }[];
    expect(results).toHaveLength(5);
    expect(results.filter((r) => r.data?.refresh?.__typename === 'TokenAuthPayload')).toHaveLength(1);
    expect(results.filter((r) => r.errors !== undefined)).toHaveLength(4);
  });

  it('refuses a batch of more than 10 operations', async () => {
    const response = await app.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: 50 }, () => ({ query: '{ viewer { credential } }' }))),
    });
    expect(response.status).toBe(413);
  });
});

describe(`refresh-token reuse (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  it('gives a retired token the same successor within 10 s, then revokes the whole session', { timeout: 40_000 }, async () => {
    const user = await signUpUser(app);
    const first = (await app.gql(REFRESH, { token: user.refreshToken })).body.data.refresh;
    const retry = (await app.gql(REFRESH, { token: user.refreshToken })).body.data.refresh;
    expect(retry.tokens.refreshToken).toBe(first.tokens.refreshToken);

    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const replay = await app.gql(REFRESH, { token: user.refreshToken });
    expect(replay.body.data.refresh.__typename).toBe('InvalidTokenError');

    // The whole session is gone: its newest refresh token and every access token of it.
    expect((await app.gql(REFRESH, { token: first.tokens.refreshToken })).body.data.refresh.__typename).toBe('InvalidTokenError');
    for (const token of [user.accessToken, first.tokens.accessToken]) {
      const { status, body } = await app.gql('{ viewer { credential } }', {}, { bearer: token });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    }
    const events = await app.database.rows<{ type: string; detail: string }>(
      sql`select type, detail from audit_events where user_id = ${user.userId} and type = 'refresh.reuse_detected'`);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toContain(user.sessionId);
    expect(events[0]!.detail).not.toContain(user.refreshToken);
  });
});
