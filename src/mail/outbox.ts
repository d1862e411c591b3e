import { desc } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { olderThan } from '../db/keyset.ts';
import { mailOutbox } from './tables.ts';

export type OutboxMail = typeof mailOutbox.$inferSelect;

/** The outbox, newest first, after a cursor; `limit` is the page size plus one. */
export async function listOutbox(
  database: Database, page: { readonly after: { readonly at: Date; readonly id: string } | null; readonly limit: number },
): Promise<OutboxMail[]> {
  return database.db.select().from(mailOutbox)
    .where(page.after === null ? undefined : olderThan(mailOutbox, mailOutbox.createdAt, mailOutbox.id, page.after))
    .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id)).limit(page.limit);
}
