import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum, parseKey } from '../../src/apikeys/format.ts';
import { CREATE_KEY, createKey } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

const VIEWER = '{ viewer { credential scopes user { id } apiKey { id name } } }';

describe(`API keys (${ENGINE})`, () => {
  let app: TestApp;
  let alice: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    alice = await signUpUser(app);
  });
  afterAll(() => app.close());

  const create = (input: Record<string, unknown>, bearer = alice.accessToken) => app.gql(CREATE_KEY, { input }, { bearer });

  it('issues a key in the documented format, shows the secret once and stores only its hash', async () => {
    const { body, headers } = await create({ name: 'ci', scopes: ['profile'], environment: 'TEST' });
    const { secret, apiKey } = body.data.createApiKey;
    expect(secret).toMatch(/^sk_test_[0-9A-Za-z]{43}[0-9A-Za-z]{6}$/);
    expect(parseKey(secret)).toEqual({ environment: 'test' });
    expect(checksum(secret.slice(0, -6))).toBe(secret.slice(-6));
    expect(apiKey).toMatchObject({ name: 'ci', environment: 'TEST', scopes: ['profile'], start: secret.slice(0, 12) });
    expect(headers.get('cache-control')).toBe('no-store');
    const rows = await app.database.rows<Record<string, unknown>>(sql`select * from api_keys where id = ${apiKey.id}`);
    expect(JSON.stringify(rows)).not.toContain(secret.slice(12));
    const read = await app.gql(`{ apiKey(id: "${apiKey.id}") { id start name } }`, {}, { bearer: alice.accessToken });
    expect(read.body.data.apiKey.id).toBe(apiKey.id);
    expect(JSON.stringify(read.body)).not.toContain(secret);
  });

  it.each([
    ['Authorization: Bearer', (secret: string) => ({ authorization: `Bearer ${secret}` })],
    ['X-API-Key', (secret: string) => ({ 'x-api-key': secret })],
  ])('authenticates a request with the key in %s', async (_where, header) => {
    const key = await createKey(app, alice.accessToken, { name: 'reader' });
    const { status, body } = await app.gql(VIEWER, {}, { headers: header(key.secret) });
    expect(status).toBe(200);
    expect(body.data.viewer).toEqual({ credential: 'API_KEY', scopes: [], user: { id: alice.userId }, apiKey: { id: key.id, name: 'reader' } });
  });

  it.each([
    ['a changed character (bad checksum)', (s: string) => s.slice(0, 20) + (s[20] === 'A' ? 'B' : 'A') + s.slice(21), 'invalid'],
    ['a made-up key with a valid checksum', () => { const body = `sk_live_${'7'.repeat(43)}`; return body + checksum(body); }, 'invalid'],
    ['garbage after the prefix', () => 'sk_live_nope', 'invalid'],
  ])('refuses %s with 401', async (_what, forge, reason) => {
    const key = await createKey(app, alice.accessToken);
    const { status, headers, body } = await app.gql(VIEWER, {}, { headers: { 'x-api-key': forge(key.secret) } });
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
  });

  it('refuses a flood of made-up keys and keeps serving a good key', async () => {
    const good = await createKey(app, alice.accessToken);
    const flood = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      app.gql(VIEWER, {}, { headers: { 'x-api-key': `sk_live_${String(i).padStart(43, 'x')}000000` } })));
    expect(new Set(flood.map((r) => r.status))).toEqual(new Set([401]));
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': good.secret } })).body.data.viewer.credential).toBe('API_KEY');
  });

  it('limits what a key may do to its scopes: a key with none reads its viewer but cannot manage keys', async () => {
    const key = await createKey(app, alice.accessToken);
    const { body } = await app.gql(CREATE_KEY, { input: { name: 'child' } }, { headers: { 'x-api-key': key.secret } });
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const mutation of [`mutation { rollApiKey(id: "${key.id}") { __typename } }`, `mutation { revokeApiKey(id: "${key.id}") { __typename } }`]) {
      expect((await app.gql(mutation, {}, { headers: { 'x-api-key': key.secret } })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await app.gql('{ sessions { edges { node { id } } } }', {}, { headers: { 'x-api-key': key.secret } })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a key with apikeys:manage create keys, but never with more scopes than itself or its owner', async () => {
    const manager = await createKey(app, alice.accessToken, { scopes: ['apikeys:manage'] });
    const child = await app.gql(CREATE_KEY, { input: { name: 'child', scopes: ['apikeys:manage'] } }, { headers: { 'x-api-key': manager.secret } });
    expect(child.body.data.createApiKey.__typename).toBe('CreateApiKeyPayload');
    const wider = await app.gql(CREATE_KEY, { input: { name: 'wider', scopes: ['sessions:manage'] } }, { headers: { 'x-api-key': manager.secret } });
    expect(wider.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', field: 'scopes' });
    const admin = await create({ name: 'admin', scopes: ['admin'] });
    expect(admin.body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', field: 'scopes' });
  });

  it.each([
    ['an empty name', { name: '  ' }, 'name'],
    ['a name of 101 characters', { name: 'x'.repeat(101) }, 'name'],
    ['an unknown scope', { name: 'k', scopes: ['root'] }, 'scopes'],
    ['an expiry in the past', { name: 'k', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    ['an expiry 10 years away', { name: 'k', expiresAt: new Date(Date.now() + 10 * 365 * 86_400_000).toISOString() }, 'expiresAt'],
    ['a limit of 0', { name: 'k', rateLimit: { limit: 0, windowSeconds: 60 } }, 'rateLimit.limit'],
    ['a window of 0 seconds', { name: 'k', rateLimit: { limit: 10, windowSeconds: 0 } }, 'rateLimit.windowSeconds'],
    ['a window of two days', { name: 'k', rateLimit: { limit: 10, windowSeconds: 172_800 } }, 'rateLimit.windowSeconds'],
  ])('refuses %s with a ValidationError naming the field, and writes nothing', async (_what, input, field) => {
    const count = async () => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from api_keys`))[0]!.n;
    const before = await count();
    const { body } = await create(input);
    expect(body.data.createApiKey).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field });
    expect(await count()).toBe(before);
  });

  it('refuses an expired key with reason expired', async () => {
    const key = await createKey(app, alice.accessToken, { expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await app.database.rows(sql`update api_keys set expires_at = now() - interval '1 second' where id = ${key.id}`);
    await app.app.services.invalidations.publish('apikey', [key.id]);
    const { status, body } = await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ reason: 'expired' });
  });

  it('revokes a key at once', async () => {
    const key = await createKey(app, alice.accessToken);
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(200);
    const { body } = await app.gql(`mutation { revokeApiKey(id: "${key.id}") { __typename ... on ApiKey { revokedAt } } }`, {}, { bearer: alice.accessToken });
    expect(body.data.revokeApiKey.revokedAt).not.toBeNull();
    const after = await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } });
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });

  it('rolls a key: the same key with a new secret, the old one refused at once', async () => {
    const key = await createKey(app, alice.accessToken);
    await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } });
    const { body } = await app.gql(`mutation { rollApiKey(id: "${key.id}") { ... on CreateApiKeyPayload { secret apiKey { id } } } }`, {}, { bearer: alice.accessToken });
    expect(body.data.rollApiKey.apiKey.id).toBe(key.id);
    expect(body.data.rollApiKey.secret).not.toBe(key.secret);
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(401);
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': body.data.rollApiKey.secret } })).body.data.viewer.apiKey.id).toBe(key.id);
  });

  it('rolls with an overlap during which the old secret still works', async () => {
    const key = await createKey(app, alice.accessToken);
    const { body } = await app.gql(`mutation { rollApiKey(id: "${key.id}", overlapSeconds: 3600) { ... on CreateApiKeyPayload { secret } } }`, {}, { bearer: alice.accessToken });
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(200);
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': body.data.rollApiKey.secret } })).status).toBe(200);
    await app.database.rows(sql`update api_keys set previous_hash_expires_at = now() - interval '1 second' where id = ${key.id}`);
    await app.app.services.invalidations.publish('apikey', [key.id]);
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': key.secret } })).status).toBe(401);
  });

  it('answers NotFoundError for another user\'s key, an unknown or a malformed id', async () => {
    const bob = await signUpUser(app);
    const bobs = await createKey(app, bob.accessToken);
    for (const id of [bobs.id, crypto.randomUUID(), 'nope']) {
      const { body } = await app.gql(`mutation R($id: ID!) { revokeApiKey(id: $id) { __typename } rollApiKey(id: $id) { __typename } }`, { id }, { bearer: alice.accessToken });
      expect(body.data).toEqual({ revokeApiKey: { __typename: 'NotFoundError' }, rollApiKey: { __typename: 'NotFoundError' } });
    }
    expect((await app.gql(VIEWER, {}, { headers: { 'x-api-key': bobs.secret } })).status).toBe(200);
    expect((await app.gql(`{ apiKey(id: "${bobs.id}") { id } }`, {}, { bearer: alice.accessToken })).body.data.apiKey).toBeNull();
  });

  it('lists the caller\'s keys newest first, page by page, and hides revoked ones unless asked', async () => {
    const carol = await signUpUser(app);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await createKey(app, carol.accessToken, { name: `k${i}` })).id);
    await app.gql(`mutation { revokeApiKey(id: "${ids[0]}") { __typename } }`, {}, { bearer: carol.accessToken });
    const page = (after: string | null, includeRevoked = false) => app.gql(
      'query P($after: String, $r: Boolean) { apiKeys(first: 2, after: $after, includeRevoked: $r) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
      { after, r: includeRevoked }, { bearer: carol.accessToken });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { body } = await page(after);
      seen.push(...body.data.apiKeys.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!body.data.apiKeys.pageInfo.hasNextPage) break;
      after = body.data.apiKeys.pageInfo.endCursor;
    }
    expect(seen).toEqual(ids.slice(1).reverse());
    const all = await app.gql('{ apiKeys(first: 10, includeRevoked: true) { edges { node { id } } } }', {}, { bearer: carol.accessToken });
    expect(all.body.data.apiKeys.edges).toHaveLength(5);
    const foreign = await app.gql(`{ apiKeys(ownerId: "${alice.userId}") { edges { node { id } } } }`, {}, { bearer: carol.accessToken });
    expect(foreign.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const badCursor = await app.gql('{ apiKeys(after: "bm9wZQ") { edges { cursor } } }', {}, { bearer: carol.accessToken });
    expect(badCursor.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('records key creation, roll and revocation in the audit log, never the secret', async () => {
    const dave = await signUpUser(app);
    const key = await createKey(app, dave.accessToken);
    await app.gql(`mutation { rollApiKey(id: "${key.id}") { __typename } }`, {}, { bearer: dave.accessToken });
    await app.gql(`mutation { revokeApiKey(id: "${key.id}") { __typename } }`, {}, { bearer: dave.accessToken });
    const events = await app.database.rows<{ type: string; detail: string }>(sql`select type, detail from audit_events where user_id = ${dave.userId} and type like 'api_key.%' order by at`);
    expect(events.map((e) => e.type)).toEqual(['api_key.created', 'api_key.rolled', 'api_key.revoked']);
    expect(JSON.stringify(events)).not.toContain(key.secret.slice(12));
  });
});

describe(`API keys without a database (${ENGINE})`, () => {
  it('refuse a made-up key with no database query, serve a cached key, and fail closed on the rest', async () => {
    const app = await startTestApp();
    const alice = await signUpUser(app);
    const good = await createKey(app, alice.accessToken);
    const whoAmI = (key: string) => app.gql('{ viewer { credential scopes } }', {}, { headers: { 'x-api-key': key } });
    expect((await whoAmI(good.secret)).status).toBe(200);
    await app.database.close();
    try {
      // The checksum alone refuses it: no database needed, so none was asked.
      const madeUp = await whoAmI(`${good.secret.slice(0, -1)}${good.secret.endsWith('A') ? 'B' : 'A'}`);
      expect(madeUp.status).toBe(401);
      expect(madeUp.body.errors?.[0]?.extensions?.reason).toBe('invalid');
      // The good key is in the cache: served without the database.
      expect((await whoAmI(good.secret)).body.data.viewer.credential).toBe('API_KEY');
      // A well-formed key the cache has not seen needs the database: refused with 503, never anonymous.
      const unseen = await whoAmI(`sk_live_${'Q'.repeat(43)}${checksum(`sk_live_${'Q'.repeat(43)}`)}`);
      expect(unseen.status).toBe(503);
      expect(unseen.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      await app.close().catch(() => {});
    }
  });
});
