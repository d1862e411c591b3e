import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LatchkeyClient, RefreshDocument, type LatchkeyClientOptions, type Result, type SignedOutReason } from '../../client/src/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { PASSWORD, uniqueEmail } from '../helpers/users.ts';

// The client in Node against the real server: every operation it offers, both error channels, and the
// access token kept fresh. The server runs in this process, so moving Date moves its clock too: tokens
// expire for real, with no sleeping.

const TTL_SECONDS = 60;
/** Past the access token's lifetime and the verifier's 30 s clock tolerance. */
const PAST_EXPIRY_MS = (TTL_SECONDS + 31) * 1000;

function ok<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected data, got ${JSON.stringify(result.error)}`);
  return result.data;
}

describe(`the client against the server (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { ACCESS_TOKEN_TTL: String(TTL_SECONDS) } });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await app?.close();
  });

  /** A client that counts the refreshes it sends and records when it is signed out. */
  function client(options: Partial<LatchkeyClientOptions> = {}) {
    const seen = { refreshes: 0, signedOut: [] as SignedOutReason[], tokens: [] as unknown[] };
    const counted: typeof fetch = (input, init) => {
      const body = JSON.parse(String(init?.body)) as { documentId?: string; query?: string };
      if (body.documentId === RefreshDocument.__meta__?.hash || body.query?.includes('mutation Refresh')) seen.refreshes += 1;
      return fetch(input, init);
    };
    const instance = new LatchkeyClient({
      url: `${app.url}/graphql`, fetch: counted,
      onSignedOut: (reason) => seen.signedOut.push(reason), onTokens: (tokens) => seen.tokens.push(tokens), ...options,
    });
    return { client: instance, seen };
  }

  const refreshTokenRows = async (sessionId: string) =>
    (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from refresh_tokens where session_id = ${sessionId}`))[0]!.n;

  it('signs up, signs in, reads the viewer and signs out', async () => {
    const { client: alice, seen } = client();
    const email = uniqueEmail('client');
    const signedUp = ok(await alice.signUp({ email, password: PASSWORD, name: 'Alice' }));
    expect(signedUp.user).toMatchObject({ email, name: 'Alice', emailVerified: false });
    expect(alice.tokens?.accessToken).toMatch(/^ey/);
    expect(seen.tokens).toHaveLength(1);

    const { client: again } = client();
    const signedIn = ok(await again.signIn({ email, password: PASSWORD }));
    expect(signedIn.user.id).toBe(signedUp.user.id);
    expect(signedIn.session.id).not.toBe(signedUp.session.id);
    expect(ok(await again.viewer())).toMatchObject({ credential: 'ACCESS_TOKEN', user: { email }, session: { id: signedIn.session.id } });

    expect(ok(await again.signOut())).toEqual({ revokedSessions: 1 });
    expect(again.tokens).toBeNull();
    expect(ok(await again.viewer())).toMatchObject({ credential: 'ANONYMOUS', user: null });
    // The first session is untouched by the second one's sign-out.
    expect(ok(await alice.viewer()).session?.id).toBe(signedUp.session.id);
  });

  it('turns result-union failures into typed failures', async () => {
    const { client: c } = client();
    const email = uniqueEmail('failures');
    ok(await c.signUp({ email, password: PASSWORD }));
    expect(await c.signUp({ email, password: PASSWORD })).toEqual({
      ok: false, error: { kind: 'failure', code: 'EMAIL_TAKEN', message: expect.any(String) },
    });
    expect(await c.signUp({ email: uniqueEmail(), password: 'short' })).toEqual({
      ok: false, error: { kind: 'failure', code: 'VALIDATION_FAILED', message: expect.any(String), field: 'password' },
    });
    expect(await c.signIn({ email, password: `${PASSWORD}!` })).toEqual({
      ok: false, error: { kind: 'failure', code: 'INVALID_CREDENTIALS', message: 'Wrong email or password.' },
    });
    expect(await c.revokeApiKey('00000000-0000-4000-8000-000000000000')).toEqual({
      ok: false, error: { kind: 'failure', code: 'NOT_FOUND', message: expect.any(String) },
    });
  });

  it('creates, lists, uses, verifies and revokes API keys', async () => {
    const { client: owner } = client();
    ok(await owner.signUp({ email: uniqueEmail('keys'), password: PASSWORD }));
    const created = ok(await owner.createApiKey({ name: 'ci', scopes: ['profile', 'apikeys:verify'] }));
    expect(created.secret).toMatch(/^sk_live_/);
    expect(created.apiKey).toMatchObject({ name: 'ci', scopes: ['profile', 'apikeys:verify'], revokedAt: null });
    const page = ok(await owner.apiKeys({ first: 10 }));
    expect(page.edges.map((edge) => edge.node.id)).toEqual([created.apiKey.id]);
    expect(page.pageInfo.hasNextPage).toBe(false);

    const { client: service } = client({ apiKey: created.secret });
    expect(ok(await service.viewer())).toMatchObject({ credential: 'API_KEY', apiKey: { id: created.apiKey.id } });
    const other = ok(await owner.createApiKey({ name: 'other' }));
    expect(ok(await service.verifyApiKey(other.secret))).toMatchObject({ valid: true, code: null, scopes: [] });
    expect(ok(await service.verifyApiKey('sk_live_nope'))).toMatchObject({ valid: false, code: 'MALFORMED' });

    const revoked = ok(await owner.revokeApiKey(created.apiKey.id));
    expect(revoked.revokedAt).not.toBeNull();
    expect(await service.viewer()).toEqual({
      ok: false, error: { kind: 'request', code: 'UNAUTHENTICATED', reason: 'revoked', status: 401, message: expect.any(String) },
    });
  });

  it('turns top-level errors into typed request errors: FORBIDDEN, RATE_LIMITED, BAD_USER_INPUT', async () => {
    const { client: owner } = client();
    ok(await owner.signUp({ email: uniqueEmail('top-level'), password: PASSWORD }));
    const narrow = ok(await owner.createApiKey({ name: 'narrow', scopes: ['profile'], rateLimit: { limit: 2, windowSeconds: 60 } }));
    const { client: keyClient } = client({ apiKey: narrow.secret });

    const forbidden = await keyClient.apiKeys();
    expect(forbidden).toMatchObject({ ok: false, error: { kind: 'request', code: 'FORBIDDEN' } });

    await keyClient.viewer();
    const limited = await keyClient.viewer();
    expect(limited).toMatchObject({ ok: false, error: { kind: 'request', code: 'RATE_LIMITED', status: 429 } });
    expect(!limited.ok && limited.error.kind === 'request' && limited.error.retryAfterSeconds).toBeGreaterThan(0);

    expect(await owner.apiKeys({ first: 1000 })).toMatchObject({ ok: false, error: { kind: 'request', code: 'BAD_USER_INPUT' } });
  });

  it('sends document text when asked to, and the same answers come back', async () => {
    const { client: c } = client({ documents: 'text' });
    const email = uniqueEmail('text');
    ok(await c.signUp({ email, password: PASSWORD }));
    expect(ok(await c.viewer())).toMatchObject({ credential: 'ACCESS_TOKEN', user: { email } });
  });

  it('refreshes exactly once for 20 concurrent requests at the moment the access token expires', async () => {
    const { client: c, seen } = client();
    const signedIn = ok(await c.signUp({ email: uniqueEmail('expiry'), password: PASSWORD }));
    const before = c.tokens!;
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + PAST_EXPIRY_MS);

    const results = await Promise.all(Array.from({ length: 20 }, () => c.viewer()));
    expect(results.map((r) => r.ok && r.data.session?.id)).toEqual(Array(20).fill(signedIn.session.id));
    expect(seen.refreshes).toBe(1);
    expect(await refreshTokenRows(signedIn.session.id)).toBe(2);
    expect(c.tokens!.accessToken).not.toBe(before.accessToken);
    expect(c.tokens!.refreshToken).not.toBe(before.refreshToken);
    expect(seen.signedOut).toEqual([]);
  });

  it('refreshes exactly once when the server says expired while the device clock disagrees', async () => {
    const deviceClock = Date.now.bind(Date);
    const { client: c, seen } = client({ now: () => deviceClock() });
    const signedIn = ok(await c.signUp({ email: uniqueEmail('skew'), password: PASSWORD }));
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + PAST_EXPIRY_MS);

    const results = await Promise.all(Array.from({ length: 20 }, () => c.viewer()));
    expect(results.every((r) => r.ok && r.data.credential === 'ACCESS_TOKEN')).toBe(true);
    expect(seen.refreshes).toBe(1);
    expect(await refreshTokenRows(signedIn.session.id)).toBe(2);
  });

  it('signs out with reason revoked when the session is ended elsewhere', async () => {
    const { client: c, seen } = client();
    const email = uniqueEmail('revoked');
    ok(await c.signUp({ email, password: PASSWORD }));
    const { client: elsewhere } = client();
    ok(await elsewhere.signIn({ email, password: PASSWORD }));
    expect(ok(await elsewhere.signOut({ everywhere: true })).revokedSessions).toBe(2);

    expect(await c.viewer()).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED', reason: 'revoked', status: 401 } });
    expect(seen.signedOut).toEqual(['revoked']);
    expect(c.tokens).toBeNull();
    expect(seen.tokens.at(-1)).toBeNull();
    expect(ok(await c.viewer()).credential).toBe('ANONYMOUS');
  });

  it('signs out with reason revoked when the refresh at expiry is refused', async () => {
    const { client: c, seen } = client();
    const signedIn = ok(await c.signUp({ email: uniqueEmail('refused'), password: PASSWORD }));
    await app.database.rows(sql`update sessions set revoked_at = now() where id = ${signedIn.session.id}`);
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(Date.now() + PAST_EXPIRY_MS);

    const results = await Promise.all([c.viewer(), c.viewer(), c.viewer()]);
    expect(seen.refreshes).toBe(1);
    expect(seen.signedOut).toEqual(['revoked']);
    expect(c.tokens).toBeNull();
    // Never sent on as anonymous: each waiting request gets the 401 the server would have given.
    for (const result of results) {
      expect(result).toMatchObject({ ok: false, error: { kind: 'request', code: 'UNAUTHENTICATED', reason: 'revoked', status: 401 } });
    }
  });
});
