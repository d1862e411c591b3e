import type { Context } from '../context.ts';
import { builder } from '../graphql/builder.ts';
import { grantableScopes, SCOPES, type Scope } from '../scopes.ts';
import { ApiKeyRef } from './graphql.ts';

/**
 * What a key of an account holding `roles` may be given by this caller: what the account may hand on,
 * and never more than the calling key holds.
 */
export function grantableBy(ctx: Context, roles: readonly string[]): readonly Scope[] {
  return grantableScopes(roles).filter((scope) => ctx.viewer.credential !== 'API_KEY' || ctx.viewer.scopes.includes(scope));
}

const ApiKeyScopeRef = builder.objectRef<Scope>('ApiKeyScope').implement({
  description: 'A scope an API key may hold, with what it allows.',
  fields: (t) => ({
    name: t.string({ description: 'The scope as createApiKey and updateApiKey take it, e.g. `apikeys:verify`.', resolve: (scope) => scope }),
    description: t.string({ description: 'What a key holding it may do.', resolve: (scope) => SCOPES[scope] }),
  }),
});

builder.queryField('apiKeyScopes', (t) =>
  t.field({
    type: [ApiKeyScopeRef],
    description: 'The scopes the caller may give a key of its own (createApiKey): its account\'s, `admin` only for an admin, and no more than the calling key holds.',
    authScopes: { scope: 'apikeys:manage' },
    resolve: async (_root, _args, ctx) => grantableBy(ctx, (await ctx.currentUser())?.roles ?? []),
  }),
);

builder.objectField(ApiKeyRef, 'grantableScopes', (t) =>
  t.field({
    type: [ApiKeyScopeRef],
    description: 'The scopes the caller may give this key (updateApiKey): what its owner may hand on, `admin` only for an admin\'s key, and no more than the calling key holds.',
    resolve: async (key, _args, ctx) => grantableBy(ctx, (await ctx.loaders.users.load(key.ownerId))?.roles ?? []),
  }),
);
