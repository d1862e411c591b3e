import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { describeWithBrowser, launchChromium } from '../helpers/browser.ts';
import { ENGINE } from '../helpers/database.ts';
import { jwtClaims, LOGIN_2FA, REAUTHENTICATE, VERIFY } from '../helpers/factors.ts';
import {
  FINISH_REGISTRATION, FINISH_SIGN_IN, MY_PASSKEYS, openAuthenticatorPage, registerPasskey, START_REAUTHENTICATION, START_SIGN_IN,
  type AuthenticatorPage,
} from '../helpers/passkeys.ts';
import { LOGIN, PASSWORD, signUpUser, type SignedUp } from '../helpers/users.ts';

// Passkeys end to end: Chromium runs each ceremony (navigator.credentials.create/get) on a page of the
// app's origin, against a DevTools virtual authenticator (CTAP2, platform, resident keys, user
// verification), with the options the GraphQL API handed out; the test sends the answers back.

describeWithBrowser(`passkeys with Chromium's virtual authenticator (${ENGINE})`, () => {
  let app: TestApp;
  let browser: Browser;
  const pages: AuthenticatorPage[] = [];

  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  let address = 0;
  let from: { headers: Record<string, string> };
  beforeEach(() => {
    from = { headers: { 'x-forwarded-for': `203.0.113.${++address}` } };
  });
  const as = (user: SignedUp) => ({ bearer: user.accessToken, ...from });
  const open = async (origin = app.url) => {
    const page = await openAuthenticatorPage(browser, origin);
    pages.push(page);
    return page;
  };
  /** The account's audit events, oldest first. */
  const auditOf = async (userId: string) =>
    app.database.rows<{ type: string; detail: string | null }>(sql`select type, detail from audit_events where user_id = ${userId} order by at`);
  const LOGIN_WITH_OPTIONS = /* GraphQL */ `
    mutation Login($input: LoginInput!) { login(input: $input) { __typename ... on SecondFactorRequired { challenge methods passkeyOptions } } }`;
  const signInWith = async (page: AuthenticatorPage, change: Record<string, unknown> = {}) => {
    const { json } = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn;
    const response = await page.get(json, change);
    return { options: JSON.parse(json), response, result: (await app.gql(FINISH_SIGN_IN, { input: { response } }, from)).body.data.finishPasskeySignIn };
  };

  it('registers a passkey: resident key, no attestation, an opaque user handle; me lists it, never its key; the first factor brings recovery codes', async () => {
    const user = await signUpUser(app);
    const page = await open();
    const { options, response, finished } = await registerPasskey(app, user, page, 'Laptop', from);
    expect(options).toMatchObject({
      rp: { id: 'localhost', name: 'Latchkey' }, attestation: 'none', timeout: 300000,
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true },
      user: { name: user.email },
    });
    expect(options.user.id).not.toContain(user.email);
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(finished).toMatchObject({ __typename: 'PasskeyRegistered', passkey: { name: 'Laptop', synced: false, lastUsedAt: null } });
    expect(finished.recoveryCodes).toHaveLength(10);

    const me = (await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors;
    expect(me).toMatchObject({ methods: ['PASSKEY', 'RECOVERY_CODE'], recoveryCodesLeft: 10, passkeys: [{ id: finished.passkey.id, name: 'Laptop' }] });
    expect(JSON.stringify(me)).not.toMatch(/publicKey|credentialId/);

    // The same answer again: its challenge is spent.
    const again = (await app.gql(FINISH_REGISTRATION, { input: { response, name: 'Again' } }, as(user))).body.data.finishPasskeyRegistration;
    expect(again).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
    expect((await auditOf(user.userId)).map((e) => e.type)).toEqual(expect.arrayContaining(['passkey.registered', 'passkey.registration_failed']));
  });

  it('is a second factor after the password: SecondFactorRequired offers PASSKEY with options, the assertion signs in with amr pwd hwk mfa', async () => {
    const user = await signUpUser(app);
    const page = await open();
    await registerPasskey(app, user, page, 'Laptop', from);
    const held = (await app.gql(LOGIN_WITH_OPTIONS, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login;
    expect(held).toMatchObject({ __typename: 'SecondFactorRequired', methods: ['PASSKEY', 'RECOVERY_CODE'] });
    const options = JSON.parse(held.passkeyOptions);
    const [credential] = await page.credentials();
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'preferred', allowCredentials: [{ id: Buffer.from(credential!.credentialId, 'base64').toString('base64url'), type: 'public-key' }] });

    const assertion = await page.get(held.passkeyOptions);
    const signedIn = (await app.gql(VERIFY, { input: { challenge: held.challenge, passkey: assertion } }, from)).body.data.verifySecondFactor;
    expect(signedIn).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId } });
    expect(jwtClaims(signedIn.tokens.accessToken).amr).toEqual(['pwd', 'hwk', 'mfa']);

    const again = await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD } }, from);
    const replayed = (await app.gql(VERIFY, { input: { challenge: again.body.data.login.challenge, passkey: assertion } }, from)).body.data.verifySecondFactor;
    expect(replayed).toMatchObject({ __typename: 'InvalidSecondFactorError', code: 'INVALID_SECOND_FACTOR' });
    const types = (await auditOf(user.userId)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['passkey.used', 'second_factor.succeeded', 'passkey.refused', 'second_factor.failed']));
  });

  it('binds a second factor\'s passkey options to their sign-in attempt: answered for attempt A, they cannot complete attempt B', async () => {
    const user = await signUpUser(app);
    const page = await open();
    await registerPasskey(app, user, page, 'Laptop', from);
    const attemptA = (await app.gql(LOGIN_WITH_OPTIONS, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login;
    const attemptB = (await app.gql(LOGIN_2FA, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login;
    expect(attemptB.__typename).toBe('SecondFactorRequired');
    const assertion = await page.get(attemptA.passkeyOptions);
    const sessions = async () => (await app.database.rows(sql`select 1 from sessions where user_id = ${user.userId}`)).length;
    const passkey = () => app.database.rows(sql`select counter::int as counter, last_used_at from passkeys where user_id = ${user.userId}`);
    const failedLogins = async () => (await app.database.rows<{ n: number }>(sql`select failed_logins as n from users where id = ${user.userId}`))[0]!.n;
    const [sessionsBefore, passkeyBefore, failedBefore] = [await sessions(), await passkey(), await failedLogins()];

    const crossed = (await app.gql(VERIFY, { input: { challenge: attemptB.challenge, passkey: assertion } }, from)).body.data.verifySecondFactor;
    expect(crossed).toMatchObject({ __typename: 'InvalidSecondFactorError', code: 'INVALID_SECOND_FACTOR' });
    // Nothing written but the failure: no session, A's WebAuthn challenge unspent, the passkey's counter untouched.
    expect(await sessions()).toBe(sessionsBefore);
    expect(await app.database.rows(sql`select used_at from passkey_challenges where purpose = 'SECOND_FACTOR' and user_id = ${user.userId}`)).toEqual([{ used_at: null }]);
    expect(await passkey()).toEqual(passkeyBefore);
    // Counted as a wrong second factor: against attempt B and the account's sign-in throttle, and audited.
    expect(await app.database.rows(sql`select failures from second_factor_challenges where user_id = ${user.userId} order by created_at`)).toEqual([{ failures: 0 }, { failures: 1 }]);
    expect(await failedLogins()).toBe(failedBefore + 1);
    expect(await auditOf(user.userId)).toContainEqual({ type: 'passkey.refused', detail: 'unknown, expired or spent challenge' });
    expect(await auditOf(user.userId)).toContainEqual({ type: 'second_factor.failed', detail: 'method: PASSKEY' });

    // Attempt A, which the options were issued for, still completes with the same answer; B stays refused.
    const signedIn = (await app.gql(VERIFY, { input: { challenge: attemptA.challenge, passkey: assertion } }, from)).body.data.verifySecondFactor;
    expect(signedIn).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId } });
    expect(jwtClaims(signedIn.tokens.accessToken).amr).toEqual(['pwd', 'hwk', 'mfa']);
    expect((await app.gql(VERIFY, { input: { challenge: attemptB.challenge, passkey: assertion } }, from)).body.data.verifySecondFactor.code).toBe('INVALID_SECOND_FACTOR');
  });

  it('signs in without a password with a discoverable passkey and user verification; tokens say hwk mfa', async () => {
    const user = await signUpUser(app);
    const page = await open();
    await registerPasskey(app, user, page, 'Laptop', from);
    const { options, result } = await signInWith(page);
    expect(options).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [] });
    expect(result).toMatchObject({ __typename: 'TokenAuthPayload', user: { id: user.userId, email: user.email } });
    expect(jwtClaims(result.tokens.accessToken).amr).toEqual(['hwk', 'mfa']);
    const viewer = (await app.gql('{ viewer { session { id } } me { secondFactors { passkeys { lastUsedAt } } } }', {}, { bearer: result.tokens.accessToken })).body.data;
    expect(viewer.me.secondFactors.passkeys[0].lastUsedAt).not.toBeNull();

    const cookie = await (async () => {
      const { json } = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn;
      const response = await page.get(json);
      return app.gql(FINISH_SIGN_IN, { input: { response, delivery: 'COOKIE' } }, from);
    })();
    expect(cookie.body.data.finishPasskeySignIn).toMatchObject({ __typename: 'CookieAuthPayload', user: { id: user.userId } });
    expect(cookie.headers.getSetCookie().join()).toContain('HttpOnly');
  });

  it('refuses a passwordless answer without user verification', async () => {
    const user = await signUpUser(app);
    const page = await open();
    await registerPasskey(app, user, page, 'Laptop', from);
    await page.cdp.send('WebAuthn.setUserVerified', { authenticatorId: page.authenticatorId, isUserVerified: false });
    const { response, result } = await signInWith(page, { userVerification: 'discouraged' });
    expect(JSON.parse(response).type).toBe('public-key');
    expect(result).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
    expect(await auditOf(user.userId)).toContainEqual({ type: 'passkey.refused', detail: expect.stringContaining('User verification required') });
  });

  it('refuses a cloned authenticator: the signature counter of the copy goes back, and the audit log says so', async () => {
    const user = await signUpUser(app);
    const page = await open();
    await registerPasskey(app, user, page, 'Laptop', from);
    const exported = await page.credentials();
    expect(exported).toHaveLength(1);
    for (let i = 0; i < 2; i++) expect((await signInWith(page)).result.__typename).toBe('TokenAuthPayload');
    const [used] = await page.credentials();
    expect(used!.signCount).toBeGreaterThan(exported[0]!.signCount);

    // The copy holds the same private key with the counter as it was when it was copied.
    await page.replaceAuthenticator(exported);
    const { result } = await signInWith(page);
    expect(result).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
    expect(await auditOf(user.userId)).toContainEqual({ type: 'passkey.counter_went_back', detail: expect.stringContaining('signature counter') });

    // The real authenticator, which counts on, still signs in.
    await page.replaceAuthenticator([used!]);
    expect((await signInWith(page)).result.__typename).toBe('TokenAuthPayload');
  });

  it('refuses answers made on a page of another origin (another port of localhost), for registration and sign-in', async () => {
    const user = await signUpUser(app);
    const home = await open();
    await registerPasskey(app, user, home, 'Laptop', from);
    const port = Number(new URL(app.url).port);
    const elsewhere = await open(`http://localhost:${port === 65535 ? port - 1 : port + 1}`);
    await elsewhere.replaceAuthenticator(await home.credentials());

    const { response, result } = await signInWith(elsewhere);
    expect(JSON.parse(Buffer.from(JSON.parse(response).response.clientDataJSON, 'base64url').toString()).origin).not.toBe(new URL(app.url).origin);
    expect(result).toMatchObject({ __typename: 'InvalidPasskeyError', code: 'INVALID_PASSKEY' });
    expect(await auditOf(user.userId)).toContainEqual({ type: 'passkey.refused', detail: expect.stringContaining('origin') });

    await elsewhere.replaceAuthenticator();
    const registered = await registerPasskey(app, user, elsewhere, 'Elsewhere', from);
    expect(registered.finished).toMatchObject({ __typename: 'InvalidPasskeyError' });
    expect((await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors.passkeys).toHaveLength(1);
  });

  it('renames, lists and removes passkeys; registering and removing want a recent sign-in, which a passkey can give', async () => {
    const user = await signUpUser(app);
    const other = await signUpUser(app);
    const laptop = await open();
    const first = (await registerPasskey(app, user, laptop, 'Laptop', from)).finished.passkey;
    await laptop.replaceAuthenticator();
    const second = await registerPasskey(app, user, laptop, 'Phone', from);
    expect(second.options.excludeCredentials).toHaveLength(1);
    expect(second.finished).toMatchObject({ passkey: { name: 'Phone' }, recoveryCodes: null });
    const list = async () => (await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors.passkeys.map((p: { name: string }) => p.name);
    expect(await list()).toEqual(['Phone', 'Laptop']);

    const RENAME = 'mutation R($input: RenamePasskeyInput!) { renamePasskey(input: $input) { __typename ... on Passkey { id name } ... on Error { code } } }';
    expect((await app.gql(RENAME, { input: { id: first.id, name: '  Work laptop ' } }, as(user))).body.data.renamePasskey).toEqual({ __typename: 'Passkey', id: first.id, name: 'Work laptop' });
    expect((await app.gql(RENAME, { input: { id: first.id, name: '' } }, as(user))).body.data.renamePasskey).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await app.gql(RENAME, { input: { id: first.id, name: 'Mine now' } }, as(other))).body.data.renamePasskey).toMatchObject({ code: 'NOT_FOUND' });
    expect(await list()).toEqual(['Phone', 'Work laptop']);

    const REMOVE = 'mutation D($id: ID!) { removePasskey(id: $id) { __typename ... on PasskeyRemoved { passkey { id name } } ... on Error { code } } }';
    await app.database.rows(sql`update sessions set created_at = now() - interval '11 minutes', verified_at = null where id = ${user.sessionId}`);
    expect((await app.gql(REMOVE, { id: first.id }, as(user))).body.data.removePasskey).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    expect((await app.gql('mutation { startPasskeyRegistration { __typename ... on Error { code } } }', {}, as(user))).body.data.startPasskeyRegistration)
      .toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });

    // Re-verify with the passkey the authenticator holds (Phone).
    const started = (await app.gql(START_REAUTHENTICATION, {}, as(user))).body.data.startPasskeyReauthentication;
    expect(JSON.parse(started.json).allowCredentials).toHaveLength(2);
    const assertion = await laptop.get(started.json);
    expect((await app.gql(REAUTHENTICATE, { input: { passkey: assertion } }, as(user))).body.data.reauthenticate.__typename).toBe('Reauthenticated');
    expect((await app.gql(REAUTHENTICATE, { input: { passkey: assertion } }, as(user))).body.data.reauthenticate).toMatchObject({ code: 'INVALID_SECOND_FACTOR' });

    expect((await app.gql(REMOVE, { id: first.id }, as(other))).body.data.removePasskey).toMatchObject({ code: 'NOT_FOUND' });
    expect((await app.gql(REMOVE, { id: first.id }, as(user))).body.data.removePasskey).toEqual({ __typename: 'PasskeyRemoved', passkey: { id: first.id, name: 'Work laptop' } });
    expect(await list()).toEqual(['Phone']);
    expect((await app.gql(REMOVE, { id: second.finished.passkey.id }, as(user))).body.data.removePasskey.__typename).toBe('PasskeyRemoved');
    expect((await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors).toEqual({ methods: [], recoveryCodesLeft: 0, passkeys: [] });
    // With the last second factor gone, the password alone signs in again, and the passkey no more.
    expect((await app.gql(LOGIN, { input: { email: user.email, password: PASSWORD } }, from)).body.data.login.__typename).toBe('TokenAuthPayload');
    expect((await signInWith(laptop)).result).toMatchObject({ code: 'INVALID_PASSKEY' });
    expect((await auditOf(user.userId)).map((e) => e.type)).toEqual(expect.arrayContaining(['passkey.renamed', 'reauthenticated', 'passkey.removed']));
  });

  afterAll(async () => {
    for (const page of pages) await page.close().catch(() => {});
  });
});
