import { desc } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { mailOutbox } from './tables.ts';

export type OutboxMail = typeof mailOutbox.$inferSelect;

export const OUTBOX_PAGE_MAX = 100;

/** The newest `first` mails of the outbox (at most OUTBOX_PAGE_MAX), newest first. */
export async function listOutbox(database: Database, first: number): Promise<OutboxMail[]> {
  const limit = Math.min(Math.max(first, 1), OUTBOX_PAGE_MAX);
  return database.db.select().from(mailOutbox).orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id)).limit(limit);
}
