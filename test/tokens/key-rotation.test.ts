import { sql } from 'drizzle-orm';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEY_PUBLISH_LEAD_MS, RETIRED_KEY_RETENTION_MS } from '../../src/tokens/keys.ts';
import { startTestApp, twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const VIEWER = '{ viewer { credential } }';
const DAYS = 86_400_000;

/** The kids /.well-known/jwks.json serves. */
async function servedKids(app: TestApp): Promise<string[]> {
  const { keys } = await (await app.fetch('/.well-known/jwks.json')).json() as { keys: { kid: string }[] };
  return keys.map((k) => k.kid);
}

async function loginToken(app: TestApp, user: SignedUp): Promise<string> {
  const { body } = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } });
  return body.data.login.tokens.accessToken;
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;

/** Moves a key's clock back, as if `ms` had passed since it was made (and since its hand-over, if any). */
async function age(app: TestApp, kid: string, ms: number): Promise<void> {
  const interval = `${ms} milliseconds`;
  await app.database.rows(sql`update signing_keys set created_at = created_at - ${interval}::interval,
    retired_at = retired_at - ${interval}::interval where kid = ${kid}`);
}

describe(`signing key rotation (${ENGINE})`, () => {
  let app: TestApp;
  let user: SignedUp;
  beforeAll(async () => {
    // Its first keys made as on a real first start.
    app = await startTestApp({ generateSigningKeys: true });
    user = await signUpUser(app);
  });
  afterAll(() => app?.close());

  const keys = () => app.app.services.keys;
  const viewerStatus = async (token: string) => (await app.gql(VIEWER, {}, { bearer: token })).status;

  it('publishes a new key ten minutes before it signs, and serves the old one for a day after it stops', async () => {
    const before = await loginToken(app, user);
    const oldKid = kidOf(before)!;
    const newKid = await keys().rotate('EdDSA');
    expect(await servedKids(app)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(kidOf(await loginToken(app, user))).toBe(oldKid);

    await age(app, newKid, KEY_PUBLISH_LEAD_MS + 1000);
    await age(app, oldKid, KEY_PUBLISH_LEAD_MS + 1000);
    await keys().reload();
    const after = await loginToken(app, user);
    expect(kidOf(after)).toBe(newKid);
    expect(await viewerStatus(before)).toBe(200);
    expect(await viewerStatus(after)).toBe(200);
    expect(await servedKids(app)).toEqual(expect.arrayContaining([oldKid, newKid]));

    await age(app, oldKid, RETIRED_KEY_RETENTION_MS);
    await keys().reload();
    expect(await servedKids(app)).not.toContain(oldKid);
    expect(await servedKids(app)).toContain(newKid);
    expect(app.app.services.keys.byKid.has(oldKid)).toBe(false);
    expect(await viewerStatus(after)).toBe(200);
  });

  it('rotates each algorithm once its newest key is older than the interval, and deletes keys past retention', async () => {
    expect(await keys().rotateIfDue(30 * DAYS)).toEqual([]);
    const rsBefore = keys().signer('RS256').kid;
    const all = await app.database.rows<{ kid: string }>(sql`select kid from signing_keys`);
    for (const { kid } of all) await age(app, kid, 31 * DAYS);
    expect((await keys().rotateIfDue(30 * DAYS)).sort()).toEqual(['EdDSA', 'RS256']);
    expect(await keys().rotateIfDue(30 * DAYS)).toEqual([]);

    const rows = await app.database.rows<{ kid: string; alg: string; retired: boolean }>(
      sql`select kid, alg, retired_at is not null as retired from signing_keys order by created_at`);
    // The keys retired over a day ago are deleted; the two just handed over wait their day.
    expect(rows.filter((r) => r.retired).map((r) => r.alg).sort()).toEqual(['EdDSA', 'RS256']);
    expect(rows.filter((r) => !r.retired).map((r) => r.alg).sort()).toEqual(['EdDSA', 'RS256']);
    expect(rows.map((r) => r.kid)).toContain(rsBefore);
    expect(keys().signer('RS256').kid).toBe(rsBefore);
  });

  it('makes RSA keys of 3072 bits, at first start and at every rotation (NIST SP 800-57: 2048 ends in 2030)', async () => {
    const rsaBits = async () => {
      const { keys: served } = await (await app.fetch('/.well-known/jwks.json')).json() as { keys: { kty: string; n?: string }[] };
      return served.filter((k) => k.kty === 'RSA').map((k) => Buffer.from(k.n!, 'base64url').length * 8);
    };
    const before = await rsaBits();
    await keys().rotate('RS256');
    const after = await rsaBits();
    expect(after.length).toBe(before.length + 1);
    expect(after).toEqual(after.map(() => 3072));
  });
});

// A rotation on one instance reaches the other through NOTIFY; PGlite is one process's own.
if (ENGINE === 'postgres') {
  describe('signing key rotation across two instances', () => {
    let one: TestApp;
    let two: TestApp;
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('publishes a key made on one instance on the other at once, which then accepts what it signs', async () => {
      const user = await signUpUser(one);
      const newKid = await one.app.services.keys.rotate('EdDSA');
      const deadline = Date.now() + 1000;
      while (!(await servedKids(two)).includes(newKid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(await servedKids(two)).toContain(newKid);

      for (const row of await one.database.rows<{ kid: string }>(sql`select kid from signing_keys where alg = 'EdDSA'`)) {
        await age(one, row.kid, KEY_PUBLISH_LEAD_MS + 1000);
      }
      await one.app.services.invalidations.publish('keys', ['EdDSA']);
      await new Promise((r) => setTimeout(r, 200));
      const token = await loginToken(one, user);
      expect(kidOf(token)).toBe(newKid);
      expect((await two.gql(VIEWER, {}, { bearer: token })).status).toBe(200);
    });

    it('refuses on the other instance, within a second, a token it had verified before its key was revoked', async () => {
      const user = await signUpUser(one);
      const token = await loginToken(one, user);
      expect((await two.gql(VIEWER, {}, { bearer: token })).status).toBe(200);
      await one.app.services.keys.rotateAll(true);
      await expect.poll(async () => (await two.gql(VIEWER, {}, { bearer: token })).status, { timeout: 1000, interval: 10 }).toBe(401);
    });
  });
}

describe(`rotateSigningKeys and signingKeys, for admins (${ENGINE})`, () => {
  const SIGNING_KEYS = '{ signingKeys { kid algorithm current retiredAt } }';
  const ROTATE = `mutation R($input: RotateSigningKeysInput) {
    rotateSigningKeys(input: $input) { keys { kid algorithm current retiredAt } } }`;
  const REFRESH = 'mutation F($t: String!) { refresh(input: { refreshToken: $t }) { ... on TokenAuthPayload { tokens { accessToken } } } }';
  let app: TestApp;
  let admin: SignedUp;
  beforeAll(async () => {
    app = await startTestApp();
    admin = await signUpAdmin(app);
  });
  afterAll(() => app?.close());

  it('lists the keys to admins only', async () => {
    const listed = await app.gql(SIGNING_KEYS, {}, { bearer: admin.accessToken });
    expect(listed.body.data.signingKeys.map((k: { algorithm: string; current: boolean }) => [k.algorithm, k.current]).sort())
      .toEqual([['EdDSA', true], ['RS256', true]]);
    const user = await signUpUser(app);
    for (const query of [SIGNING_KEYS, ROTATE]) {
      const { body } = await app.gql(query, {}, { bearer: user.accessToken });
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('plans a rotation with overlap: new keys published, old ones still signing', async () => {
    const { body } = await app.gql(ROTATE, {}, { bearer: admin.accessToken });
    const keys = body.data.rotateSigningKeys.keys as { kid: string; current: boolean; retiredAt: string | null }[];
    expect(keys).toHaveLength(4);
    expect(keys.filter((k) => k.current).every((k) => k.retiredAt !== null)).toBe(true);
    expect(keys.filter((k) => !k.current).every((k) => k.retiredAt === null)).toBe(true);
    expect(await servedKids(app)).toEqual(expect.arrayContaining(keys.map((k) => k.kid)));
  });

  it('revokes the current keys at once: their tokens are refused even when verified before, sessions go on', async () => {
    const user = await signUpUser(app);
    const before = await loginToken(app, user);
    expect((await app.gql(VIEWER, {}, { bearer: before })).status).toBe(200);
    const { body } = await app.gql(ROTATE, { input: { revokeCurrent: true } }, { bearer: admin.accessToken });
    const keys = body.data.rotateSigningKeys.keys as { kid: string; current: boolean }[];
    expect(keys.map((k) => k.current)).toEqual([true, true]);
    expect((await servedKids(app)).sort()).toEqual(keys.map((k) => k.kid).sort());

    const refused = await app.gql(VIEWER, {}, { bearer: before });
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'invalid' });
    const refreshed = await app.gql(REFRESH, { t: user.refreshToken });
    const fresh = refreshed.body.data.refresh.tokens.accessToken;
    expect(keys.map((k) => k.kid)).toContain(kidOf(fresh));
    expect((await app.gql(VIEWER, {}, { bearer: fresh })).status).toBe(200);
    const events = await app.database.rows<{ detail: string }>(sql`select detail from audit_events where type = 'signing_keys.rotated'`);
    expect(events.map((e) => e.detail).sort()).toEqual(['old keys revoked', 'planned, with overlap']);
  });
});
