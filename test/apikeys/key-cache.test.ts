import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksum, generateKey } from '../../src/apikeys/format.ts';
import { forgetApiKey } from '../../src/apikeys/invalidate.ts';
import { createKey, type CreatedKey } from '../helpers/apikeys.ts';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

const OWN_KEY = '{ viewer { apiKey { id name start scopes } } }';
const VERIFY = 'mutation V($key: String!) { verifyApiKey(key: $key) { valid code scopes apiKey { id start } } }';

const withKey = (secret: string) => ({ headers: { 'x-api-key': secret } });

// PGlite is one process's own database: there the "other instance" is the same one, and the test still
// proves that the cache forgets a key the moment it changes.
const where = ENGINE === 'postgres' ? 'two instances on one database' : 'one instance';

describe(`the API-key cache, ${where} (${ENGINE})`, () => {
  let one: TestApp;
  let two: TestApp;
  if (ENGINE === 'postgres') {
    twoInstances({}, (apps) => ({ one, two } = apps));
  } else {
    beforeAll(async () => {
      one = await startTestApp();
      two = one;
    });
    afterAll(() => one.close());
  }
  let alice: SignedUp;
  let service: CreatedKey;
  beforeAll(async () => {
    alice = await signUpUser(one);
    service = await createKey(one, alice.accessToken, { name: 'verifier', scopes: ['apikeys:verify'] });
  });

  const ownKey = (app: TestApp, secret: string) => app.gql(OWN_KEY, {}, withKey(secret));
  const verify = async (app: TestApp, key: string) => (await app.gql(VERIFY, { key }, withKey(service.secret))).body.data?.verifyApiKey;

  it('answers a key\'s own metadata from the record that authenticated it', async () => {
    const key = await createKey(one, alice.accessToken, { name: 'reader', scopes: ['profile'] });
    const { status, body } = await ownKey(two, key.secret);
    expect(status).toBe(200);
    expect(body.data.viewer.apiKey).toEqual({ id: key.id, name: 'reader', start: key.secret.slice(0, 12), scopes: ['profile'] });
  });

  it('revoked on one instance, a cached key is refused by the other at once: its own metadata and verifyApiKey', async () => {
    const key = await createKey(one, alice.accessToken, { name: 'soon revoked' });
    expect((await ownKey(two, key.secret)).status).toBe(200);
    expect(await verify(two, key.secret)).toMatchObject({ valid: true, code: null, apiKey: { id: key.id } });
    await one.gql(`mutation { revokeApiKey(id: "${key.id}") { __typename } }`, {}, { bearer: alice.accessToken });
    await expect.poll(async () => (await ownKey(two, key.secret)).status, { timeout: 1000, interval: 10 }).toBe(401);
    expect((await ownKey(two, key.secret)).body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(await verify(two, key.secret)).toEqual({ valid: false, code: 'REVOKED', scopes: [], apiKey: null });
  });

  it('rolled on one instance, the other refuses the old secret at once and shows the new one\'s start', async () => {
    const key = await createKey(one, alice.accessToken, { name: 'rolled' });
    expect((await ownKey(two, key.secret)).body.data.viewer.apiKey.start).toBe(key.secret.slice(0, 12));
    expect((await verify(two, key.secret)).valid).toBe(true);
    const { body } = await one.gql(`mutation { rollApiKey(id: "${key.id}") { ... on CreateApiKeyPayload { secret } } }`, {}, { bearer: alice.accessToken });
    const fresh: string = body.data.rollApiKey.secret;
    await expect.poll(async () => (await ownKey(two, key.secret)).status, { timeout: 1000, interval: 10 }).toBe(401);
    expect((await verify(two, key.secret)).valid).toBe(false);
    expect((await ownKey(two, fresh)).body.data.viewer.apiKey).toMatchObject({ id: key.id, start: fresh.slice(0, 12) });
    expect(await verify(two, fresh)).toMatchObject({ valid: true, apiKey: { id: key.id, start: fresh.slice(0, 12) } });
  });

  it('a change to a key announced through forgetApiKey reaches the other instance\'s cached record', async () => {
    const key = await createKey(one, alice.accessToken, { name: 'before' });
    expect((await ownKey(two, key.secret)).body.data.viewer.apiKey.name).toBe('before');
    // What an update of a key's settings does: write, then forget (api_keys is apikeys' own table).
    await one.database.rows(sql`update api_keys set name = 'after' where id = ${key.id}`);
    await forgetApiKey(one.app.services.invalidations, key.id);
    await expect.poll(async () => (await ownKey(two, key.secret)).body.data?.viewer.apiKey.name, { timeout: 1000, interval: 10 }).toBe('after');
  });

  it('refuses a malformed and an unknown key, and a key issued after an unknown one was asked is valid at once', async () => {
    expect(await verify(two, 'sk_live_not-a-key')).toEqual({ valid: false, code: 'MALFORMED', scopes: [], apiKey: null });
    const body = `sk_live_${'W'.repeat(43)}`;
    expect(await verify(two, body + checksum(body))).toEqual({ valid: false, code: 'NOT_FOUND', scopes: [], apiKey: null });
    expect(await verify(two, generateKey('live'))).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    const key = await createKey(one, alice.accessToken, { name: 'new' });
    expect(await verify(two, key.secret)).toMatchObject({ valid: true, apiKey: { id: key.id } });
  });
});

describe(`the API-key cache without a database (${ENGINE})`, () => {
  it('serves a cached key\'s own metadata and verifyApiKey, and refuses a malformed key, with no database', async () => {
    const app = await startTestApp();
    try {
      const alice = await signUpUser(app);
      const key = await createKey(app, alice.accessToken, { name: 'offline', scopes: ['profile'], rateLimit: { limit: 100, windowSeconds: 60 } });
      const service = await createKey(app, alice.accessToken, { name: 'verifier', scopes: ['apikeys:verify'] });
      const verify = async (candidate: string) => (await app.gql(VERIFY, { key: candidate }, withKey(service.secret))).body.data?.verifyApiKey;
      const expected = { id: key.id, name: 'offline', start: key.secret.slice(0, 12), scopes: ['profile'] };
      expect((await app.gql(OWN_KEY, {}, withKey(key.secret))).body.data.viewer.apiKey).toEqual(expected);
      expect((await verify(key.secret)).valid).toBe(true);
      await app.database.close();
      expect((await app.gql(OWN_KEY, {}, withKey(key.secret))).body.data.viewer.apiKey).toEqual(expected);
      expect(await verify(key.secret)).toMatchObject({ valid: true, scopes: ['profile'], apiKey: { id: key.id } });
      expect(await verify('sk_live_not-a-key')).toMatchObject({ valid: false, code: 'MALFORMED' });
    } finally {
      await app.close().catch(() => {});
    }
  });
});
