import type { ArgBuilder } from '@pothos/core';
import { builder } from '../graphql/builder.ts';
import { badInput } from '../graphql/pagination.ts';
import { AUDIT_EVENT_TYPES, storedType, type AuditEventTypeName } from './event-types.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

export const AuditEventTypeEnum = builder.enumType('AuditEventType', {
  description: 'What an audit event records, enumerated; AuditEvent.type holds the same as a string (e.g. LOGIN_FAILED is login.failed).',
  values: {
    ...Object.fromEntries(Object.entries(AUDIT_EVENT_TYPES).map(([name, [type, description]]) => [name, { description: `${type}: ${description}` }])),
    OTHER: { description: 'A type this enumeration does not name yet (read AuditEvent.type).' },
  } as Record<AuditEventTypeName, { description: string }>,
});

/** The structured filters of auditEvents, beside its older `type` and `userId`. */
export function structuredFilterArgs(arg: ArgBuilder<Types>) {
  return {
    eventTypes: arg({ type: [AuditEventTypeEnum], description: 'Only events of these types (any of them); OTHER cannot be asked for.' }),
    since: arg({ type: 'DateTime', description: 'Only events at or after this instant.' }),
    until: arg({ type: 'DateTime', description: 'Only events before this instant.' }),
    targetId: arg.id({ description: 'Only events about this target: an account, API key, session or OAuth client id.' }),
    actorUserId: arg.id({ description: 'Only events done by this account (admins and users acting, e.g. disableUser).' }),
  };
}

interface FilterArgs {
  readonly eventTypes?: readonly AuditEventTypeName[] | null;
  readonly since?: Date | null;
  readonly until?: Date | null;
  readonly targetId?: string | number | null;
  readonly actorUserId?: string | number | null;
}

/** The arguments as listAuditEvents takes them; BAD_USER_INPUT for an empty or inverted period or OTHER. */
export function structuredFilter(args: FilterArgs) {
  if (args.since != null && args.until != null && args.until <= args.since) throw badInput('until must be after since.');
  const names = args.eventTypes ?? null;
  if (names !== null && (names.length === 0 || names.includes('OTHER'))) throw badInput('eventTypes must name at least one type, and not OTHER.');
  const actor = args.actorUserId == null ? null : String(args.actorUserId);
  return {
    types: names === null ? null : names.map((name) => storedType(name as Exclude<AuditEventTypeName, 'OTHER'>)),
    since: args.since ?? null,
    until: args.until ?? null,
    targetId: args.targetId == null ? null : String(args.targetId).slice(0, 100),
    // A malformed actor id matches nothing, rather than reaching a uuid column.
    actorUserId: actor === null ? null : /^[0-9a-f-]{36}$/i.test(actor) ? actor : '00000000-0000-0000-0000-000000000000',
  };
}
