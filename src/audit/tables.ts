import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
}, (t) => [index('audit_events_at_idx').on(t.at), index('audit_events_user_id_idx').on(t.userId, t.at)]);
