import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** Security events. Never holds a secret: no token, password or key, only ids and context. */
export const auditEvents = pgTable('audit_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** e.g. login.succeeded, refresh.reuse_detected. */
  type: text('type').notNull(),
  at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  userId: uuid('user_id'),
  ip: text('ip'),
  userAgent: text('user_agent'),
  detail: text('detail'),
  /** Who acted: the signed-in account, null when anonymous or the server itself. */
  actorUserId: uuid('actor_user_id'),
  /** The API key the actor used, when the request carried one. */
  actorApiKeyId: uuid('actor_api_key_id'),
  /** What the event is about: USER, API_KEY, SESSION, OAUTH_CLIENT; null when nothing more than `user_id`. */
  targetType: text('target_type'),
  targetId: text('target_id'),
  /** Structured facts of the event (ids, counts, scopes), never a secret. */
  metadata: jsonb('metadata').$type<Record<string, unknown>>(),
}, (t) => [
  index('audit_events_at_idx').on(t.at),
  index('audit_events_user_id_idx').on(t.userId, t.at),
  index('audit_events_target_idx').on(t.targetId, t.at),
]);
