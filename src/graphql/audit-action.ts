import type { Context } from '../context.ts';
import { isSignedIn } from '../viewer.ts';
import { recordAuditEvent, type AuditEventInput } from '../audit/record.ts';

/**
 * Records an event done by the request's caller: the actor (account and API key) and the client
 * address come from the context, so every admin operation is audited the same way.
 */
export function auditAction(ctx: Context, event: Omit<AuditEventInput, 'ip' | 'userAgent' | 'actorUserId' | 'actorApiKeyId'>): Promise<void> {
  const { viewer } = ctx;
  return recordAuditEvent(ctx.services.database, {
    ...event,
    ip: ctx.meta.ip,
    userAgent: ctx.meta.userAgent,
    actorUserId: isSignedIn(viewer) ? viewer.userId : null,
    actorApiKeyId: viewer.credential === 'API_KEY' ? viewer.apiKeyId : null,
  });
}
