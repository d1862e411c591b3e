import type { Database } from '../db/client.ts';
import { auditEvents } from './tables.ts';

export interface AuditEventInput {
  /** e.g. login.succeeded, refresh.reuse_detected. */
  readonly type: string;
  readonly userId?: string | null;
  readonly ip?: string | null;
  readonly userAgent?: string | null;
  /** Context for people; never a secret. */
  readonly detail?: string | null;
}

/** Writes a security event. */
export async function recordAuditEvent(database: Database, event: AuditEventInput): Promise<void> {
  await database.db.insert(auditEvents).values({
    type: event.type,
    userId: event.userId ?? null,
    ip: event.ip ?? null,
    userAgent: event.userAgent?.slice(0, 512) ?? null,
    detail: event.detail ?? null,
  });
}
