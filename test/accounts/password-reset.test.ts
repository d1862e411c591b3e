import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, mailingApp, type Mailbox } from '../helpers/mailbox.ts';
import { NEW_PASSWORD, REQUEST_EMAIL_VERIFICATION, REQUEST_PASSWORD_RESET, RESET_PASSWORD, VERIFY_EMAIL } from '../helpers/recovery.ts';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

describe(`password reset by mail (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  mailingApp((started) => { ({ mailbox, app } = started); });

  let address = 0;
  /** Each test asks from its own client address, so the per-address budget does not leak between tests. */
  const newAddress = () => `198.51.100.${++address}`;
  const requestReset = (email: string, ip = newAddress()) =>
    app.gql(REQUEST_PASSWORD_RESET, { email }, { headers: { 'x-forwarded-for': ip } });
  const reset = (token: string, newPassword = NEW_PASSWORD) => app.gql(RESET_PASSWORD, { token, newPassword });
  const login = (email: string, password: string) => app.gql(LOGIN, { input: { email, password } }, { headers: { 'x-forwarded-for': newAddress() } });
  /** Asks for a reset of `email` and returns the token of the link that arrives. */
  async function resetToken(email: string): Promise<string> {
    expect((await requestReset(email)).body.data.requestPasswordReset).toEqual({ __typename: 'RequestAcceptedPayload', accepted: true });
    return linkIn((await mailbox.next(email)).text).token;
  }
  const viewerStatus = async (token: string) => {
    const { status, body } = await app.gql('{ viewer { credential } }', {}, { bearer: token });
    return status === 200 ? body.data.viewer.credential : body.errors?.[0]?.extensions?.reason;
  };

  it('mails a link to PUBLIC_URL/reset-password, in text and HTML, whose token sets a new password', async () => {
    const user = await signUpUser(app);
    await requestReset(user.email);
    const mail = await mailbox.next(user.email);
    expect(mail.subject).toBe('Reset your password');
    expect(mail.from).toBe('Latchkey <no-reply@localhost>');
    const link = linkIn(mail.text);
    expect(link.url).toBe(`${app.url}/reset-password?token=${link.token}`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(linkIn(mail.html).url).toBe(link.url);

    expect((await reset(link.token)).body.data.resetPassword).toMatchObject({ __typename: 'ResetPasswordPayload' });
    expect((await login(user.email, NEW_PASSWORD)).body.data.login.__typename).toBe('TokenAuthPayload');
    expect((await login(user.email, PASSWORD)).body.data.login.__typename).toBe('InvalidCredentialsError');
  });

  it('stores only a SHA-256 hash of the token, never the token', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    const rows = await app.database.rows<{ hash: string }>(sql`select hash from email_tokens where user_id = ${user.userId}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.hash).not.toContain(token);
    expect(rows[0]!.hash).toHaveLength(43);
  });

  it('ends every session of the account: its access tokens get 401 revoked and its refresh tokens are refused', async () => {
    const user = await signUpUser(app);
    const second = (await login(user.email, PASSWORD)).body.data.login;
    const token = await resetToken(user.email);
    expect((await reset(token)).body.data.resetPassword).toEqual({ __typename: 'ResetPasswordPayload', revokedSessions: 2 });
    expect(await viewerStatus(user.accessToken)).toBe('revoked');
    expect(await viewerStatus(second.tokens.accessToken)).toBe('revoked');
    const refresh = await app.gql('mutation R($t: String!) { refresh(input: { refreshToken: $t }) { __typename } }', { t: user.refreshToken });
    expect(refresh.body.data.refresh.__typename).toBe('InvalidTokenError');
  });

  it('refuses the same token a second time', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    expect((await reset(token)).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
    expect((await reset(token, 'yet another passphrase')).body.data.resetPassword)
      .toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });
    expect((await login(user.email, NEW_PASSWORD)).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('spends a token once when ten requests present it at the same moment', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => reset(token, `concurrent passphrase ${i}`)));
    const kinds = results.map((r) => r.body.data.resetPassword.__typename);
    expect(kinds.filter((k) => k === 'ResetPasswordPayload')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'InvalidTokenError')).toHaveLength(9);
  });

  it('refuses an expired token', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    await app.database.rows(sql`update email_tokens set expires_at = now() - interval '1 second' where user_id = ${user.userId}`);
    expect((await reset(token)).body.data.resetPassword.__typename).toBe('InvalidTokenError');
    expect((await login(user.email, PASSWORD)).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('lets a link work for 30 minutes', async () => {
    const user = await signUpUser(app);
    await resetToken(user.email);
    const [row] = await app.database.rows<{ minutes: number }>(
      sql`select round(extract(epoch from expires_at - created_at) / 60)::int as minutes from email_tokens where user_id = ${user.userId}`);
    expect(row!.minutes).toBe(30);
  });

  it('refuses a made-up token, a mangled one and a verification token', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    const mangled = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    await app.gql(REQUEST_EMAIL_VERIFICATION, {}, { bearer: user.accessToken });
    const verification = linkIn((await mailbox.next(user.email)).text).token;
    for (const wrong of ['not-a-token', 'x'.repeat(43), mangled, verification]) {
      expect((await reset(wrong)).body.data.resetPassword).toMatchObject({ __typename: 'InvalidTokenError' });
    }
    // The reset token, shown to verifyEmail, is refused too: a token serves its own purpose only.
    expect((await app.gql(VERIFY_EMAIL, { token })).body.data.verifyEmail.__typename).toBe('InvalidTokenError');
    expect((await reset(token)).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
  });

  it('retires the last link when a new one is asked for', async () => {
    const user = await signUpUser(app);
    const first = await resetToken(user.email);
    const second = await resetToken(user.email);
    expect((await reset(first)).body.data.resetPassword.__typename).toBe('InvalidTokenError');
    expect((await reset(second)).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
  });

  it('refuses a new password that sign-up would refuse, and leaves the link usable', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    for (const weak of ['short', 'baseball', user.email, 'x'.repeat(129)]) {
      expect((await reset(token, weak)).body.data.resetPassword)
        .toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field: 'newPassword' });
    }
    expect((await reset(token)).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
  });

  it('lets an account that was made to wait after failed logins sign in at once with its new password', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 10; i += 1) await login(user.email, `wrong ${i}!!`);
    expect((await login(user.email, PASSWORD)).body.data.login.__typename).toBe('RateLimitedError');
    await reset(await resetToken(user.email));
    expect((await login(user.email, NEW_PASSWORD)).body.data.login.__typename).toBe('TokenAuthPayload');
  });

  it('counts the address as verified: the link reached it', async () => {
    const user = await signUpUser(app);
    await reset(await resetToken(user.email));
    const { body } = await login(user.email, NEW_PASSWORD);
    const me = await app.gql('{ me { emailVerified } }', {}, { bearer: body.data.login.tokens.accessToken });
    expect(me.body.data.me.emailVerified).toBe(true);
  });

  it('answers an unknown address exactly as a known one, and mails nothing to it', async () => {
    const user = await signUpUser(app);
    const nobody = uniqueEmail('nobody');
    const known = await requestReset(user.email);
    const unknown = await requestReset(nobody);
    expect(unknown.status).toBe(known.status);
    expect(unknown.body).toEqual(known.body);
    await app.app.services.mail.settled();
    expect(mailbox.sentTo(user.email)).toHaveLength(1);
    expect(mailbox.sentTo(nobody)).toHaveLength(0);
    const [row] = await app.database.rows<{ n: number }>(sql`select count(*)::int as n from mail_outbox where "to" = ${nobody}`);
    expect(row!.n).toBe(0);
  });

  it('finds the account whatever the case of the address, and mails the address the account has', async () => {
    const user = await signUpUser(app, uniqueEmail('Mixed.Case'));
    await requestReset(` ${user.email.toUpperCase()} `);
    expect((await mailbox.next(user.email)).to).toEqual([user.email.toLowerCase()]);
  });

  it('refuses a malformed address with a ValidationError', async () => {
    expect((await requestReset('not an email')).body.data.requestPasswordReset)
      .toMatchObject({ __typename: 'ValidationError', field: 'email' });
  });

  it('mails one address at most 5 times an hour, whoever asks', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 5; i += 1) {
      expect((await requestReset(user.email)).body.data.requestPasswordReset.__typename).toBe('RequestAcceptedPayload');
    }
    const refused = (await requestReset(user.email)).body.data.requestPasswordReset;
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(3000);
    // An address without an account has the same budget, so the limit tells nothing either.
    const nobody = uniqueEmail('nobody');
    for (let i = 0; i < 5; i += 1) await requestReset(nobody);
    expect((await requestReset(nobody)).body.data.requestPasswordReset.__typename).toBe('RateLimitedError');
  });

  it('takes at most 20 requests an hour from one client address', async () => {
    const ip = newAddress();
    for (let i = 0; i < 20; i += 1) {
      expect((await requestReset(uniqueEmail('nobody'), ip)).body.data.requestPasswordReset.__typename).toBe('RequestAcceptedPayload');
    }
    expect((await requestReset(uniqueEmail('nobody'), ip)).body.data.requestPasswordReset.__typename).toBe('RateLimitedError');
    expect((await requestReset(uniqueEmail('nobody'))).body.data.requestPasswordReset.__typename).toBe('RequestAcceptedPayload');
  });

  it('checks one token per request: two aliased resets are refused before either runs', async () => {
    const user = await signUpUser(app);
    const token = await resetToken(user.email);
    const { body } = await app.gql(`mutation Two($token: String!) {
      a: resetPassword(input: { token: $token, newPassword: "first passphrase" }) { __typename }
      b: resetPassword(input: { token: $token, newPassword: "second passphrase" }) { __typename }
    }`, { token });
    expect(body.errors?.[0]?.extensions?.code).toBe('TOO_MANY_CREDENTIAL_CHECKS');
    expect((await reset(token)).body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
  });

  it('writes password.reset_requested for every request and password.reset for every reset, with no secret', async () => {
    const user = await signUpUser(app);
    const nobody = uniqueEmail('nobody');
    const token = await resetToken(user.email);
    await requestReset(nobody);
    await reset(token);
    const events = await app.database.rows<{ type: string; user_id: string | null; detail: string | null }>(sql`
      select type, user_id, detail from audit_events
      where type like 'password.reset%' and (user_id = ${user.userId} or detail = 'no account has this address') order by at`);
    expect(events.filter((e) => e.user_id === user.userId).map((e) => e.type)).toEqual(['password.reset_requested', 'password.reset']);
    expect(events.some((e) => e.user_id === null && e.type === 'password.reset_requested')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(token);
  });
});
