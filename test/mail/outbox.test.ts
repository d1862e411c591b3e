import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrapAdmin } from '../../src/accounts/bootstrap-admin.ts';
import { Mailer } from '../../src/mail/send.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn } from '../helpers/mailbox.ts';
import { MAIL_OUTBOX, NEW_PASSWORD, REQUEST_PASSWORD_RESET, RESET_PASSWORD } from '../helpers/recovery.ts';
import { LOGIN, PASSWORD, signUpUser, uniqueEmail } from '../helpers/users.ts';

interface OutboxRow { id: string; to: string; subject: string; text: string | null; html: string | null; createdAt: string; sentAt: string | null }

describe(`the mail outbox without SMTP_URL (${ENGINE})`, () => {
  let app: TestApp;
  let adminToken: string;
  beforeAll(async () => {
    app = await startTestApp();
    const email = uniqueEmail('admin');
    await bootstrapAdmin(app.database, { email, password: PASSWORD });
    adminToken = (await app.gql(LOGIN, { input: { email, password: PASSWORD } })).body.data.login.tokens.accessToken;
  });
  afterAll(() => app?.close());

  interface OutboxPage { edges: { node: OutboxRow }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
  const outbox = async (first?: number, after?: string | null) => {
    const response = await app.gql<{ mailOutbox: OutboxPage }>(MAIL_OUTBOX, { first, after }, { bearer: adminToken });
    const page = response.body.data?.mailOutbox;
    return { ...response, mails: page?.edges.map((edge) => edge.node) ?? [], pageInfo: page?.pageInfo };
  };

  it('keeps each mail for an admin to read, and its link completes the flow', async () => {
    const user = await signUpUser(app);
    const { body } = await app.gql(REQUEST_PASSWORD_RESET, { email: user.email });
    expect(body.data.requestPasswordReset).toEqual({ __typename: 'RequestAcceptedPayload', accepted: true });
    await app.app.services.mail.settled();

    const mail = (await outbox()).mails.find((m) => m.to === user.email);
    expect(mail).toMatchObject({ subject: 'Reset your password', sentAt: null });
    const link = linkIn(mail!.text!);
    expect(link.url).toBe(`${app.url}/reset-password?token=${link.token}`);
    expect(linkIn(mail!.html!).url).toBe(link.url);
    const reset = await app.gql(RESET_PASSWORD, { token: link.token, newPassword: NEW_PASSWORD });
    expect(reset.body.data.resetPassword.__typename).toBe('ResetPasswordPayload');
  });

  it('answers no-store: the bodies hold live links', async () => {
    expect((await outbox()).headers.get('cache-control')).toBe('no-store');
  });

  it('lists the newest first, as many as asked, and refuses a page over 100', async () => {
    const user = await signUpUser(app);
    for (let i = 0; i < 3; i += 1) await app.gql(REQUEST_PASSWORD_RESET, { email: user.email });
    await app.app.services.mail.settled();
    const { mails, pageInfo } = await outbox(2);
    expect(mails).toHaveLength(2);
    expect(pageInfo?.hasNextPage).toBe(true);
    expect(mails.every((m) => m.to === user.email)).toBe(true);
    expect(Date.parse(mails[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(mails[1]!.createdAt));
    const tooMany = await outbox(500);
    expect(tooMany.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooMany.body.data).toBeNull();
  });

  it('pages through every mail once, even many written in the same millisecond', async () => {
    // One statement: the 120 rows share one created_at, so only the id orders them.
    await app.database.rows(sql`insert into mail_outbox ("to", subject, text, html)
      select 'filler@example.com', 'filler', 'x', 'x' from generate_series(1, 120)`);
    const seen: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages += 1) {
      const page = await outbox(100, after);
      seen.push(...page.mails.map((m) => m.id));
      expect(page.mails.length).toBeLessThanOrEqual(100);
      if (!page.pageInfo!.hasNextPage) break;
      after = page.pageInfo!.endCursor;
    }
    const total = (await app.database.rows<{ n: number }>(sql`select count(*)::int as n from mail_outbox`))[0]!.n;
    expect(total).toBeGreaterThanOrEqual(123);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('is refused to a signed-in user who is not an admin, and to an anonymous caller, with FORBIDDEN', async () => {
    const user = await signUpUser(app);
    for (const bearer of [user.accessToken, undefined]) {
      const { body } = await app.gql(MAIL_OUTBOX, {}, bearer === undefined ? {} : { bearer });
      expect(body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(body.data).toBeNull();
    }
  });

  it('logs one line for each mail kept, naming it, never with its bodies', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
    const mailer = await Mailer.create(app.config, app.database, logger);
    mailer.queue({ to: 'someone@example.com', subject: 'Hello', text: 'secret-link-text', html: '<p>secret-link-html</p>' });
    await mailer.close();
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ level: 30, subject: 'Hello', msg: 'mail kept in the outbox (SMTP_URL is not set)' });
    expect(line.mailId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines[0]).not.toMatch(/secret-link/);
  });
});
