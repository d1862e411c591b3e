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
  /** Who acted: the signed-in account, and the API key when the request carried one. */
  readonly actorUserId?: string | null;
  readonly actorApiKeyId?: string | null;
  /** What the event is about, when more than `userId` says. */
  readonly target?: AuditTarget | null;
  /** Structured facts (ids, counts, scopes); never a secret. */
  readonly metadata?: Record<string, unknown> | null;
}

export type AuditTargetType = 'USER' | 'API_KEY' | 'SESSION' | 'OAUTH_CLIENT';

export interface AuditTarget {
  readonly type: AuditTargetType;
  readonly id: string;
}

/** Writes a security event. Text from the request is cut short and loses control characters (PostgreSQL refuses NUL). */
export async function recordAuditEvent(database: Database, event: AuditEventInput): Promise<void> {
  await database.db.insert(auditEvents).values({
    type: event.type,
    userId: event.userId ?? null,
    ip: event.ip ?? null,
    userAgent: clean(event.userAgent, 512),
    detail: clean(event.detail, 500),
    actorUserId: event.actorUserId ?? null,
    actorApiKeyId: event.actorApiKeyId ?? null,
    targetType: event.target?.type ?? null,
    targetId: event.target?.id ?? null,
    metadata: event.metadata ?? null,
  });
}

function clean(text: string | null | undefined, maxLength: number): string | null {
  return text == null ? null : text.replace(/\p{Cc}/gu, ' ').slice(0, maxLength);
}
