import { eq, sql } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { mailOutbox } from './tables.ts';

/** One mail: a plain-text body and an HTML body saying the same. */
export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A relay that stops waiting long before a client would: a slow relay never piles up work. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends mail after the response. `queue` returns at once, so a request that mails takes the time of
 * one that does not: neither the relay's speed nor its failures tell a caller whether an account
 * exists. Each mail is written to the outbox table first; with SMTP_URL it is then sent and its
 * bodies cleared, without it the row stays for an admin to read (Query.mailOutbox), so `npm start`
 * works with nothing set up.
 */
export class Mailer {
  readonly #pending = new Set<Promise<void>>();

  private constructor(
    private readonly database: Database,
    private readonly logger: Logger,
    private readonly from: string,
    private readonly transport: Transporter | null,
  ) {}

  /** The mailer of a config: SMTP through nodemailer when SMTP_URL is set, else the outbox alone. */
  static async create(config: Config, database: Database, logger: Logger): Promise<Mailer> {
    const { smtpUrl, from } = config.mail;
    if (smtpUrl === null) {
      if (config.production) logger.warn('SMTP_URL is not set: mail is kept in the mail_outbox table, which admins can read');
      return new Mailer(database, logger, from, null);
    }
    const { default: nodemailer } = await import('nodemailer');
    return new Mailer(database, logger, from, nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS }));
  }

  /** Queues a mail and returns at once; a failure is logged (never with the bodies, which hold secrets). */
  queue(message: MailMessage): void {
    const job: Promise<void> = this.#deliver(message)
      .catch((error: unknown) => this.logger.error({ err: error, subject: message.subject }, 'mail not sent'))
      .finally(() => this.#pending.delete(job));
    this.#pending.add(job);
  }

  /** Resolves once every mail queued so far has been sent, kept in the outbox, or logged as failed. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  /** Waits for queued mail, then closes the relay's connections. */
  async close(): Promise<void> {
    await this.settled();
    this.transport?.close();
  }

  async #deliver(message: MailMessage): Promise<void> {
    const [row] = await this.database.db.insert(mailOutbox).values(message).returning({ id: mailOutbox.id });
    const mailId = row!.id;
    if (this.transport === null) {
      this.logger.info({ mailId, subject: message.subject }, 'mail kept in the outbox (SMTP_URL is not set)');
      return;
    }
    await this.transport.sendMail({ from: this.from, ...message });
    await this.database.db.update(mailOutbox).set({ sentAt: sql`now()`, text: null, html: null }).where(eq(mailOutbox.id, mailId));
    this.logger.info({ mailId, subject: message.subject }, 'mail sent');
  }
}
