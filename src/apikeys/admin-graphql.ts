import { GraphQLError } from 'graphql';
import { UserRef } from '../accounts/graphql.ts';
import { isAdmin } from '../graphql/admin.ts';
import { builder } from '../graphql/builder.ts';
import { connection, decodeCursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize } from '../graphql/pagination.ts';
import { isSignedIn } from '../viewer.ts';
import { ApiKeyConnectionRef } from './graphql.ts';
import { listKeys } from './list.ts';

builder.objectField(UserRef, 'apiKeys', (t) =>
  t.field({
    type: ApiKeyConnectionRef,
    description: 'The account\'s API keys, newest first: for the account itself (with apikeys:manage) and for admins.',
    args: {
      first: t.arg.int({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      includeRevoked: t.arg.boolean({ defaultValue: false, description: 'Also list revoked keys.' }),
    },
    resolve: async (user, args, ctx) => {
      const self = isSignedIn(ctx.viewer) && ctx.viewer.userId === user.id && ctx.viewer.scopes.includes('apikeys:manage');
      if (!self && !(await isAdmin(ctx))) {
        throw new GraphQLError('Only the account itself or an admin may list its keys.', { extensions: { code: 'FORBIDDEN' } });
      }
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      const rows = await listKeys(ctx.services.database, { ownerId: user.id, includeRevoked: args.includeRevoked ?? false, after, limit: size + 1 });
      return connection(rows, size, (key) => ({ at: key.createdAt, id: key.id }), after !== null);
    },
  }),
);
