import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

const COOKIE_LOGIN = /* GraphQL */ `
  mutation CookieLogin($email: String!, $password: String!) {
    login(input: { email: $email, password: $password, delivery: COOKIE }) {
      __typename ... on AuthPayload { session { id } } ... on TokenAuthPayload { tokens { accessToken } }
    }
  }`;
const VIEWER = '{ viewer { credential user { email } session { id current } } }';
const ALLOWED = 'https://app.example.com';
const DAY = 86_400;

describe(`session cookies (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ALLOWED_ORIGINS: ALLOWED } });
  });
  afterAll(() => app.close());

  async function cookieSignIn() {
    const user = await signUpUser(app, uniqueEmail());
    const response = await app.gql(COOKIE_LOGIN, { email: user.email, password: PASSWORD });
    const setCookie = response.headers.get('set-cookie') ?? '';
    const value = /^__Host-latchkey-session=([^;]+)/.exec(setCookie)?.[1];
    if (value === undefined) throw new Error(`no session cookie in ${setCookie}`);
    return { user, response, setCookie, cookie: `__Host-latchkey-session=${value}`, sessionId: response.body.data.login.session.id as string };
  }

  it('sets a __Host- cookie that is HttpOnly, Secure, SameSite=Lax for 30 days, and puts no secret in the body', async () => {
    const { response, setCookie } = await cookieSignIn();
    expect(setCookie).toMatch(/^__Host-latchkey-session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; Secure; SameSite=Lax$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(setCookie)![1]);
    expect(maxAge).toBeGreaterThan(30 * DAY - 60);
    expect(maxAge).toBeLessThanOrEqual(30 * DAY);
    expect(response.body.data.login).toEqual({ __typename: 'CookieAuthPayload', session: { id: expect.any(String) } });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('keeps the session 7 days idle and 30 days at most', async () => {
    const { sessionId } = await cookieSignIn();
    const [row] = await app.database.rows<{ idle: number; absolute: number }>(sql`
      select extract(epoch from idle_expires_at - created_at)::int as idle, extract(epoch from expires_at - created_at)::int as absolute
      from sessions where id = ${sessionId}`);
    expect(row).toEqual({ idle: 7 * DAY, absolute: 30 * DAY });
  });

  it('authenticates the next request as SESSION_COOKIE', async () => {
    const { cookie, user, sessionId } = await cookieSignIn();
    const { body } = await app.gql(VIEWER, {}, { cookie });
    expect(body.data.viewer).toEqual({ credential: 'SESSION_COOKIE', user: { email: user.email }, session: { id: sessionId, current: true } });
  });

  it('accepts the cookie from the server\'s own origin and from ALLOWED_ORIGINS, and refuses it from any other', async () => {
    const { cookie } = await cookieSignIn();
    for (const origin of [new URL(app.url).origin, ALLOWED]) {
      expect((await app.gql(VIEWER, {}, { cookie, headers: { origin } })).status).toBe(200);
    }
    const { status, body } = await app.gql(VIEWER, {}, { cookie, headers: { origin: 'https://evil.example' } });
    expect(status).toBe(403);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it.each([
    ['application/x-www-form-urlencoded', `query=${encodeURIComponent('mutation { logout { revokedSessions } }')}`],
    ['text/plain', JSON.stringify({ query: 'mutation { logout { revokedSessions } }' })],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { logout { revokedSessions } }\r\n--x--\r\n'],
  ])('refuses a cross-site form post (%s) and changes nothing', async (contentType, body) => {
    const { cookie, sessionId } = await cookieSignIn();
    const response = await app.fetch('/graphql', { method: 'POST', headers: { cookie, 'content-type': contentType }, body });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    const [row] = await app.database.rows<{ revoked_at: Date | null }>(sql`select revoked_at from sessions where id = ${sessionId}`);
    expect(row!.revoked_at).toBeNull();
  });

  it('logout clears the cookie, and the server forgets it: a replayed cookie is a 401', async () => {
    const { cookie } = await cookieSignIn();
    const { headers, body } = await app.gql('mutation { logout { revokedSessions } }', {}, { cookie });
    expect(body.data.logout.revokedSessions).toBe(1);
    expect(headers.get('set-cookie')).toBe('__Host-latchkey-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax');
    const replay = await app.gql(VIEWER, {}, { cookie });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(replay.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });

  it('refuses a cookie whose session sat idle past its expiry', async () => {
    const { cookie, sessionId } = await cookieSignIn();
    await app.database.rows(sql`update sessions set idle_expires_at = now() - interval '1 second', last_used_at = now() - interval '8 days' where id = ${sessionId}`);
    const { status, body } = await app.gql(VIEWER, {}, { cookie });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });

  it('slides the idle expiry forward when the cookie is used', async () => {
    const { cookie, sessionId } = await cookieSignIn();
    await app.database.rows(sql`update sessions set idle_expires_at = now() + interval '1 day', last_used_at = now() - interval '6 days' where id = ${sessionId}`);
    expect((await app.gql(VIEWER, {}, { cookie })).status).toBe(200);
    const [row] = await app.database.rows<{ idle: number }>(sql`select extract(epoch from idle_expires_at - now())::int as idle from sessions where id = ${sessionId}`);
    expect(row!.idle).toBeGreaterThan(7 * DAY - 60);
  });

  it('gives the Authorization header precedence over the cookie, and never falls back to the cookie', async () => {
    const { cookie } = await cookieSignIn();
    const bearer = await signUpUser(app);
    expect((await app.gql(VIEWER, {}, { cookie, bearer: bearer.accessToken })).body.data.viewer.user.email).toBe(bearer.email);
    expect((await app.gql(VIEWER, {}, { cookie, bearer: 'garbage' })).status).toBe(401);
  });

  it('refresh without a token answers for the cookie session, with no tokens in the body', async () => {
    const { cookie, sessionId } = await cookieSignIn();
    const { body } = await app.gql('mutation { refresh { __typename ... on AuthPayload { session { id } } ... on TokenAuthPayload { tokens { accessToken } } } }', {}, { cookie });
    expect(body.data.refresh).toEqual({ __typename: 'CookieAuthPayload', session: { id: sessionId } });
  });
});
