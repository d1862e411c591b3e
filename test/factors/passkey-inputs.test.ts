import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { createKey } from '../helpers/apikeys.ts';
import { ENGINE } from '../helpers/database.ts';
import { enrolTotp, LOGIN_2FA, VERIFY } from '../helpers/factors.ts';
import { FINISH_REGISTRATION, FINISH_SIGN_IN, MY_PASSKEYS, START_REGISTRATION, START_SIGN_IN } from '../helpers/passkeys.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import { awayFromStepEdge } from '../helpers/totp.ts';
import { PASSWORD, signUpUser, type SignedUp } from '../helpers/users.ts';

// Passkey inputs that are wrong in every way a client can make them, answered by the GraphQL API
// without a browser: a software authenticator (test/helpers/soft-authenticator.ts) makes the good
// answers, and each bad one gets INVALID_PASSKEY (or its own typed error), never a 500, never a row.

describe(`passkey inputs, good and bad (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => app?.close());
  beforeEach(() => awayFromStepEdge());

  let address = 0;
  let from: { headers: Record<string, string> };
  beforeEach(() => {
    from = { headers: { 'x-forwarded-for': `192.0.2.${++address}` } };
  });
  const as = (user: SignedUp) => ({ bearer: user.accessToken, ...from });
  const origin = () => new URL(app.url).origin;
  const passkeyRows = async (userId: string) => (await app.database.rows(sql`select 1 from passkeys where user_id = ${userId}`)).length;

  async function register(user: SignedUp, authenticator = new SoftAuthenticator(origin())) {
    const { json } = (await app.gql(START_REGISTRATION, {}, as(user))).body.data.startPasskeyRegistration;
    const finished = (await app.gql(FINISH_REGISTRATION, { input: { response: authenticator.create(json) } }, as(user))).body.data.finishPasskeyRegistration;
    return { authenticator, finished };
  }

  it('refuses malformed answers to registration with INVALID_PASSKEY and stores nothing', async () => {
    const user = await signUpUser(app);
    const { json } = (await app.gql(START_REGISTRATION, {}, as(user))).body.data.startPasskeyRegistration;
    const good = JSON.parse(new SoftAuthenticator(origin()).create(json));
    const bad = [
      'not json', '{}', 'null', '[]', JSON.stringify({ ...good, type: 'password' }), JSON.stringify({ ...good, response: {} }),
      JSON.stringify({ ...good, response: { ...good.response, clientDataJSON: 'not base64url!' } }),
      JSON.stringify({ ...good, response: { ...good.response, attestationObject: 'AAAA' } }),
      'x'.repeat(70_000),
    ];
    for (const response of bad) {
      const result = await app.gql(FINISH_REGISTRATION, { input: { response } }, as(user));
      expect({ response: response.slice(0, 40), status: result.status, answer: result.body.data?.finishPasskeyRegistration?.code })
        .toEqual({ response: response.slice(0, 40), status: 200, answer: 'INVALID_PASSKEY' });
    }
    expect(await passkeyRows(user.userId)).toBe(0);
    for (const name of ['', '   ', 'x'.repeat(65), 'bell\u0007']) {
      const named = await app.gql(FINISH_REGISTRATION, { input: { response: JSON.stringify(good), name } }, as(user));
      expect(named.body.data.finishPasskeyRegistration).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(await passkeyRows(user.userId)).toBe(0);
  });

  it('binds a challenge to its account and its purpose, and lets it live 5 minutes only', async () => {
    const alice = await signUpUser(app);
    const bob = await signUpUser(app);
    const authenticator = new SoftAuthenticator(origin());
    const { json } = (await app.gql(START_REGISTRATION, {}, as(alice))).body.data.startPasskeyRegistration;
    const answer = authenticator.create(json);
    // Bob sends Alice's registration: the challenge was issued to Alice.
    expect((await app.gql(FINISH_REGISTRATION, { input: { response: answer } }, as(bob))).body.data.finishPasskeyRegistration.code).toBe('INVALID_PASSKEY');
    expect(await passkeyRows(bob.userId)).toBe(0);

    await register(alice, authenticator);
    // A sign-in challenge answered as a second factor, and an expired sign-in challenge.
    const signIn = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn.json;
    const challenge = (await app.gql(LOGIN_2FA, { input: { email: alice.email, password: PASSWORD } }, from)).body.data.login.challenge;
    const misused = await app.gql(VERIFY, { input: { challenge, passkey: authenticator.get(signIn) } }, from);
    expect(misused.body.data.verifySecondFactor.code).toBe('INVALID_SECOND_FACTOR');

    const late = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn.json;
    await app.database.rows(sql`update passkey_challenges set expires_at = now() - interval '1 second' where used_at is null`);
    expect((await app.gql(FINISH_SIGN_IN, { input: { response: authenticator.get(late) } }, from)).body.data.finishPasskeySignIn.code).toBe('INVALID_PASSKEY');
    const fresh = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn.json;
    expect((await app.gql(FINISH_SIGN_IN, { input: { response: authenticator.get(fresh) } }, from)).body.data.finishPasskeySignIn.__typename).toBe('TokenAuthPayload');
  });

  it('refuses a passkey of another account as a second factor, and an unknown passkey for a passwordless sign-in', async () => {
    const alice = await signUpUser(app);
    const mallory = await signUpUser(app);
    await register(alice);
    const { authenticator: mallorys } = await register(mallory);
    const held = (await app.gql(/* GraphQL */ `
      mutation L($input: LoginInput!) { login(input: $input) { ... on SecondFactorRequired { challenge passkeyOptions } } }`,
    { input: { email: alice.email, password: PASSWORD } }, from)).body.data.login;
    const result = await app.gql(VERIFY, { input: { challenge: held.challenge, passkey: mallorys.get(held.passkeyOptions) } }, from);
    expect(result.body.data.verifySecondFactor.code).toBe('INVALID_SECOND_FACTOR');

    const stranger = new SoftAuthenticator(origin());
    const { json } = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn;
    stranger.create(JSON.stringify({ rp: { id: 'localhost' }, user: { id: 'AAAA' }, challenge: 'x' }));
    expect((await app.gql(FINISH_SIGN_IN, { input: { response: stranger.get(json) } }, from)).body.data.finishPasskeySignIn.code).toBe('INVALID_PASSKEY');
  });

  it('keeps the recovery codes for the passkeys when the authenticator app goes, and makes none for a second factor added later', async () => {
    const user = await signUpUser(app);
    await enrolTotp(app, user, from);
    const { finished } = await register(user);
    expect(finished).toMatchObject({ __typename: 'PasskeyRegistered', recoveryCodes: null });
    expect((await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors.methods).toEqual(['TOTP', 'PASSKEY', 'RECOVERY_CODE']);
    const disabled = await app.gql('mutation { disableTotp { __typename } }', {}, as(user));
    expect(disabled.body.data.disableTotp.__typename).toBe('SecondFactorDisabled');
    expect((await app.gql(MY_PASSKEYS, {}, as(user))).body.data.me.secondFactors).toMatchObject({ methods: ['PASSKEY', 'RECOVERY_CODE'], recoveryCodesLeft: 10 });
  });

  it('lets one client address start 100 passwordless sign-ins in 10 minutes, then says when to try again', async () => {
    for (let i = 0; i < 100; i++) expect((await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn.__typename).toBe('PasskeyRequestOptions');
    const refused = (await app.gql(START_SIGN_IN, {}, from)).body.data.startPasskeySignIn;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
    expect(refused.retryAfterSeconds).toBeGreaterThan(500);
    // Another address is not held up.
    expect((await app.gql(START_SIGN_IN, {}, { headers: { 'x-forwarded-for': '192.0.2.250' } })).body.data.startPasskeySignIn.__typename).toBe('PasskeyRequestOptions');
  });

  it('lets no API key register a passkey or re-verify for one', async () => {
    const user = await signUpUser(app);
    const key = await createKey(app, user.accessToken, { scopes: ['sessions:manage'] });
    const asKey = { headers: { 'x-api-key': key.secret, ...from.headers } };
    expect((await app.gql(START_REGISTRATION, {}, asKey)).body.data.startPasskeyRegistration.code).toBe('REAUTHENTICATION_REQUIRED');
    expect((await app.gql('mutation { startPasskeyReauthentication { __typename ... on Error { code } } }', {}, asKey)).body.data.startPasskeyReauthentication.code)
      .toBe('REAUTHENTICATION_REQUIRED');
  });
});
