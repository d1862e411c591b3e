import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { CONFIRM_TOTP, enrolTotp, jwtClaims, LOGIN_2FA, passwordStep, START_TOTP, VERIFY } from '../helpers/factors.ts';
import { awayFromStepEdge, codeAt } from '../helpers/totp.ts';
import { PASSWORD, signUpUser } from '../helpers/users.ts';

const ME = /* GraphQL */ `{ me { secondFactors { methods totpEnabledAt recoveryCodesLeft } } }`;

describe(`TOTP second factor (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => app.close());
  beforeEach(() => awayFromStepEdge());

  let address = 0;
  /** Each test speaks from its own client address, so per-address budgets do not leak between tests. */
  let from: { headers: Record<string, string> };
  beforeEach(() => {
    from = { headers: { 'x-forwarded-for': `198.51.100.${++address}` } };
  });
  const verify = (challenge: string, code: { totp?: string; recoveryCode?: string }) =>
    app.gql(VERIFY, { input: { challenge, ...code } }, from).then((r) => r.body.data.verifySecondFactor);
  const sessionsOf = async (userId: string) =>
    (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from sessions where user_id = ${userId}`))[0]!.n;
  const auditTypes = async (userId: string) =>
    (await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${userId} order by id`)).map((r) => r.type);

  it('enrols an app from an otpauth URI and an SVG QR code, counting only once a first code confirms it', async () => {
    const user = await signUpUser(app);
    const started = (await app.gql(START_TOTP, {}, { bearer: user.accessToken })).body.data.startTotpEnrolment;
    expect(started.__typename).toBe('TotpEnrolment');
    expect(started.uri).toContain(`secret=${started.secret}`);
    expect(started.qrCodeSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(started.qrCodeSvg).not.toMatch(/<script|href=/);
    // Unconfirmed, it is no second factor: the password alone still signs in.
    expect((await app.gql(ME, {}, { bearer: user.accessToken })).body.data.me.secondFactors).toEqual({ methods: [], totpEnabledAt: null, recoveryCodesLeft: 0 });
    expect((await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login.__typename).toBe('TokenAuthPayload');

    const wrong = (await app.gql(CONFIRM_TOTP, { code: codeAt(started.secret, 3) }, { bearer: user.accessToken, ...from })).body.data.confirmTotp;
    expect(wrong).toMatchObject({ __typename: 'InvalidSecondFactorError', code: 'INVALID_SECOND_FACTOR' });
    const confirmed = (await app.gql(CONFIRM_TOTP, { code: codeAt(started.secret) }, { bearer: user.accessToken, ...from })).body.data.confirmTotp;
    expect(confirmed.__typename).toBe('RecoveryCodes');
    expect(confirmed.codes).toHaveLength(10);
    expect(new Set(confirmed.codes).size).toBe(10);
    const me = (await app.gql(ME, {}, { bearer: user.accessToken })).body.data.me.secondFactors;
    expect(me).toMatchObject({ methods: ['TOTP', 'RECOVERY_CODE'], recoveryCodesLeft: 10 });
    expect(me.totpEnabledAt).not.toBeNull();
    expect(await auditTypes(user.userId)).toEqual(expect.arrayContaining(['totp.enrolment_started', 'totp.confirmation_failed', 'totp.enabled']));
  });

  it('keeps the secret sealed at rest and the recovery codes as hashes', async () => {
    const user = await signUpUser(app);
    const { secret, recoveryCodes } = await enrolTotp(app, user);
    const [row] = await app.database.rows<{ sealed_secret: string }>(sql`select sealed_secret from totp_factors where user_id = ${user.userId}`);
    expect(row!.sealed_secret).toMatch(/^v1\./);
    expect(row!.sealed_secret).not.toContain(secret);
    const hashes = (await app.database.rows<{ hash: string }>(sql`select hash from recovery_codes where user_id = ${user.userId}`)).map((r) => r.hash);
    expect(hashes).toHaveLength(10);
    for (const code of recoveryCodes) expect(hashes.join(' ')).not.toContain(code.replace('-', ''));
    // A second enrolment while one is confirmed is refused.
    expect((await app.gql(START_TOTP, {}, { bearer: user.accessToken })).body.data.startTotpEnrolment.code).toBe('TOTP_ALREADY_ENABLED');
  });

  it('answers the right password with SecondFactorRequired and no session, then signs in with a code; tokens carry amr', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const before = await sessionsOf(user.userId);
    const { body, headers } = await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD } }, from);
    const held = body.data.login;
    expect(held).toMatchObject({ __typename: 'SecondFactorRequired', code: 'SECOND_FACTOR_REQUIRED', methods: ['TOTP', 'RECOVERY_CODE'] });
    expect(held.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const ttl = new Date(held.expiresAt).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    expect(headers.get('set-cookie')).toBeNull();
    expect(await sessionsOf(user.userId)).toBe(before);

    const signedIn = await verify(held.challenge, { totp: codeAt(secret) });
    expect(signedIn).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId } });
    expect(jwtClaims(signedIn.tokens.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(await sessionsOf(user.userId)).toBe(before + 1);
    // The challenge is single use.
    expect((await verify(held.challenge, { totp: codeAt(secret, 1) })).code).toBe('INVALID_TOKEN');

    // A refreshed access token still says how the session signed in.
    const refreshed = await app.gql(`mutation R($t: String!) { refresh(input: { refreshToken: $t }) { ... on TokenAuthPayload { tokens { accessToken } } } }`,
      { t: signedIn.tokens.refreshToken });
    expect(jwtClaims(refreshed.body.data.refresh.tokens.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(jwtClaims(user.accessToken).amr).toEqual(['pwd']);
    expect(await auditTypes(user.userId)).toEqual(expect.arrayContaining(['login.second_factor_required', 'second_factor.succeeded', 'login.succeeded']));
  });

  it('accepts one step of drift either way, never a code twice nor an earlier one', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user); // confirmed with the previous step's code
    expect((await verify(await passwordStep(app, user.email, from), { totp: codeAt(secret, 2) })).code).toBe('INVALID_SECOND_FACTOR');
    const challenge = await passwordStep(app, user.email, from);
    expect((await verify(challenge, { totp: codeAt(secret, 1) })).__typename).toBe('TokenAuthPayload');
    // The current step is earlier than the one just used: a replay of a window already spent.
    expect((await verify(await passwordStep(app, user.email, from), { totp: codeAt(secret) })).code).toBe('INVALID_SECOND_FACTOR');
    expect((await verify(await passwordStep(app, user.email, from), { totp: codeAt(secret, 1) })).code).toBe('INVALID_SECOND_FACTOR');
  });

  it('accepts the same code once when two sign-ins race with it', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const challenges = [await passwordStep(app, user.email, from), await passwordStep(app, user.email, from)];
    const code = codeAt(secret);
    const results = await Promise.all(challenges.map((challenge) => verify(challenge, { totp: code })));
    expect(results.map((r) => r.__typename).sort()).toEqual(['InvalidSecondFactorError', 'TokenAuthPayload']);
  });

  it('signs in with a recovery code, once each', async () => {
    const user = await signUpUser(app);
    const { recoveryCodes } = await enrolTotp(app, user);
    const typed = recoveryCodes[3]!.toLowerCase().replace('-', ' ');
    const result = await verify(await passwordStep(app, user.email, from), { recoveryCode: typed });
    expect(result.__typename).toBe('TokenAuthPayload');
    expect(jwtClaims(result.tokens.accessToken).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await verify(await passwordStep(app, user.email, from), { recoveryCode: recoveryCodes[3] })).code).toBe('INVALID_SECOND_FACTOR');
    expect((await app.gql(ME, {}, { bearer: result.tokens.accessToken })).body.data.me.secondFactors.recoveryCodesLeft).toBe(9);
  });

  it('wants exactly one code', async () => {
    const user = await signUpUser(app);
    const { secret, recoveryCodes } = await enrolTotp(app, user);
    const challenge = await passwordStep(app, user.email, from);
    expect(await verify(challenge, {})).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED' });
    expect((await verify(challenge, { totp: codeAt(secret), recoveryCode: recoveryCodes[0] })).code).toBe('VALIDATION_FAILED');
    expect((await verify(challenge, { totp: codeAt(secret) })).__typename).toBe('TokenAuthPayload');
  });

  it('refuses an unknown or expired challenge, and one worn out by five wrong codes', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    expect((await verify('x'.repeat(43), { totp: codeAt(secret) })).code).toBe('INVALID_TOKEN');
    const expired = await passwordStep(app, user.email, from);
    await app.database.rows(sql`update second_factor_challenges set expires_at = now() - interval '1 second' where user_id = ${user.userId}`);
    expect((await verify(expired, { totp: codeAt(secret) })).code).toBe('INVALID_TOKEN');

    const worn = await passwordStep(app, user.email, from);
    for (let i = 0; i < 5; i += 1) expect((await verify(worn, { totp: '000000' === codeAt(secret) ? '111111' : '000000' })).code).toBe('INVALID_SECOND_FACTOR');
    expect((await verify(worn, { totp: codeAt(secret) })).code).toBe('INVALID_TOKEN');
  });

  it('counts wrong codes toward the account\'s sign-in throttle, which the right password alone does not reset', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const wrong = codeAt(secret, 5);
    for (let i = 0; i < 10; i += 1) {
      const challenge = await passwordStep(app, user.email, { headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } });
      expect((await verify(challenge, { totp: wrong })).code).toBe('INVALID_SECOND_FACTOR');
    }
    const [row] = await app.database.rows<{ failed_logins: number }>(sql`select failed_logins from users where id = ${user.userId}`);
    // Ten wrong codes, each after the right password: the passwords did not clear the count.
    expect(row!.failed_logins).toBe(10);
    const throttled = (await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login;
    expect(throttled.__typename).toBe('RateLimitedError');
    expect(throttled.retryAfterSeconds).toBeGreaterThan(0);
    expect(await auditTypes(user.userId)).toContain('second_factor.failed');
  });

  it('never tells a wrong password from a right one by asking for a second factor', async () => {
    const user = await signUpUser(app);
    await enrolTotp(app, user);
    const wrong = (await app.gql(LOGIN_2FA, { input: { email: user.email, password: 'not the password' } }, from)).body.data.login;
    expect(wrong).toEqual({ __typename: 'InvalidCredentialsError', code: 'INVALID_CREDENTIALS', message: 'Wrong email or password.' });
  });

  it('keeps COOKIE delivery through the second step: the cookie comes only with the code', async () => {
    const user = await signUpUser(app);
    const { secret } = await enrolTotp(app, user);
    const login = await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD, delivery: 'COOKIE' } }, from);
    expect(login.headers.get('set-cookie')).toBeNull();
    const verified = await app.gql(VERIFY, { input: { challenge: login.body.data.login.challenge, totp: codeAt(secret) } }, from);
    expect(verified.body.data.verifySecondFactor).toMatchObject({ __typename: 'CookieAuthPayload', session: { id: expect.any(String) } });
    expect(verified.body.data.verifySecondFactor).not.toHaveProperty('tokens');
    expect(verified.headers.get('set-cookie')).toMatch(/^__Host-/);
  });

  it('checks one credential per request: aliases cannot multiply guesses', async () => {
    const user = await signUpUser(app);
    await enrolTotp(app, user);
    const challenge = await passwordStep(app, user.email, from);
    const { body } = await app.gql(/* GraphQL */ `mutation V($c: String!) {
      a: verifySecondFactor(input: { challenge: $c, totp: "000001" }) { __typename }
      b: verifySecondFactor(input: { challenge: $c, totp: "000002" }) { __typename }
    }`, { c: challenge }, from);
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
  });
});
