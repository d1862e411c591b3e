import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { LOGIN, PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

describe(`sign-up (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app.close());

  const userCount = async () => (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from users`))[0]!.n;
  const signUp = (input: Record<string, unknown>) => app.gql(SIGN_UP, { input });

  it('creates an account, signs it in and marks the response no-store', async () => {
    const email = uniqueEmail();
    const { headers, body } = await signUp({ email, password: PASSWORD, name: 'Ada' });
    expect(headers.get('cache-control')).toBe('no-store');
    expect(body.data.signUp).toMatchObject({ __typename: 'TokenAuthPayload', user: { email }, tokens: { tokenType: 'Bearer' } });
  });

  it('stores the password as argon2id with m = 19 MiB, t = 2, p = 1, never in clear', async () => {
    const email = uniqueEmail();
    await signUp({ email, password: PASSWORD });
    const [row] = await app.database.rows<{ password_hash: string }>(sql`select password_hash from users where email = ${email}`);
    expect(row!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(row!.password_hash).not.toContain(PASSWORD);
  });

  it('trims the email and treats its case as the same address', async () => {
    const email = uniqueEmail('Mixed.Case');
    expect((await signUp({ email: `  ${email}  `, password: PASSWORD })).body.data.signUp.user.email).toBe(email);
    const again = await signUp({ email: email.toUpperCase(), password: PASSWORD });
    expect(again.body.data.signUp).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    const login = await app.gql(LOGIN, { input: { email: email.toLowerCase(), password: PASSWORD } });
    expect(login.body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it.each([
    ['a 7-character password', 'email', () => uniqueEmail(), 'short12', 'password'],
    ['a 129-character password', 'email', () => uniqueEmail(), 'x'.repeat(129), 'password'],
    ['one of the most common passwords', 'email', () => uniqueEmail(), 'baseball', 'password'],
    ['a common password in other case', 'email', () => uniqueEmail(), 'FootBall', 'password'],
    ['the email as the password', 'email', () => 'same-as-password@example.com', 'same-as-password@example.com', 'password'],
    ['an address without @', 'email', () => 'not-an-email', PASSWORD, 'email'],
    ['an address with a control character', 'email', () => 'a\u0007b@example.com', PASSWORD, 'email'],
    ['an address of 300 characters', 'email', () => `${'a'.repeat(290)}@example.com`, PASSWORD, 'email'],
  ])('refuses %s with a ValidationError naming the field, and writes nothing', async (_what, _f, email, password, field) => {
    const before = await userCount();
    const { status, body } = await signUp({ email: email(), password });
    expect(status).toBe(200);
    expect(body.data.signUp).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field });
    expect(await userCount()).toBe(before);
  });

  it('accepts any 8 to 128 Unicode characters, spaces included, without truncating', async () => {
    const long = '🔑'.repeat(128);
    const email = uniqueEmail();
    expect((await signUp({ email, password: long })).body.data.signUp.__typename).toBe('TokenAuthPayload');
    expect((await app.gql(LOGIN, { input: { email, password: long } })).body.data.login.__typename).toBe('TokenAuthPayload');
    expect((await app.gql(LOGIN, { input: { email, password: '🔑'.repeat(127) } })).body.data.login.__typename).toBe('InvalidCredentialsError');
    const spaced = uniqueEmail();
    expect((await signUp({ email: spaced, password: 'four words with spaces' })).body.data.signUp.__typename).toBe('TokenAuthPayload');
  });

  it('refuses a name with control characters or over 100 characters', async () => {
    for (const name of ['x'.repeat(101), 'bad\u0007name']) {
      const { body } = await signUp({ email: uniqueEmail(), password: PASSWORD, name });
      expect(body.data.signUp).toMatchObject({ __typename: 'ValidationError', field: 'name' });
    }
  });

  it('refuses two sign-ups in one request', async () => {
    const { body } = await app.gql(`mutation {
      a: signUp(input: { email: "${uniqueEmail()}", password: "${PASSWORD}" }) { __typename }
      b: signUp(input: { email: "${uniqueEmail()}", password: "${PASSWORD}" }) { __typename }
    }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
  });
});
