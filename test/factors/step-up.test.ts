import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp, passwordStep, REAUTHENTICATE, VERIFY } from '../helpers/factors.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, type SignedUp } from '../helpers/users.ts';

const DISABLE = /* GraphQL */ `
  mutation Disable($input: SecondFactorCodeInput) {
    disableTotp(input: $input) { __typename ... on SecondFactorDisabled { disabled } ... on Error { code message } }
  }`;
const REGENERATE = /* GraphQL */ `mutation { regenerateRecoveryCodes { __typename ... on RecoveryCodes { codes } ... on Error { code } } }`;
const CREATE_KEY = /* GraphQL */ `
  mutation Create($input: CreateApiKeyInput!) {
    createApiKey(input: $input) { __typename ... on CreateApiKeyPayload { secret } ... on Error { code message } }
  }`;
const ROTATE = /* GraphQL */ `mutation { rotateSigningKeys { keys { kid } } }`;

describe(`step-up: sensitive operations want a recent sign-in (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => app.close());
  beforeEach(() => awayFromStepEdge());

  let address = 0;
  let from: { headers: Record<string, string> };
  beforeEach(() => {
    from = { headers: { 'x-forwarded-for': `198.51.100.${++address}` } };
  });
  /** Makes the session look signed in `minutes` ago. */
  const age = (user: SignedUp, minutes: number) =>
    app.database.rows(sql`update sessions set created_at = now() - ${`${minutes} minutes`}::interval, verified_at = null where id = ${user.sessionId}`);
  const as = (user: SignedUp) => ({ bearer: user.accessToken, ...from });
  const reauthenticate = (user: SignedUp, input: Record<string, string>) =>
    app.gql(REAUTHENTICATE, { input }, as(user)).then((r) => r.body.data.reauthenticate);
  const auditTypes = async (userId: string) =>
    (await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${userId} order by id`)).map((r) => r.type);

  it('lets a sign-in of 9 minutes ago remove a factor, but not one of 11 minutes ago', async () => {
    const recent = await signUpUser(app);
    await enrolTotp(app, recent, from);
    await age(recent, 9);
    expect((await app.gql(DISABLE, {}, as(recent))).body.data.disableTotp).toEqual({ __typename: 'SecondFactorDisabled', disabled: true });

    const stale = await signUpUser(app);
    await enrolTotp(app, stale, from);
    await age(stale, 11);
    expect((await app.gql(DISABLE, {}, as(stale))).body.data.disableTotp).toMatchObject({
      __typename: 'ReauthenticationRequiredError', code: 'REAUTHENTICATION_REQUIRED',
    });
    expect((await app.database.rows(sql`select 1 from totp_factors where user_id = ${stale.userId}`))).toHaveLength(1);
  });

  it('reauthenticate with the password opens sensitive operations again; a wrong one does not', async () => {
    const user = await signUpUser(app);
    await enrolTotp(app, user, from);
    await age(user, 30);
    expect(await reauthenticate(user, { password: 'not the password' })).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await app.gql(DISABLE, {}, as(user))).body.data.disableTotp.code).toBe('REAUTHENTICATION_REQUIRED');
    const done = await reauthenticate(user, { password: PASSWORD });
    expect(done.__typename).toBe('Reauthenticated');
    expect(Math.abs(new Date(done.verifiedAt).getTime() - Date.now())).toBeLessThan(60_000);
    expect((await app.gql(DISABLE, {}, as(user))).body.data.disableTotp.__typename).toBe('SecondFactorDisabled');
    // Gone: a second disable finds nothing, and the password alone signs in again.
    expect((await app.gql(DISABLE, {}, as(user))).body.data.disableTotp.code).toBe('NOT_FOUND');
    const login = await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }, from);
    expect(login.body.data.login.__typename).toBe('TokenAuthPayload');
    expect(await auditTypes(user.userId)).toEqual(expect.arrayContaining(['reauthenticate.failed', 'reauthenticated', 'totp.disabled']));
  });

  it('reauthenticate takes a code of the second factor, and wants exactly one proof', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user, from);
    await age(user, 30);
    expect(await reauthenticate(user, { password: PASSWORD, totp: codeAt(secret) })).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await reauthenticate(user, { totp: codeAt(secret, 4) })).toMatchObject({ code: 'INVALID_SECOND_FACTOR' });
    expect((await reauthenticate(user, { totp: codeAt(secret) })).__typename).toBe('Reauthenticated');
    expect((await app.gql(REGENERATE, {}, as(user))).body.data.regenerateRecoveryCodes.codes).toHaveLength(10);
  });

  it('disableTotp with a code needs no recent sign-in; a wrong code changes nothing', async () => {
    const user = await signUpUser(app);
    const { secret, recoveryCodes } = await enrolTotp(app, user, from);
    await age(user, 60);
    expect((await app.gql(DISABLE, { input: { totp: codeAt(secret, 3) } }, as(user))).body.data.disableTotp.code).toBe('INVALID_SECOND_FACTOR');
    expect((await app.database.rows(sql`select 1 from recovery_codes where user_id = ${user.userId}`))).toHaveLength(10);
    expect((await app.gql(DISABLE, { input: { recoveryCode: recoveryCodes[0] } }, as(user))).body.data.disableTotp.disabled).toBe(true);
    expect((await app.database.rows(sql`select 1 from recovery_codes where user_id = ${user.userId}`))).toHaveLength(0);
  });

  it('regenerating recovery codes wants a recent sign-in and retires every earlier code', async () => {
    const user = await signUpUser(app);
    const { recoveryCodes } = await enrolTotp(app, user, from);
    await age(user, 11);
    expect((await app.gql(REGENERATE, {}, as(user))).body.data.regenerateRecoveryCodes.code).toBe('REAUTHENTICATION_REQUIRED');
    await reauthenticate(user, { password: PASSWORD });
    const fresh = (await app.gql(REGENERATE, {}, as(user))).body.data.regenerateRecoveryCodes.codes as string[];
    expect(fresh).toHaveLength(10);
    const old = await app.gql(VERIFY, { input: { challenge: await passwordStep(app, user.email, from), recoveryCode: recoveryCodes[0] } }, from);
    expect(old.body.data.verifySecondFactor.code).toBe('INVALID_SECOND_FACTOR');
    const next = await app.gql(VERIFY, { input: { challenge: await passwordStep(app, user.email, from), recoveryCode: fresh[0] } }, from);
    expect(next.body.data.verifySecondFactor.__typename).toBe('TokenAuthPayload');
  });

  it('an API key holding admin is made only from a recent sign-in; other keys need none', async () => {
    const admin = await signUpAdmin(app);
    await age(admin, 11);
    expect((await app.gql(CREATE_KEY, { input: { name: 'ci', scopes: ['apikeys:manage'] } }, as(admin))).body.data.createApiKey.__typename)
      .toBe('CreateApiKeyPayload');
    const refused = (await app.gql(CREATE_KEY, { input: { name: 'ops', scopes: ['admin'] } }, as(admin))).body.data.createApiKey;
    expect(refused.code).toBe('REAUTHENTICATION_REQUIRED');
    await reauthenticate(admin, { password: PASSWORD });
    expect((await app.gql(CREATE_KEY, { input: { name: 'ops', scopes: ['admin'] } }, as(admin))).body.data.createApiKey.secret).toMatch(/^sk_live_/);
  });

  it('rotating signing keys wants a recent sign-in, and an API key can never re-verify', async () => {
    const admin = await signUpAdmin(app);
    const key = (await app.gql(CREATE_KEY, { input: { name: 'ops', scopes: ['admin'] } }, as(admin))).body.data.createApiKey.secret as string;
    await age(admin, 11);
    const stale = await app.gql(ROTATE, {}, as(admin));
    expect(stale.body.errors?.[0]?.extensions?.code).toBe('REAUTHENTICATION_REQUIRED');
    expect(stale.status).toBe(200);
    const byKey = await app.gql(ROTATE, {}, { headers: { 'x-api-key': key, ...from.headers } });
    expect(byKey.body.errors?.[0]?.extensions?.code).toBe('REAUTHENTICATION_REQUIRED');
    const keyReauth = await app.gql(REAUTHENTICATE, { input: { password: PASSWORD } }, { headers: { 'x-api-key': key, ...from.headers } });
    expect(keyReauth.body.data.reauthenticate.code).toBe('REAUTHENTICATION_REQUIRED');
    await reauthenticate(admin, { password: PASSWORD });
    expect((await app.gql(ROTATE, {}, as(admin))).body.data.rotateSigningKeys.keys.length).toBeGreaterThan(0);
  });
});

describe(`REQUIRE_ADMIN_MFA (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { REQUIRE_ADMIN_MFA: 'true' } });
  });
  afterAll(() => app.close());
  beforeEach(() => awayFromStepEdge());

  it('refuses admin fields to an admin without a second factor until one is enrolled', async () => {
    const admin = await signUpAdmin(app);
    const before = await app.gql(`{ signingKeys { kid } }`, {}, { bearer: admin.accessToken });
    expect(before.body.errors?.[0]?.extensions?.code).toBe('SECOND_FACTOR_ENROLMENT_REQUIRED');
    await enrolTotp(app, admin);
    const after = await app.gql(`{ signingKeys { kid } }`, {}, { bearer: admin.accessToken });
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.signingKeys.length).toBeGreaterThan(0);
    // A user who is no admin still gets the plain refusal.
    const user = await signUpUser(app);
    expect((await app.gql(`{ signingKeys { kid } }`, {}, { bearer: user.accessToken })).body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
