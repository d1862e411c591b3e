import { lt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { DAY } from '../lib/time.ts';
import { mailOutbox } from './tables.ts';

/** How long a mail stays in the outbox, sent or not: every link in it has expired well before. */
const OUTBOX_RETENTION_MS = 7 * DAY;

export function purgeOutbox(database: Database, now = Date.now()): Promise<number> {
  return deleteInBatches(database, mailOutbox, lt(mailOutbox.createdAt, new Date(now - OUTBOX_RETENTION_MS)));
}
