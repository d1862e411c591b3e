import { lt, or } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { deleteInBatches } from '../db/purge.ts';
import { DAY } from '../lib/time.ts';
import { sessions } from './tables.ts';

/** How long an ended session (expired, idle too long, or revoked) is kept, e.g. for support questions. */
const ENDED_SESSION_RETENTION_MS = 7 * DAY;

/** Deletes sessions ended more than a week ago; their refresh tokens go with them (on delete cascade). */
export function purgeEndedSessions(database: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - ENDED_SESSION_RETENTION_MS);
  return deleteInBatches(database, sessions,
    or(lt(sessions.expiresAt, cutoff), lt(sessions.idleExpiresAt, cutoff), lt(sessions.revokedAt, cutoff))!);
}
