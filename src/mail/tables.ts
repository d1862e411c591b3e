import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Mail on its way out. Without SMTP_URL it stays here (sent_at null), and an admin reads it through
 * Query.mailOutbox; with SMTP_URL a row is written before sending and its bodies are cleared once the
 * relay accepts it, so links (secrets) are kept only until the mail has left.
 */
export const mailOutbox = pgTable('mail_outbox', {
  id: uuid('id').primaryKey().defaultRandom(),
  to: text('to').notNull(),
  subject: text('subject').notNull(),
  /** The plain-text body; null once sent. */
  text: text('text'),
  /** The HTML body; null once sent. */
  html: text('html'),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  /** When the SMTP relay accepted the mail; null while it waits here. */
  sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
}, (t) => [index('mail_outbox_created_at_idx').on(t.createdAt)]);
