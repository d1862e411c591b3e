import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeLinkMail } from '../../src/mail/compose.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { ENGINE } from '../helpers/database.ts';
import { linkIn, startMailbox, type Mailbox } from '../helpers/mailbox.ts';
import { REQUEST_PASSWORD_RESET } from '../helpers/recovery.ts';
import { signUpUser } from '../helpers/users.ts';

interface OutboxRow { text: string | null; html: string | null; sent_at: unknown }

describe(`mail through SMTP_URL (${ENGINE})`, () => {
  let mailbox: Mailbox;
  let app: TestApp;
  beforeAll(async () => {
    mailbox = await startMailbox();
    app = await startTestApp({ env: { SMTP_URL: mailbox.url } });
  });
  afterAll(async () => {
    await app?.close();
    await mailbox?.close();
  });

  const outboxRows = (to: string) => app.database.rows<OutboxRow>(sql`select text, html, sent_at from mail_outbox where "to" = ${to}`);

  it('hands the mail to the relay as plain text and HTML alternatives', async () => {
    const user = await signUpUser(app);
    await app.gql(REQUEST_PASSWORD_RESET, { email: user.email });
    const mail = await mailbox.next(user.email);
    expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative;/);
    expect(mail.text).not.toContain('<');
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`href="${linkIn(mail.text).url}"`);
  });

  it('stamps sent_at once the relay accepts the mail and keeps no body, so no link outlives the sending', async () => {
    const user = await signUpUser(app);
    await app.gql(REQUEST_PASSWORD_RESET, { email: user.email });
    await mailbox.next(user.email);
    await app.app.services.mail.settled();
    const rows = await outboxRows(user.email);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text: null, html: null });
    expect(rows[0]!.sent_at).not.toBeNull();
  });

  it('keeps the mail unsent in the outbox when the relay cannot be reached, and answers the same', async () => {
    const closedPort = await freePort();
    const offline = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${closedPort}` } });
    try {
      const user = await signUpUser(offline);
      const { body } = await offline.gql(REQUEST_PASSWORD_RESET, { email: user.email });
      expect(body.data.requestPasswordReset).toEqual({ __typename: 'RequestAcceptedPayload', accepted: true });
      await offline.app.services.mail.settled();
      const [row] = await offline.database.rows<OutboxRow>(sql`select text, html, sent_at from mail_outbox where "to" = ${user.email}`);
      expect(row!.sent_at).toBeNull();
      expect(linkIn(row!.text!).page).toBe('reset-password');
    } finally {
      await offline.close();
    }
  });

  it('escapes every piece of text in the HTML body', () => {
    const mail = composeLinkMail({
      to: 'a@example.com', subject: '<b>hi</b>', intro: ['<script>alert(1)</script>'], action: 'Go & see',
      link: 'https://example.com/x?token=a"b', outro: ["it's"],
    });
    expect(mail.html).not.toMatch(/<script>|<b>hi|a"b/);
    expect(mail.html).toContain('&#60;script&#62;');
    expect(mail.html).toContain('href="https://example.com/x?token=a&#34;b"');
    expect(mail.text).toContain('Go & see:\nhttps://example.com/x?token=a"b');
  });
});

/** A loopback port with nothing listening on it. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
