import { GraphQLError } from 'graphql';
import { UserRef } from '../accounts/graphql.ts';
import type { Context } from '../context.ts';
import { NotFoundError } from '../errors.ts';
import { isAdmin } from '../graphql/admin.ts';
import { auditAction } from '../graphql/audit-action.ts';
import { builder } from '../graphql/builder.ts';
import { connection, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from '../graphql/pagination.ts';
import { isUuid } from '../lib/secrets.ts';
import { isSignedIn } from '../viewer.ts';
import { SessionConnectionRef, SessionRef } from './graphql.ts';
import { findSession, listSessions } from './find.ts';
import { clearSessionCookie } from './graphql.ts';

/** The account itself, or an admin, may read an account's sessions and keys; anyone else is FORBIDDEN. */
export async function requireSelfOrAdmin(ctx: Context, userId: string): Promise<void> {
  if (isSignedIn(ctx.viewer) && ctx.viewer.userId === userId && ctx.viewer.scopes.includes('sessions:manage')) return;
  if (await isAdmin(ctx)) return;
  throw new GraphQLError('Only the account itself or an admin may read this.', { extensions: { code: 'FORBIDDEN' } });
}

builder.objectField(UserRef, 'sessions', (t) =>
  t.field({
    type: SessionConnectionRef,
    description: 'The account\'s live first-party sessions, newest first: for the account itself (as `sessions`) and for admins.',
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
    },
    resolve: async (user, args, ctx) => {
      await requireSelfOrAdmin(ctx, user.id);
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const rows = await listSessions(ctx.services.database, user.id, { after, limit: size + 1 });
      return connection(rows, size, (session) => ({ at: session.createdAt, id: session.id }), after !== null);
    },
  }),
);

builder.mutationField('revokeUserSession', (t) =>
  t.field({
    type: SessionRef,
    description:
      'Admin only: ends one session of an account (a lost device), at once on every instance: its access tokens, cookie and refresh tokens are refused from the next request on. revokeUserSessions ends them all.',
    authScopes: { admin: true },
    errors: { types: [NotFoundError], union: { name: 'RevokeUserSessionResult', description: 'The outcome of revokeUserSession.' } },
    args: {
      userId: t.arg.id({ required: true, description: 'The account\'s id.' }),
      sessionId: t.arg.id({ required: true, description: 'The session\'s id (User.sessions).' }),
    },
    resolve: async (_root, args, ctx) => {
      const userId = String(args.userId);
      const sessionId = String(args.sessionId);
      // Both ids must match: a session id alone never reaches another account's session by mistake.
      const session = isUuid(userId) && isUuid(sessionId) ? await findSession(ctx.services.database, sessionId) : undefined;
      if (session === undefined || session.userId !== userId) throw new NotFoundError('The session');
      if (!(await ctx.services.revoker.revokeOne(userId, sessionId))) throw new NotFoundError('The session');
      if (ctx.viewer.credential === 'SESSION_COOKIE' && ctx.viewer.sessionId === sessionId) clearSessionCookie(ctx);
      await auditAction(ctx, {
        type: 'session.revoked', userId, target: { type: 'SESSION', id: sessionId },
        metadata: { userId, ...(session.clientId === null ? {} : { clientId: session.clientId }) },
        detail: `session ${sessionId} of ${userId} ended by an admin`,
      });
      return session;
    },
  }),
);
