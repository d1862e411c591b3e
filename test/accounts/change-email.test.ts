import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { isUniqueViolation } from '../../src/db/unique-violation.ts';
import { twoInstances, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { REAUTHENTICATE } from '../helpers/factors.ts';
import { linkIn, mailingApp, type Mailbox } from '../helpers/mailbox.ts';
import { REQUEST_PASSWORD_RESET, VERIFY_EMAIL } from '../helpers/recovery.ts';
import { LOGIN, PASSWORD, signUpAdmin, signUpUser, uniqueEmail, type SignedUp } from '../helpers/users.ts';

// Changing the sign-in address (issue #18's step-up list): requestEmailChange mails a link to the new
// address, confirmEmailChange (or the /confirm-email-change page) moves the account there. Mail goes
// through a real SMTP server; the links are the ones in the mails.

const REQUEST = /* GraphQL */ `
  mutation Request($newEmail: String!) {
    requestEmailChange(input: { newEmail: $newEmail }) {
      __typename
      ... on EmailChangeRequested { pendingEmail expiresAt }
      ... on Error { code message }
      ... on ValidationError { field }
      ... on RateLimitedError { retryAfterSeconds }
    }
  }`;

const CONFIRM = /* GraphQL */ `
  mutation Confirm($token: String!) {
    confirmEmailChange(input: { token: $token }) {
      __typename
      ... on EmailChanged { user { id email emailVerified pendingEmail } revokedSessions }
      ... on Error { code message }
    }
  }`;

const ME = '{ me { email emailVerified pendingEmail } }';
const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) { refresh(input: { refreshToken: $refreshToken }) { __typename ... on Error { code } } }`;

describe(`changing the sign-in address (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  mailingApp((started) => { ({ mailbox, app } = started); });

  let address = 0;
  let from: { headers: Record<string, string> };
  beforeEach(() => {
    from = { headers: { 'x-forwarded-for': `198.51.100.${++address}` } };
  });
  const as = (user: SignedUp) => ({ bearer: user.accessToken, ...from });
  const request = async (user: SignedUp, newEmail: string) => (await app.gql(REQUEST, { newEmail }, as(user))).body.data.requestEmailChange;
  const confirm = async (token: string, user?: SignedUp) =>
    (await app.gql(CONFIRM, { token }, user === undefined ? from : as(user))).body.data.confirmEmailChange;
  const me = async (user: SignedUp) => (await app.gql(ME, {}, as(user))).body.data.me;
  const login = async (email: string) => (await app.gql(LOGIN, { input: { email, password: PASSWORD } }, from)).body.data.login;
  /** Asks to move `user` to `newEmail` and returns the token of the link mailed there. */
  async function changeToken(user: SignedUp, newEmail: string): Promise<string> {
    expect((await request(user, newEmail)).__typename).toBe('EmailChangeRequested');
    return linkIn((await mailbox.next(newEmail)).text).token;
  }
  const auditOf = (userId: string) => app.database.rows<{ type: string; actor_user_id: string | null; target_type: string | null; target_id: string | null; metadata: any }>(
    sql`select type, actor_user_id, target_type, target_id, metadata from audit_events where user_id = ${userId} and type like 'email.%' order by at`);
  const liveTokens = async (userId: string) =>
    (await app.database.rows(sql`select 1 from email_tokens where user_id = ${userId} and used_at is null`)).length;

  it('mails a link to the new address; once used, the account signs in with it, the old address is told, other sessions end', async () => {
    const user = await signUpUser(app);
    const otherSession = (await login(user.email)).tokens;
    const newEmail = uniqueEmail('moved');

    const requested = await request(user, `  ${newEmail} `);
    expect(requested).toMatchObject({ __typename: 'EmailChangeRequested', pendingEmail: newEmail });
    const minutes = (new Date(requested.expiresAt).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(58);
    expect(minutes).toBeLessThanOrEqual(60);
    // Nothing changes before the link is used: the old address signs in, the new one is only pending.
    expect(await me(user)).toEqual({ email: user.email, emailVerified: false, pendingEmail: newEmail });
    expect((await login(newEmail)).code).toBe('INVALID_CREDENTIALS');

    const mail = await mailbox.next(newEmail);
    expect(mail.subject).toBe('Confirm your new email address');
    const link = linkIn(mail.text);
    expect(link.url).toBe(`${app.url}/confirm-email-change?token=${link.token}`);
    expect(linkIn(mail.html).url).toBe(link.url);
    expect(mailbox.sentTo(user.email)).toEqual([]);

    const done = await confirm(link.token, user);
    expect(done).toEqual({
      __typename: 'EmailChanged', user: { id: user.userId, email: newEmail, emailVerified: true, pendingEmail: null }, revokedSessions: 1,
    });
    expect(await me(user)).toEqual({ email: newEmail, emailVerified: true, pendingEmail: null });
    expect((await app.gql(REFRESH, { refreshToken: otherSession.refreshToken }, from)).body.data.refresh.__typename).toBe('InvalidTokenError');
    expect((await app.gql(REFRESH, { refreshToken: user.refreshToken }, from)).body.data.refresh.__typename).toBe('TokenAuthPayload');

    const notice = await mailbox.next(user.email);
    expect(notice.subject).toBe('Your sign-in address was changed');
    expect(notice.text).toContain(`now uses ${newEmail[0]}•••@example.com instead`);
    expect(notice.text).not.toContain(newEmail);
    expect(notice.html).not.toContain(newEmail);

    expect((await login(newEmail)).__typename).toBe('TokenAuthPayload');
    expect((await login(newEmail.toUpperCase())).__typename).toBe('TokenAuthPayload');
    expect((await login(user.email)).code).toBe('INVALID_CREDENTIALS');
    expect(await confirm(link.token)).toMatchObject({ __typename: 'InvalidTokenError', code: 'INVALID_TOKEN' });

    expect(await auditOf(user.userId)).toEqual([
      { type: 'email.change_requested', actor_user_id: user.userId, target_type: 'USER', target_id: user.userId, metadata: { from: user.email, to: newEmail } },
      { type: 'email.changed', actor_user_id: user.userId, target_type: 'USER', target_id: user.userId, metadata: { from: user.email, to: newEmail, revokedSessions: 1 } },
    ]);
  });

  it('wants a sign-in or re-verification within 10 minutes: refused after 11, then allowed after reauthenticate', async () => {
    const user = await signUpUser(app);
    const newEmail = uniqueEmail('stepped');
    await app.database.rows(sql`update sessions set created_at = now() - interval '11 minutes', verified_at = null where id = ${user.sessionId}`);
    expect(await request(user, newEmail)).toMatchObject({ __typename: 'ReauthenticationRequiredError', code: 'REAUTHENTICATION_REQUIRED' });
    expect(await liveTokens(user.userId)).toBe(0);
    expect((await me(user)).pendingEmail).toBeNull();

    expect((await app.gql(REAUTHENTICATE, { input: { password: PASSWORD } }, as(user))).body.data.reauthenticate.__typename).toBe('Reauthenticated');
    const token = await changeToken(user, newEmail);
    expect((await confirm(token)).user.email).toBe(newEmail);
    // Opened without a credential (another browser): every session of the account ends, the caller's too.
    expect((await app.gql(REFRESH, { refreshToken: user.refreshToken }, from)).body.data.refresh.__typename).toBe('InvalidTokenError');
    expect(mailbox.sentTo(newEmail).map((m) => m.subject)).toEqual(['Confirm your new email address']);
  });

  it('refuses a spent, expired, retired, made-up or other-purpose token, and a link lives 1 hour', async () => {
    const user = await signUpUser(app);
    const first = await changeToken(user, uniqueEmail('first'));
    const target = uniqueEmail('second');
    const second = await changeToken(user, target);
    const [row] = await app.database.rows<{ minutes: number }>(sql`
      select round(extract(epoch from expires_at - created_at) / 60)::int as minutes from email_tokens
      where user_id = ${user.userId} and purpose = 'change_email' and used_at is null`);
    expect(row!.minutes).toBe(60);
    // A new request retires the last link.
    expect(await confirm(first)).toMatchObject({ code: 'INVALID_TOKEN' });

    await app.gql(REQUEST_PASSWORD_RESET, { email: user.email }, from);
    const resetToken = linkIn((await mailbox.next(user.email)).text).token;
    for (const wrong of ['', 'nonsense', 'A'.repeat(43), resetToken]) expect(await confirm(wrong)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await me(user)).toMatchObject({ email: user.email, pendingEmail: target });

    await app.database.rows(sql`update email_tokens set expires_at = now() - interval '1 second' where user_id = ${user.userId} and purpose = 'change_email'`);
    expect(await confirm(second)).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await me(user)).toEqual({ email: user.email, emailVerified: false, pendingEmail: null });
    expect((await login(target)).code).toBe('INVALID_CREDENTIALS');
  });

  it('retires the account\'s other links: a reset link mailed to the old address does nothing once the address changed', async () => {
    const user = await signUpUser(app);
    await app.gql(REQUEST_PASSWORD_RESET, { email: user.email }, from);
    const resetToken = linkIn((await mailbox.next(user.email)).text).token;
    const token = await changeToken(user, uniqueEmail('away'));
    expect((await confirm(token, user)).__typename).toBe('EmailChanged');
    const reset = await app.gql(/* GraphQL */ `
      mutation R($token: String!) { resetPassword(input: { token: $token, newPassword: "a brand new passphrase" }) { __typename ... on Error { code } } }`,
    { token: resetToken }, from);
    expect(reset.body.data.resetPassword).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('refuses an address another account holds (any case), its own address, and no address at all, mailing nothing', async () => {
    const user = await signUpUser(app);
    const holder = await signUpUser(app);
    expect(await request(user, holder.email.toUpperCase())).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    expect(await request(user, user.email)).toMatchObject({ __typename: 'ValidationError', field: 'newEmail' });
    for (const bad of ['', 'not an address', 'a@b', `${'x'.repeat(250)}@example.com`, 'two@@example.com', 'tab\t@example.com']) {
      expect(await request(user, bad)).toMatchObject({ __typename: 'ValidationError', code: 'VALIDATION_FAILED', field: 'newEmail' });
    }
    expect(await liveTokens(user.userId)).toBe(0);
    expect(mailbox.sentTo(holder.email)).toEqual([]);
    expect(await auditOf(user.userId)).toEqual([{
      type: 'email.change_failed', actor_user_id: user.userId, target_type: 'USER', target_id: user.userId,
      metadata: { reason: 'EMAIL_TAKEN', stage: 'request', newEmail: holder.email.toUpperCase() },
    }]);
  });

  it('refuses at confirmation an address that another account took meanwhile, writing nothing; the link works once it is free', async () => {
    const user = await signUpUser(app);
    const wanted = uniqueEmail('contested');
    const token = await changeToken(user, wanted);
    const squatter = await signUpUser(app, wanted.toUpperCase());
    const sessionsBefore = await app.database.rows(sql`select id from sessions where user_id = ${user.userId} and revoked_at is null`);

    expect(await confirm(token)).toMatchObject({ __typename: 'EmailTakenError', code: 'EMAIL_TAKEN' });
    expect(await me(user)).toEqual({ email: user.email, emailVerified: false, pendingEmail: wanted });
    expect(await app.database.rows(sql`select id from sessions where user_id = ${user.userId} and revoked_at is null`)).toEqual(sessionsBefore);
    expect(mailbox.sentTo(user.email)).toEqual([]);
    expect((await auditOf(user.userId)).map((e) => [e.type, e.metadata.stage])).toEqual([['email.change_requested', undefined], ['email.change_failed', 'confirm']]);

    await app.database.rows(sql`delete from users where id = ${squatter.userId}`);
    expect((await confirm(token)).user).toMatchObject({ email: wanted, emailVerified: true });
  });

  it('lets exactly one of two accounts confirming the same address at once have it; the other is refused and keeps its own', async () => {
    const [first, second] = [await signUpUser(app), await signUpUser(app)];
    const wanted = uniqueEmail('raced');
    expect((await request(first, wanted)).__typename).toBe('EmailChangeRequested');
    expect((await request(second, wanted.toUpperCase())).__typename).toBe('EmailChangeRequested');
    const [tokenA, tokenB] = [linkIn((await mailbox.next(wanted)).text).token, linkIn((await mailbox.next(wanted)).text).token];
    const answers = await Promise.all([confirm(tokenA), confirm(tokenB)]);
    expect(answers.map((a) => a.__typename).sort()).toEqual(['EmailChanged', 'EmailTakenError']);
    // The mails may arrive in either order: which account won is read from the database.
    const emailOf = async (user: SignedUp) => (await app.database.rows<{ email: string }>(sql`select email from users where id = ${user.userId}`))[0]!.email;
    const moved = [first, second];
    const now = await Promise.all(moved.map(emailOf));
    const winnerIndex = now.findIndex((email) => email.toLowerCase() === wanted.toLowerCase());
    expect(winnerIndex).toBeGreaterThanOrEqual(0);
    const loser = moved[1 - winnerIndex]!;
    expect(now[1 - winnerIndex]).toBe(loser.email);
    expect((await login(loser.email)).__typename).toBe('TokenAuthPayload');
  });

  it('recognises the unique index\'s refusal as this engine\'s driver reports it (the path of a confirmation raced by a sign-up)', async () => {
    const [user, other] = [await signUpUser(app), await signUpUser(app)];
    const error = await app.database.rows(sql`update users set email = upper(${user.email}) where id = ${other.userId}`).then(() => null, (e: unknown) => e);
    expect(error).not.toBeNull();
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(new Error('something else'))).toBe(false);
  });

  it('confirms on the /confirm-email-change page the mail links to: the GET spends nothing, the POST moves the account', async () => {
    const user = await signUpUser(app);
    const newEmail = uniqueEmail('paged');
    await request(user, newEmail);
    const link = linkIn((await mailbox.next(newEmail)).text);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<input type="hidden" name="token" value="${link.token}">`);
    expect((await me(user)).email).toBe(user.email);

    const post = (token: string) => app.fetch('/confirm-email-change', {
      method: 'POST', body: new URLSearchParams({ token }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...from.headers },
    });
    const done = await post(link.token);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain(`your account now signs in with ${newEmail}`);
    expect((await login(newEmail)).__typename).toBe('TokenAuthPayload');
    const again = await post(link.token);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('invalid, expired or was already used');
  });

  it('answers a missing token, a foreign POST, another method and a taken address on the page with a page, changing nothing', async () => {
    const user = await signUpUser(app);
    const wanted = uniqueEmail('page-taken');
    const token = await changeToken(user, wanted);
    const post = (fields: Record<string, string>, headers: Record<string, string> = {}) => app.fetch('/confirm-email-change', {
      method: 'POST', body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...from.headers, ...headers },
    });
    const missing = await app.fetch('/confirm-email-change');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('needs the link from your email');
    expect((await post({})).status).toBe(400);
    expect((await app.fetch('/confirm-email-change', { method: 'PUT' })).status).toBe(405);
    expect((await post({ token }, { origin: 'https://attacker.example' })).status).toBe(403);
    expect((await post({ token }, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    await signUpUser(app, wanted);
    const taken = await post({ token });
    expect(taken.status).toBe(409);
    expect(await taken.text()).toContain('Another account uses this email address now');
    expect(await me(user)).toEqual({ email: user.email, emailVerified: false, pendingEmail: wanted });
  });

  it('does not let a verification link of the old address verify anything after the change', async () => {
    const user = await signUpUser(app);
    await app.gql('mutation { requestEmailVerification { __typename } }', {}, as(user));
    const verifyToken = linkIn((await mailbox.next(user.email)).text).token;
    const newEmail = uniqueEmail('unverified');
    const token = await changeToken(user, newEmail);
    expect((await confirm(token, user)).user.emailVerified).toBe(true);
    expect((await app.gql(VERIFY_EMAIL, { token: verifyToken }, from)).body.data.verifyEmail).toMatchObject({ code: 'INVALID_TOKEN' });
  });

  it('sends an account at most 5 change mails an hour', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 5; i += 1) expect((await request(user, uniqueEmail(`budget${i}`))).__typename).toBe('EmailChangeRequested');
    const refused = await request(user, uniqueEmail('budget5'));
    expect(refused).toMatchObject({ __typename: 'RateLimitedError', code: 'RATE_LIMITED' });
    expect(refused.retryAfterSeconds).toBeGreaterThan(3500);
  });

  it('answers a page of accounts\' pending addresses with one query, however long the page', async ({ onTestFinished }) => {
    // The server reports every statement it sends as an OpenTelemetry span (src/db/client.ts); counted here in memory.
    const statements = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(statements)] }));
    onTestFinished(() => trace.disable());
    const admin = await signUpAdmin(app);
    const tag = uniqueEmail('page').split('@')[0]!;
    const accounts = [];
    for (let i = 0; i < 20; i += 1) accounts.push(await signUpUser(app, uniqueEmail(tag)));
    const pending = new Map<string, string | null>(accounts.map((account) => [account.email, null]));
    for (const account of accounts.filter((_, i) => i % 3 === 0)) {
      const newEmail = uniqueEmail('moved');
      expect((await request(account, newEmail)).__typename).toBe('EmailChangeRequested');
      pending.set(account.email, newEmail);
    }
    const PAGE = 'query P($first: Int, $q: String) { users(first: $first, emailContains: $q) { edges { node { email pendingEmail } } } }';
    const pendingLookups = () => statements.getFinishedSpans()
      .filter((span) => /^\s*select\b[\s\S]*'change_email'/i.test(String(span.attributes['db.query.text'] ?? ''))).length;
    for (const first of [5, 20]) {
      statements.reset();
      const { body } = await app.gql(PAGE, { first, q: tag }, { bearer: admin.accessToken, ...from });
      const nodes = body.data.users.edges.map((edge: { node: { email: string; pendingEmail: string | null } }) => edge.node);
      expect(nodes).toHaveLength(first);
      for (const node of nodes) expect(node.pendingEmail).toBe(pending.get(node.email));
      expect(pendingLookups()).toBe(1);
    }
    expect([...pending.values()].filter((email) => email !== null)).toHaveLength(7);
  });
});

if (ENGINE === 'postgres') {
  describe('an email change seen from another instance of the same deployment', () => {
    let one: TestApp;
    let two: TestApp;
    // No SMTP_URL: the mail stays in the outbox table, where the test reads the link.
    twoInstances({}, (apps) => ({ one, two } = apps));

    it('drops the cached account on every instance (NOTIFY): the other one shows the new address without waiting for its cache to expire', async () => {
      const user = await signUpUser(one);
      const newEmail = uniqueEmail('everywhere');
      const seen = async (app: TestApp) => (await app.gql(ME, {}, { bearer: user.accessToken })).body.data.me;
      expect(await seen(two)).toMatchObject({ email: user.email, emailVerified: false });
      expect((await one.gql(REQUEST, { newEmail }, { bearer: user.accessToken })).body.data.requestEmailChange.__typename).toBe('EmailChangeRequested');
      await one.app.services.mail.settled(); // queued, not awaited by the mutation
      const [mail] = await one.database.rows<{ text: string }>(sql`select text from mail_outbox where "to" = ${newEmail}`);
      const done = (await one.gql(CONFIRM, { token: linkIn(mail!.text).token }, { bearer: user.accessToken })).body.data.confirmEmailChange;
      expect(done.__typename).toBe('EmailChanged');
      // The user cache keeps an entry for 60 s; the invalidation reaches the other instance long before.
      let answer = await seen(two);
      for (let i = 0; i < 40 && answer.email !== newEmail; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await seen(two);
      }
      expect(answer).toMatchObject({ email: newEmail, emailVerified: true });
    });
  });
}
