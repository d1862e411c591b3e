import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLError } from 'graphql';
import type { Context } from '../context.ts';
import type { Scope } from '../scopes.ts';
import { isAdmin } from './admin.ts';

/**
 * The one Pothos builder: plugins and authorization scopes, no types. Each capability's graphql.ts
 * defines its own types and fields on it; src/graphql/schema.ts imports them all.
 */
export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: {
    /** Any credential that belongs to a user (not anonymous). */
    signedIn: boolean;
    /** A user holding the role admin, through a first-party credential. */
    admin: boolean;
    /** The credential holds this scope. */
    scope: Scope;
  };
  Scalars: { DateTime: { Input: Date; Output: Date }; JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> } };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin],
  scopeAuth: {
    // Loaders as methods (see Context.currentUser for why); scope-auth calls them unbound, and they use no `this`.
    authScopes: (ctx) => ({
      signedIn: ctx.viewer.credential !== 'ANONYMOUS',
      admin() {
        return isAdmin(ctx);
      },
      scope(scope: Scope) {
        return (ctx.viewer.scopes as readonly string[]).includes(scope);
      },
    }),
    unauthorizedError: (_parent, ctx) =>
      new GraphQLError(
        ctx.viewer.credential === 'ANONYMOUS' ? 'Sign in to use this field.' : 'This credential may not use this field.',
        { extensions: { code: 'FORBIDDEN' } },
      ),
  },
  errors: { directResult: true },
});
