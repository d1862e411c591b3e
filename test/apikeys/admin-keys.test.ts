import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/apikeys/format.ts';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { createKey } from '../helpers/apikeys.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const UPDATE = /* GraphQL */ `
  mutation U($input: UpdateApiKeyInput!) {
    updateApiKey(input: $input) {
      __typename
      ... on ApiKey { id name scopes rateLimit { limit windowSeconds } expiresAt }
      ... on Error { code message }
      ... on ValidationError { field }
    }
  }`;
const SERIES = /* GraphQL */ `
  query S($from: DateTime!, $to: DateTime!, $granularity: UsageGranularity!, $ownerId: ID, $fill: Boolean) {
    apiKeyUsageSeries(from: $from, to: $to, granularity: $granularity, ownerId: $ownerId, fillEmpty: $fill) {
      from to granularity
      buckets { start requests served rateLimited errors revoked expired unknown }
    }
  }`;
const KEY_SERIES = /* GraphQL */ `
  query K($id: ID!, $from: DateTime!, $to: DateTime!) {
    apiKey(id: $id) { usageSeries(from: $from, to: $to, granularity: HOUR) { from buckets { requests revoked expired unknown } } }
  }`;

type Bucket = { requests: number; served: number; rateLimited: number; errors: number; revoked: number; expired: number; unknown: number };
const total = (buckets: Bucket[], field: keyof Bucket) => buckets.reduce((sum, bucket) => sum + bucket[field], 0);

async function viewerStatus(app: TestApp, key: string) {
  const { status, body } = await app.gql('{ viewer { credential } }', {}, { headers: { 'x-api-key': key } });
  return status === 200 ? body.data.viewer.credential : `${status} ${body.errors?.[0]?.extensions?.code}`;
}

describe(`admin: keys and usage (${ENGINE})`, () => {
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app.close());

  it('changes a key\'s name, scopes, rate limit and expiry; the secret stays and the new limit applies at once', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { name: 'old name' });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const { body } = await app.gql(UPDATE, {
      input: { id: key.id, name: ' new name ', scopes: ['apikeys:verify'], rateLimit: { limit: 1, windowSeconds: 60 }, expiresAt },
    }, { bearer: user.accessToken });
    expect(body.data.updateApiKey).toEqual({
      __typename: 'ApiKey', id: key.id, name: 'new name', scopes: ['apikeys:verify'], rateLimit: { limit: 1, windowSeconds: 60 }, expiresAt,
    });
    expect(await viewerStatus(app, key.secret)).toBe('API_KEY');
    expect(await viewerStatus(app, key.secret)).toBe('429 RATE_LIMITED');
    // Only what is given changes; null clears the limit and the expiry.
    const cleared = await app.gql(UPDATE, { input: { id: key.id, rateLimit: null, expiresAt: null } }, { bearer: user.accessToken });
    expect(cleared.body.data.updateApiKey).toMatchObject({ name: 'new name', scopes: ['apikeys:verify'], rateLimit: null, expiresAt: null });
    expect(await viewerStatus(app, key.secret)).toBe('API_KEY');
  });

  it('refuses bad settings with ValidationError, and keys the caller may not manage with NOT_FOUND, writing nothing', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { name: 'kept' });
    const refusal = async (input: Record<string, unknown>, bearer = user.accessToken) =>
      (await app.gql(UPDATE, { input: { id: key.id, ...input } }, { bearer })).body.data.updateApiKey;
    expect(await refusal({ name: '' })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'name' });
    expect(await refusal({ scopes: ['admin'] })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'scopes' });
    expect(await refusal({ expiresAt: '2000-01-01T00:00:00.000Z' })).toMatchObject({ code: 'VALIDATION_FAILED', field: 'expiresAt' });
    expect(await refusal({ rateLimit: { limit: 0, windowSeconds: 60 } })).toMatchObject({ field: 'rateLimit.limit' });
    const other = await signUpUser(app);
    expect(await refusal({ name: 'stolen' }, other.accessToken)).toMatchObject({ code: 'NOT_FOUND' });
    await app.gql('mutation R($id: ID!) { revokeApiKey(id: $id) { __typename } }', { id: key.id }, { bearer: user.accessToken });
    expect(await refusal({ name: 'revoked' })).toMatchObject({ code: 'NOT_FOUND' });
    const { body } = await app.gql('query K($id: ID!) { apiKey(id: $id) { name scopes } }', { id: key.id }, { bearer: user.accessToken });
    expect(body.data.apiKey).toEqual({ name: 'kept', scopes: [] });
  });

  it('lets an admin change another account\'s key, within what its owner may do, audited with both', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken);
    const renamed = await app.gql(UPDATE, { input: { id: key.id, name: 'by the admin' } }, { bearer: admin.accessToken });
    expect(renamed.body.data.updateApiKey.name).toBe('by the admin');
    const beyond = await app.gql(UPDATE, { input: { id: key.id, scopes: ['admin'] } }, { bearer: admin.accessToken });
    expect(beyond.body.data.updateApiKey).toMatchObject({ code: 'VALIDATION_FAILED', field: 'scopes' });
    const events = await app.gql('query A($u: ID) { auditEvents(userId: $u, type: "api_key.updated") { edges { node { userId detail } } } }',
      { u: user.userId }, { bearer: admin.accessToken });
    expect(events.body.data.auditEvents.edges).toHaveLength(1);
  });

  it('sums usage over every key and per owner, aligned to whole buckets, zero-filled on request', async () => {
    const owner = await signUpUser(app);
    const [a, b] = [await createKey(app, owner.accessToken), await createKey(app, owner.accessToken)];
    const stranger = await signUpUser(app);
    const c = await createKey(app, stranger.accessToken);
    for (const key of [a, a, b, c]) expect(await viewerStatus(app, key.secret)).toBe('API_KEY');
    await app.app.services.usage.flush();
    const from = new Date(Date.now() - 2 * 3_600_000 + 1234);
    const to = new Date(Date.now() + 60_000);
    const variables = { from: from.toISOString(), to: to.toISOString(), granularity: 'HOUR' };

    const mine = (await app.gql(SERIES, { ...variables, ownerId: owner.userId }, { bearer: owner.accessToken })).body.data.apiKeyUsageSeries;
    expect(total(mine.buckets, 'requests')).toBe(3);
    expect(mine.from).toBe(new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000).toISOString());
    expect(mine.to).toBe(new Date(Math.ceil(to.getTime() / 3_600_000) * 3_600_000).toISOString());
    expect(mine.buckets.length).toBeLessThan(3);

    const filled = (await app.gql(SERIES, { ...variables, ownerId: owner.userId, fill: true }, { bearer: owner.accessToken })).body.data.apiKeyUsageSeries;
    expect(filled.buckets).toHaveLength(3);
    expect(filled.buckets.map((bucket: { start: string }) => Date.parse(bucket.start) - Date.parse(filled.from))).toEqual([0, 3_600_000, 7_200_000]);
    expect(total(filled.buckets, 'requests')).toBe(3);

    const everyone = (await app.gql(SERIES, variables, { bearer: admin.accessToken })).body.data.apiKeyUsageSeries;
    expect(total(everyone.buckets, 'requests')).toBeGreaterThanOrEqual(4);
    expect(total(everyone.buckets, 'served')).toBe(total(everyone.buckets, 'requests') - total(everyone.buckets, 'rateLimited'));

    // Every key of the deployment, or another account's keys: admins only.
    for (const asked of [{}, { ownerId: stranger.userId }]) {
      const { body } = await app.gql(SERIES, { ...variables, ...asked }, { bearer: owner.accessToken });
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const tooLong = await app.gql(SERIES, { ...variables, from: '2020-01-01T00:00:00.000Z', granularity: 'MINUTE' }, { bearer: admin.accessToken });
    expect(tooLong.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('counts presentations of revoked and expired keys on the key, and unknown keys only deployment-wide', async () => {
    const owner = await signUpUser(app);
    const revoked = await createKey(app, owner.accessToken);
    await app.gql('mutation R($id: ID!) { revokeApiKey(id: $id) { __typename } }', { id: revoked.id }, { bearer: owner.accessToken });
    const expiring = await createKey(app, owner.accessToken, { expiresAt: new Date(Date.now() + 1500).toISOString() });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const unknown = generateKey('live');
    expect(await viewerStatus(app, revoked.secret)).toBe('401 UNAUTHENTICATED');
    expect(await viewerStatus(app, revoked.secret)).toBe('401 UNAUTHENTICATED');
    expect(await viewerStatus(app, expiring.secret)).toBe('401 UNAUTHENTICATED');
    expect(await viewerStatus(app, unknown)).toBe('401 UNAUTHENTICATED');
    // A malformed key costs nothing and is not counted.
    expect(await viewerStatus(app, `sk_live_${randomBytes(8).toString('hex')}`)).toBe('401 UNAUTHENTICATED');
    await app.app.services.usage.flush();
    const period = { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() };

    const ofRevoked = (await app.gql(KEY_SERIES, { id: revoked.id, ...period }, { bearer: owner.accessToken })).body.data.apiKey.usageSeries;
    expect(total(ofRevoked.buckets, 'revoked')).toBe(2);
    expect(total(ofRevoked.buckets, 'requests')).toBe(0);
    const ofExpired = (await app.gql(KEY_SERIES, { id: expiring.id, ...period }, { bearer: owner.accessToken })).body.data.apiKey.usageSeries;
    expect(total(ofExpired.buckets, 'expired')).toBe(1);
    const { body: keys } = await app.gql('query K($id: ID!) { apiKey(id: $id) { lastUsedAt } }', { id: revoked.id }, { bearer: owner.accessToken });
    expect(keys.data.apiKey.lastUsedAt).toBeNull();

    const hourly = { ...period, granularity: 'HOUR' };
    const theirs = (await app.gql(SERIES, { ...hourly, ownerId: owner.userId }, { bearer: owner.accessToken })).body.data.apiKeyUsageSeries;
    expect([total(theirs.buckets, 'revoked'), total(theirs.buckets, 'expired'), total(theirs.buckets, 'unknown')]).toEqual([2, 1, 0]);
    const all = (await app.gql(SERIES, hourly, { bearer: admin.accessToken })).body.data.apiKeyUsageSeries;
    expect(total(all.buckets, 'unknown')).toBe(1);
  });

  it('prices a dashboard of 100 keys\' hourly and daily usage and topApiKeys(100) under the default cost limit', async () => {
    const period = `from: "${new Date(Date.now() - 86_400_000).toISOString()}", to: "${new Date().toISOString()}"`;
    const dashboard = `{
      apiKeys(first: 100) { edges { node { id name start lastUsedAt
        hourly: usage(${period}, granularity: HOUR) { start requests rateLimited errors }
        daily: usage(${period}, granularity: DAY) { start requests rateLimited errors } } } }
      topApiKeys(${period}, limit: 100) { requests rateLimited errors apiKey { id name } }
      apiKeyUsageSeries(${period}, granularity: HOUR, fillEmpty: true) { from buckets { start served rateLimited errors } }
    }`;
    const { status, body } = await app.gql(dashboard, {}, { bearer: admin.accessToken });
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
    expect(body.data.apiKeyUsageSeries.buckets).toHaveLength(25);
  });
});

describe(`GRAPHQL_MAX_COST (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { GRAPHQL_MAX_COST: '1000' } });
  });
  afterAll(() => app.close());

  it('lowers the cost limit: what the default lets through is refused with COST_LIMIT_EXCEEDED and 400', async () => {
    const { status, body } = await app.gql('{ auditEvents(first: 50) { edges { node { id type at userId ip detail } } } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions?.code).toBe('COST_LIMIT_EXCEEDED');
    expect(body.errors?.[0]?.message).toMatch(/limit of 1000 exceeded/);
  });
});

if (ENGINE === 'postgres') {
  describe('admin: key changes across two instances', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('a key\'s new rate limit and scopes, set on one instance, apply on the other at once', async () => {
      const user = await signUpUser(one);
      const key = await createKey(one, user.accessToken, { scopes: ['apikeys:verify'] });
      const verify = () => two.gql('mutation V($k: String!) { verifyApiKey(key: $k) { valid } }', { k: generateKey('live') }, { headers: { 'x-api-key': key.secret } });
      expect((await verify()).body.data.verifyApiKey.valid).toBe(false);
      await one.gql(UPDATE, { input: { id: key.id, scopes: [], rateLimit: { limit: 1, windowSeconds: 60 } } }, { bearer: user.accessToken });
      await expect.poll(async () => (await verify()).body.errors?.[0]?.extensions?.code, { timeout: 1000, interval: 10 }).toMatch(/FORBIDDEN|RATE_LIMITED/);
      expect(await viewerStatus(two, key.secret)).toBe('429 RATE_LIMITED');
    });
  });
}
