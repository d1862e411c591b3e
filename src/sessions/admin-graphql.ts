import { GraphQLError } from 'graphql';
import { UserRef } from '../accounts/graphql.ts';
import type { Context } from '../context.ts';
import { isAdmin } from '../graphql/admin.ts';
import { builder } from '../graphql/builder.ts';
import { connection, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from '../graphql/pagination.ts';
import { isSignedIn } from '../viewer.ts';
import { SessionConnectionRef } from './graphql.ts';
import { listSessions } from './list.ts';

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
