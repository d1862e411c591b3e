import { builder } from '../graphql/builder.ts';
import { eventTypeName } from './event-types.ts';
import { AuditEventTypeEnum } from './filter-args.ts';
import { AuditEventRef } from './graphql.ts';
import type { AuditEventRecord } from './query.ts';
import type { AuditTargetType } from './record.ts';

const AuditTargetTypeEnum = builder.enumType('AuditTargetType', {
  description: 'What kind of thing an audit event is about.',
  values: {
    USER: { description: 'An account.' },
    API_KEY: { description: 'An API key.' },
    SESSION: { description: 'A session.' },
    OAUTH_CLIENT: { description: 'An OAuth client (its clientId).' },
  } satisfies Record<AuditTargetType, { description: string }>,
});

const AuditActorRef = builder.objectRef<AuditEventRecord>('AuditActor').implement({
  description: 'Who did it: the signed-in account, and the API key when the request carried one. Both null for an anonymous caller, and on events written before actors were recorded.',
  fields: (t) => ({
    userId: t.exposeID('actorUserId', { nullable: true, description: 'The account that acted.' }),
    apiKeyId: t.exposeID('actorApiKeyId', { nullable: true, description: 'The API key it acted with.' }),
  }),
});

const AuditTargetRef = builder.objectRef<{ type: AuditTargetType; id: string }>('AuditTarget').implement({
  description: 'What the event is about.',
  fields: (t) => ({
    type: t.expose('type', { type: AuditTargetTypeEnum, description: 'Its kind.' }),
    id: t.exposeID('id', { description: 'Its id (for an OAuth client, its clientId).' }),
  }),
});

builder.objectFields(AuditEventRef, (t) => ({
  eventType: t.field({
    type: AuditEventTypeEnum,
    description: 'The event\'s type, enumerated (OTHER for a type this server does not name); `type` holds it as a string.',
    resolve: (event) => eventTypeName(event.type),
  }),
  actor: t.field({ type: AuditActorRef, description: 'Who did it.', resolve: (event) => event }),
  target: t.field({
    type: AuditTargetRef,
    nullable: true,
    description: 'What it is about, when more than userId says (admin actions, key and client changes); null otherwise.',
    resolve: (event) => (event.targetType === null || event.targetId === null ? null : { type: event.targetType as AuditTargetType, id: event.targetId }),
  }),
  metadata: t.field({
    type: 'JSONObject',
    nullable: true,
    description: 'Structured facts of the event (ids, counts, before and after); never a secret. Null on events that record none.',
    resolve: (event) => event.metadata,
  }),
}));
