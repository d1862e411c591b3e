import { and, desc, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Position } from '../graphql/pagination.ts';
import { auditEvents } from './tables.ts';

export interface AuditEventRecord {
  readonly id: string;
  readonly type: string;
  readonly at: Date;
  readonly userId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly detail: string | null;
  readonly actorUserId: string | null;
  readonly actorApiKeyId: string | null;
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly metadata: Record<string, unknown> | null;
}

export interface ListAuditEventsInput {
  /** Only this account's events; null for everyone's (admins). */
  readonly userId: string | null;
  readonly type: string | null;
  /** Only events of any of these types (the enumerated filter); null for any. */
  readonly types?: readonly string[] | null;
  /** Only events at or after this instant. */
  readonly since?: Date | null;
  /** Only events before this instant. */
  readonly until?: Date | null;
  /** Only events about this target (an account, key, session or client id). */
  readonly targetId?: string | null;
  /** Only events by this actor account. */
  readonly actorUserId?: string | null;
  readonly after: Position | null;
  /** How many to fetch: the page size plus one, to learn whether another page follows. */
  readonly limit: number;
}

/**
 * Security events, newest first, after a cursor. Events are ordered by their exact instant (microseconds),
 * which a cursor's millisecond `at` cannot name: the position is taken from the cursor's event itself,
 * and from `at` only when that event is gone.
 */
export async function listAuditEvents(database: Database, input: ListAuditEventsInput): Promise<AuditEventRecord[]> {
  const conditions: (SQL | undefined)[] = [
    input.userId === null ? undefined : eq(auditEvents.userId, input.userId),
    input.type === null ? undefined : eq(auditEvents.type, input.type),
    input.types == null ? undefined : inArray(auditEvents.type, [...input.types]),
    input.since == null ? undefined : gte(auditEvents.at, input.since),
    input.until == null ? undefined : lt(auditEvents.at, input.until),
    input.targetId == null ? undefined : eq(auditEvents.targetId, input.targetId),
    input.actorUserId == null ? undefined : eq(auditEvents.actorUserId, input.actorUserId),
  ];
  if (input.after !== null) {
    const { at, id } = input.after;
    const exactAt = sql`coalesce((select ${auditEvents.at} from ${auditEvents} where ${auditEvents.id} = ${id}), ${at.toISOString()}::timestamptz)`;
    conditions.push(sql`${auditEvents.at} <= ${exactAt}`, sql`(${auditEvents.at}, ${auditEvents.id}) < (${exactAt}, ${id}::uuid)`);
  }
  return database.db.select({
    id: auditEvents.id, type: auditEvents.type, at: auditEvents.at, userId: auditEvents.userId,
    ip: auditEvents.ip, userAgent: auditEvents.userAgent, detail: auditEvents.detail,
    actorUserId: auditEvents.actorUserId, actorApiKeyId: auditEvents.actorApiKeyId,
    targetType: auditEvents.targetType, targetId: auditEvents.targetId, metadata: auditEvents.metadata,
  }).from(auditEvents).where(and(...conditions)).orderBy(desc(auditEvents.at), desc(auditEvents.id)).limit(input.limit);
}
