import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, startMailbox, type Mailbox } from '../helpers/mailbox.ts';
import { REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, VERIFY_EMAIL } from '../helpers/recovery.ts';
import { signUpUser, type SignedUp } from '../helpers/users.ts';

const FRONTEND_URL = 'https://app.example.com/account';

describe(`email verification (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  beforeAll(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { SMTP_URL: mailbox.url, FRONTEND_URL, MAIL_FROM: 'Acme Accounts <accounts@acme.example>' } });
  });
  afterAll(async () => {
    await app?.close();
    await mailbox?.close();
  });

  const requestVerification = (user: SignedUp) => app.gql(REQUEST_EMAIL_VERIFICATION, {}, { bearer: user.accessToken });
  const verify = (token: string) => app.gql(VERIFY_EMAIL, { token });
  /** Asks for a verification mail for `user` and returns the token of its link. */
  async function verificationToken(user: SignedUp): Promise<string> {
    expect((await requestVerification(user)).body.data.requestEmailVerification).toEqual({ __typename: 'RequestAcceptedPayload', accepted: true });
    return linkIn((await mailbox.next(user.email)).text).token;
  }
  const emailVerified = async (user: SignedUp) =>
    (await app.gql('{ me { emailVerified } }', {}, { bearer: user.accessToken })).body.data.me.emailVerified;

  it('mails the signed-in user a link to FRONTEND_URL/verify-email whose token proves the address', async () => {
    const user = await signUpUser(app);
    expect(await emailVerified(user)).toBe(false);
    await requestVerification(user);
    const mail = await mailbox.next(user.email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(mail.from).toBe('Acme Accounts <accounts@acme.example>');
    const link = linkIn(mail.text);
    expect(link.url).toBe(`${FRONTEND_URL}/verify-email?token=${link.token}`);
    expect(linkIn(mail.html).url).toBe(link.url);

    const { body } = await verify(link.token);
    expect(body.data.verifyEmail).toEqual({ __typename: 'User', id: user.userId, email: user.email, emailVerified: true });
    expect(await emailVerified(user)).toBe(true);
  });

  it('works without any credential: the link may be opened in another browser', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user);
    expect((await app.gql(VERIFY_EMAIL, { token })).body.data.verifyEmail.emailVerified).toBe(true);
  });

  it('refuses the same token a second time', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user);
    expect((await verify(token)).body.data.verifyEmail.__typename).toBe('User');
    expect((await verify(token)).body.data.verifyEmail).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
  });

  it('refuses an expired token, and lets a link work for 24 hours', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user);
    const [row] = await app.database.rows<{ hours: number }>(
      sql`select round(extract(epoch from expires_at - created_at) / 3600)::int as hours from email_tokens where user_id = ${user.userId}`);
    expect(row!.hours).toBe(24);
    await app.database.rows(sql`update email_tokens set expires_at = now() - interval '1 second' where user_id = ${user.userId}`);
    expect((await verify(token)).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
    expect(await emailVerified(user)).toBe(false);
  });

  it('refuses a made-up token and a password-reset token', async () => {
    const user = await signUpUser(app);
    await app.gql(REQUEST_PASSWORD_RESET, { email: user.email });
    const resetToken = linkIn((await mailbox.next(user.email)).text).token;
    for (const wrong of ['', 'nonsense', 'A'.repeat(43), resetToken]) {
      expect((await verify(wrong)).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
    }
    expect(await emailVerified(user)).toBe(false);
  });

  it('retires the last link when a new one is asked for', async () => {
    const user = await signUpUser(app);
    const first = await verificationToken(user);
    const second = await verificationToken(user);
    expect((await verify(first)).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
    expect((await verify(second)).body.data.verifyEmail.__typename).toBe('User');
  });

  it('holds only while the account has the address the link was sent to', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user);
    await app.database.rows(sql`update users set email = ${`changed-${user.email}`} where id = ${user.userId}`);
    expect((await verify(token)).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
  });

  it('sends nothing to an address already verified, with the same answer', async () => {
    const user = await signUpUser(app);
    await verify(await verificationToken(user));
    expect((await requestVerification(user)).body.data.requestEmailVerification.__typename).toBe('RequestAcceptedPayload');
    await app.app.services.mail.settled();
    expect(mailbox.sentTo(user.email)).toHaveLength(1);
  });

  it('is refused to an anonymous caller with FORBIDDEN', async () => {
    const { body } = await app.gql(REQUEST_EMAIL_VERIFICATION);
    expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('mails one account at most 5 links an hour', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 5; i += 1) {
      expect((await requestVerification(user)).body.data.requestEmailVerification.__typename).toBe('RequestAcceptedPayload');
    }
    const refused = (await requestVerification(user)).body.data.requestEmailVerification;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(3000);
  });

  it('checks one token per request: two aliased verifications are refused before either runs', async () => {
    const user = await signUpUser(app);
    const token = await verificationToken(user);
    const { body } = await app.gql(`mutation Two($token: String!) {
      a: verifyEmail(input: { token: $token }) { __typename }
      b: verifyEmail(input: { token: $token }) { __typename }
    }`, { token });
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
    expect((await verify(token)).body.data.verifyEmail.__typename).toBe('User');
  });

  it('writes email.verified to the audit log', async () => {
    const user = await signUpUser(app);
    await verify(await verificationToken(user));
    const events = await app.database.rows<{ type: string }>(sql`select type from audit_events where user_id = ${user.userId} order by at`);
    expect(events.map((e) => e.type)).toEqual(['user.signed_up', 'email.verification_requested', 'email.verified']);
  });
});
