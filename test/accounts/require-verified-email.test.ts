import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/accounts/bootstrap-admin.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, startMailbox, type Mailbox } from '../helpers/mailbox.ts';
import { VERIFY_EMAIL } from '../helpers/recovery.ts';
import { LOGIN, PASSWORD, SIGN_UP, uniqueEmail } from '../helpers/users.ts';

describe(`REQUIRE_VERIFIED_EMAIL=true (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  beforeAll(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { SMTP_URL: mailbox.url, REQUIRE_VERIFIED_EMAIL: 'true' } });
  });
  afterAll(async () => {
    await app?.close();
    await mailbox?.close();
  });

  const signUp = (email: string) => app.gql(SIGN_UP, { input: { email, password: PASSWORD } });
  const login = (email: string, password = PASSWORD) => app.gql(LOGIN, { input: { email, password } });
  const sessionsOf = async (email: string) => (await app.database.rows<{ n: number }>(
    sql`select count(*)::int as n from sessions s join users u on u.id = s.user_id where u.email = ${email}`))[0]!.n;

  it('makes the account at sign-up, mails it a link, and signs nobody in until the link is followed', async () => {
    const email = uniqueEmail();
    const { headers, body } = await signUp(email);
    expect(body.data.signUp).toMatchObject({ __typename: 'EmailNotVerifiedError', code: 'EMAIL_NOT_VERIFIED' });
    expect(headers.get('set-cookie')).toBeNull();
    expect(await sessionsOf(email)).toBe(0);
    const token = linkIn((await mailbox.next(email)).text).token;

    expect((await app.gql(VERIFY_EMAIL, { token })).body.data.verifyEmail.emailVerified).toBe(true);
    expect((await login(email)).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('answers a right password of an unverified account with EmailNotVerifiedError and a fresh link', async () => {
    const email = uniqueEmail();
    await signUp(email);
    const first = linkIn((await mailbox.next(email)).text).token;
    const { body } = await login(email);
    expect(body.data.login).toEqual({
      __typename: 'EmailNotVerifiedError', code: 'EMAIL_NOT_VERIFIED', message: 'Confirm your email address first, with the link mailed to it.',
    });
    const fresh = linkIn((await mailbox.next(email)).text).token;
    expect((await app.gql(VERIFY_EMAIL, { token: first })).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
    expect((await app.gql(VERIFY_EMAIL, { token: fresh })).body.data.verifyEmail.__typename).toBe('User');
  });

  it('answers a wrong password as always, and mails nothing then: only the password holder learns the address is unverified', async () => {
    const email = uniqueEmail();
    await signUp(email);
    await mailbox.next(email);
    expect((await login(email, 'wrong password!')).body.data.login.__typename).toBe('InvalidCredentialsError');
    await app.app.services.mail.settled();
    expect(mailbox.sentTo(email)).toHaveLength(1);
  });

  it('still refuses sign-in once the account is out of verification mails, without mailing more', async () => {
    const email = uniqueEmail();
    await signUp(email);
    for (let i = 0; i < 6; i += 1) expect((await login(email)).body.data.login.__typename).toBe('EmailNotVerifiedError');
    await app.app.services.mail.settled();
    expect(mailbox.sentTo(email)).toHaveLength(5);
  });

  it('counts the bootstrap admin as verified', async () => {
    const email = uniqueEmail('admin');
    await bootstrapAdmin(app.database, { email, password: PASSWORD });
    expect((await login(email)).body.data.login.__typename).toBe('TokenAuthPayload');
  });
});

describe(`REQUIRE_VERIFIED_EMAIL unset (${ENGINE})`, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(() => app?.close());

  it('signs unverified accounts in', async () => {
    const email = uniqueEmail();
    expect((await app.gql(SIGN_UP, { input: { email, password: PASSWORD } })).body.data.signUp.__typename).toBe('TokenAuthPayload');
    const { body } = await app.gql(LOGIN, { input: { email, password: PASSWORD } });
    expect(body.data.login.__typename).toBe('TokenAuthPayload');
    expect(app.config.requireVerifiedEmail).toBe(false);
  });
});
