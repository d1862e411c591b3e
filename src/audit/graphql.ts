import { GraphQLError } from 'graphql';
import { isAdmin } from '../graphql/admin.ts';
import { builder } from '../graphql/builder.ts';
import { connection, decodeCursor, PageInfoRef, pageSize, type PageInfoShape } from '../graphql/pagination.ts';
import { isUuid } from '../lib/secrets.ts';
import { isSignedIn } from '../viewer.ts';
import { listAuditEvents, type AuditEventRecord } from './query.ts';
import { structuredFilter, structuredFilterArgs } from './filter-args.ts';

export const AuditEventRef = builder.objectRef<AuditEventRecord>('AuditEvent').implement({
  description: 'A security event: who did what, when, from where. Never holds a secret.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event\'s id.' }),
    type: t.exposeString('type', {
      description: 'For example login.succeeded, login.failed, refresh.reuse_detected, api_key.created.',
    }),
    at: t.expose('at', { type: 'DateTime', description: 'When it happened.' }),
    userId: t.exposeID('userId', { nullable: true, description: 'The account it concerns; null when none is known (a login to an unknown email).' }),
    ip: t.exposeString('ip', { nullable: true, description: 'The client address of the request.' }),
    userAgent: t.exposeString('userAgent', { nullable: true, description: 'The User-Agent of the request.' }),
    detail: t.exposeString('detail', { nullable: true, description: 'A short description for people.' }),
  }),
});

interface Edge {
  readonly cursor: string;
  readonly node: AuditEventRecord;
}

const AuditEventEdgeRef = builder.objectRef<Edge>('AuditEventEdge').implement({
  description: 'An event and its place in the list.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass it as `after` to list what follows this event.' }),
    node: t.field({ type: AuditEventRef, description: 'The event.', resolve: (edge) => edge.node }),
  }),
});

const AuditEventConnectionRef = builder.objectRef<{ edges: Edge[]; pageInfo: PageInfoShape }>('AuditEventConnection').implement({
  description: 'A page of security events, newest first.',
  fields: (t) => ({
    edges: t.field({ type: [AuditEventEdgeRef], description: 'The events of this page.', resolve: (page) => page.edges }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Where this page stands.', resolve: (page) => page.pageInfo }),
  }),
});

builder.queryField('auditEvents', (t) =>
  t.field({
    type: AuditEventConnectionRef,
    description:
      'Security events, newest first: an admin sees everyone\'s, anyone else only their own (asking for another account\'s is FORBIDDEN).',
    authScopes: { admin: true, scope: 'sessions:manage' },
    args: {
      first: t.arg.int({ description: 'Page size, 1 to 100 (default 20).' }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      type: t.arg.string({ description: 'Only events of this type, e.g. login.failed.' }),
      userId: t.arg.id({ description: 'Only this account\'s events (admins; others may name only themselves).' }),
      ...structuredFilterArgs(t.arg),
    },
    resolve: async (_root, args, ctx) => {
      if (!isSignedIn(ctx.viewer)) throw forbidden();
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const asked = args.userId == null ? null : String(args.userId);
      const admin = await isAdmin(ctx);
      if (!admin && asked !== null && asked !== ctx.viewer.userId) throw forbidden();
      const userId = admin ? asked : ctx.viewer.userId;
      if (userId !== null && !isUuid(userId)) return connection([], size, position, after !== null);
      const rows = await listAuditEvents(ctx.services.database, { userId, type: args.type ?? null, ...structuredFilter(args), after, limit: size + 1 });
      return connection(rows, size, position, after !== null);
    },
  }),
);

const position = (event: AuditEventRecord) => ({ at: event.at, id: event.id });

function forbidden(): GraphQLError {
  return new GraphQLError('Only an admin may see another account\'s events.', { extensions: { code: 'FORBIDDEN' } });
}
