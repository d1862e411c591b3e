import { getTableName, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { segments } from '../../src/apikeys/reports.ts';
import { createKey, flushedUsage } from '../helpers/apikeys.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { makeAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const WHO = '{ viewer { credential } }';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe(`API-key usage (${ENGINE})`, () => {
  let app: TestApp;
  let owner: SignedUp;
  beforeAll(async () => {
    app = await startTestApp({ env: { USAGE_FLUSH_SECONDS: '0.2' } });
    owner = await signUpUser(app);
  });
  afterAll(() => app.close());

  it('counts N concurrent requests as exactly N, by outcome, and keeps lastUsedAt without a write per request', async () => {
    const key = await createKey(app, owner.accessToken);
    const results = await Promise.all(Array.from({ length: 40 }, () => app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    await app.gql('{ sessions { edges { node { id } } } }', {}, { headers: { 'x-api-key': key.secret } }); // FORBIDDEN: an answer with errors
    await expect.poll(() => flushedUsage(app, key.id), { timeout: 3000 }).toEqual({ requests: 41, rate_limited: 0, errors: 1 });
    const { body } = await app.gql(`{ apiKey(id: "${key.id}") { lastUsedAt } }`, {}, { bearer: owner.accessToken });
    expect(Date.now() - new Date(body.data.apiKey.lastUsedAt).getTime()).toBeLessThan(60_000);
  });

  it('reports buckets by minute, hour and day', async () => {
    const key = await createKey(app, owner.accessToken);
    for (let i = 0; i < 3; i += 1) await app.gql(WHO, {}, { headers: { 'x-api-key': key.secret } });
    await app.app.services.usage.flush();
    const now = Date.now();
    const usage = async (granularity: string, from: number, to: number) => (await app.gql(
      'query U($id: ID!, $from: DateTime!, $to: DateTime!, $g: UsageGranularity!) { apiKey(id: $id) { usage(from: $from, to: $to, granularity: $g) { start requests rateLimited errors } } }',
      { id: key.id, from: new Date(from).toISOString(), to: new Date(to).toISOString(), g: granularity }, { bearer: owner.accessToken })).body;
    const minutes = await usage('MINUTE', now - HOUR, now + 60_000);
    expect(minutes.data.apiKey.usage.reduce((sum: number, b: { requests: number }) => sum + b.requests, 0)).toBe(3);
    expect(new Date(minutes.data.apiKey.usage[0].start).getUTCSeconds()).toBe(0);
    const hours = await usage('HOUR', now - DAY, now + HOUR);
    expect(hours.data.apiKey.usage).toHaveLength(1);
    expect(hours.data.apiKey.usage[0]).toMatchObject({ requests: 3, rateLimited: 0, errors: 0 });
    expect(new Date(hours.data.apiKey.usage[0].start).getTime() % HOUR).toBe(0);
    const days = await usage('DAY', now - 7 * DAY, now + DAY);
    expect(days.data.apiKey.usage[0]).toMatchObject({ requests: 3 });
    expect(new Date(days.data.apiKey.usage[0].start).toISOString()).toMatch(/T00:00:00\.000Z$/);
    expect((await usage('MINUTE', now - 30 * DAY, now)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await usage('HOUR', now, now - HOUR)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('ranks the busiest keys for admins, exact over any period, and refuses everyone else', async () => {
    const admin = await signUpUser(app);
    await makeAdmin(app, admin);
    const busy = await createKey(app, owner.accessToken, { name: 'busy' });
    const quiet = await createKey(app, owner.accessToken, { name: 'quiet' });
    for (let i = 0; i < 7; i += 1) await app.gql(WHO, {}, { headers: { 'x-api-key': busy.secret } });
    for (let i = 0; i < 2; i += 1) await app.gql(WHO, {}, { headers: { 'x-api-key': quiet.secret } });
    await app.app.services.usage.flush();
    // Usage two days ago, written as the flush writes it, so that the report must add days, hours and minutes.
    const old = new Date(Math.floor((Date.now() - 2 * DAY) / 60_000) * 60_000);
    for (const [table, unit] of [['api_key_usage', 'minute'], ['api_key_usage_hourly', 'hour'], ['api_key_usage_daily', 'day']] as const) {
      await app.database.rows(sql`insert into ${sql.identifier(table)} (key_id, start, requests) values (${quiet.id}, date_trunc(${unit}, ${old.toISOString()}::timestamptz, 'UTC'), 20)`);
    }
    const top = (bearer: string, from: number) => app.gql(
      'query T($from: DateTime!, $to: DateTime!) { topApiKeys(from: $from, to: $to, limit: 100) { apiKey { name } requests rateLimited errors } }',
      { from: new Date(from).toISOString(), to: new Date(Date.now() + 60_000).toISOString() }, { bearer });
    const recent = await top(admin.accessToken, Date.now() - HOUR);
    expect(recent.body.data.topApiKeys.filter((t: { apiKey: { name: string } }) => ['busy', 'quiet'].includes(t.apiKey.name)).slice(0, 2))
      .toEqual([{ apiKey: { name: 'busy' }, requests: 7, rateLimited: 0, errors: 0 }, { apiKey: { name: 'quiet' }, requests: 2, rateLimited: 0, errors: 0 }]);
    const week = await top(admin.accessToken, Date.now() - 7 * DAY - 13 * 60_000);
    const ours = week.body.data.topApiKeys.filter((t: { apiKey: { name: string } }) => ['busy', 'quiet'].includes(t.apiKey.name));
    expect(ours.map((t: { apiKey: { name: string }; requests: number }) => [t.apiKey.name, t.requests])).toEqual([['quiet', 22], ['busy', 7]]);
    expect((await top(owner.accessToken, Date.now() - HOUR)).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('splits a period into whole days, hours and minutes, covering it exactly once', () => {
    const from = Date.UTC(2026, 0, 1, 22, 47);
    const to = Date.UTC(2026, 0, 4, 1, 13);
    const parts = segments(from, to);
    expect(parts.map((p) => getTableName(p.table))).toEqual(['api_key_usage', 'api_key_usage_hourly', 'api_key_usage_daily', 'api_key_usage_hourly', 'api_key_usage']);
    for (let i = 1; i < parts.length; i += 1) expect(parts[i]!.start).toBe(parts[i - 1]!.end);
    expect(parts[0]!.start).toBe(from);
    expect(parts.at(-1)!.end).toBe(to);
  });
});

describe(`verifyApiKey (${ENGINE})`, () => {
  let app: TestApp;
  let service: string;
  let owner: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    owner = await signUpUser(app);
    service = (await createKey(app, owner.accessToken, { name: 'gateway', scopes: ['apikeys:verify'] })).secret;
  });
  afterAll(() => app.close());

  const VERIFY = 'mutation V($key: String!) { verifyApiKey(key: $key) { valid code scopes remaining resetAt apiKey { id name } } }';
  const verify = (key: string, caller = service) => app.gql(VERIFY, { key }, { headers: { 'x-api-key': caller } });

  it('answers valid with the scopes and the remaining budget, and counts the use', async () => {
    const key = await createKey(app, owner.accessToken, { name: 'handed', scopes: ['profile'], rateLimit: { limit: 3, windowSeconds: 60 } });
    const first = (await verify(key.secret)).body.data.verifyApiKey;
    expect(first).toMatchObject({ valid: true, code: null, scopes: ['profile'], remaining: 2, apiKey: { id: key.id, name: 'handed' } });
    expect(new Date(first.resetAt).getTime()).toBeGreaterThan(Date.now());
    await verify(key.secret);
    await verify(key.secret);
    expect((await verify(key.secret)).body.data.verifyApiKey).toMatchObject({ valid: false, code: 'RATE_LIMITED', remaining: 0, scopes: [] });
    await app.app.services.usage.flush();
    expect(await flushedUsage(app, key.id)).toEqual({ requests: 4, rate_limited: 1, errors: 0 });
  });

  it.each([
    ['MALFORMED', async () => 'sk_live_nope'],
    ['NOT_FOUND', async () => { const { checksum } = await import('../../src/apikeys/format.ts'); const b = `sk_test_${'z'.repeat(43)}`; return b + checksum(b); }],
    ['REVOKED', async () => {
      const key = await createKey(app, owner.accessToken);
      await app.gql(`mutation { revokeApiKey(id: "${key.id}") { __typename } }`, {}, { bearer: owner.accessToken });
      return key.secret;
    }],
  ])('answers %s for such a key', async (code, key) => {
    expect((await verify(await key())).body.data.verifyApiKey).toMatchObject({ valid: false, code, apiKey: null, scopes: [] });
  });

  it('is refused to a caller without the scope apikeys:verify', async () => {
    const plain = await createKey(app, owner.accessToken);
    const { body } = await verify(plain.secret, plain.secret);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

if (ENGINE === 'postgres') {
  describe('usage across instances and restarts', () => {
    it('counts requests served by two instances exactly, including those flushed at shutdown', async () => {
      const one = await startTestApp({ env: { USAGE_FLUSH_SECONDS: '300' } });
      const two = await startTestApp({ sharing: one, env: { USAGE_FLUSH_SECONDS: '300' } });
      try {
        const { accessToken } = await signUpUser(one);
        const key = await createKey(one, accessToken);
        await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? two : one).gql(WHO, {}, { headers: { 'x-api-key': key.secret } })));
        expect(await flushedUsage(one, key.id)).toEqual({ requests: 0, rate_limited: 0, errors: 0 });
        await two.close(); // a graceful stop flushes what it counted
        await one.app.services.usage.flush();
        expect(await flushedUsage(one, key.id)).toEqual({ requests: 60, rate_limited: 0, errors: 0 });
      } finally {
        await one.close();
      }
    });
  });
}
