import { auditAction } from '../graphql/audit-action.ts';
import { requireRecentVerification } from '../factors/step-up.ts';
import { builder } from '../graphql/builder.ts';
import { NotFoundError, ReauthenticationRequiredError, ValidationError } from '../errors.ts';
import { isUuid } from '../lib/secrets.ts';
import { ApiKeyRef, canSee, RateLimitInput } from './graphql.ts';
import { grantableBy } from './scopes-graphql.ts';
import { findKey } from './manage.ts';
import { updateKey, type KeyChanges } from './update.ts';

const UpdateApiKeyInput = builder.inputType('UpdateApiKeyInput', {
  description: 'A live key\'s new settings: a field left out stays as it is; null clears expiresAt (never expires) or rateLimit (unlimited).',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The key\'s id.' }),
    name: t.string({ description: 'What to call it, 1 to 100 characters.' }),
    scopes: t.stringList({ description: 'Its whole new set of scopes: a subset of what its owner may do (and of the calling key\'s).' }),
    rateLimit: t.field({ type: RateLimitInput, description: 'A budget per sliding window; null for none.' }),
    expiresAt: t.field({ type: 'DateTime', description: 'When it stops working, in the future and at most five years away; null for never.' }),
  }),
});

builder.mutationField('updateApiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    description:
      'Changes a live key\'s name, scopes, rate limit or expiry, for its owner or an admin. Its secret stays; every instance uses the new settings from the next request on. Granting the scope admin needs a recent sign-in.',
    authScopes: { scope: 'apikeys:manage' },
    errors: {
      types: [NotFoundError, ValidationError, ReauthenticationRequiredError],
      union: { name: 'UpdateApiKeyResult', description: 'The outcome of updateApiKey.' },
    },
    args: { input: t.arg({ type: UpdateApiKeyInput, required: true, description: 'The key and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const id = String(input.id);
      const key = isUuid(id) ? await findKey(ctx.services.database, id) : undefined;
      if (key === undefined || key.revokedAt !== null || !(await canSee(ctx, key))) throw new NotFoundError('The API key');
      const owner = await ctx.loaders.users.load(key.ownerId);
      if (owner === undefined) throw new NotFoundError('The API key');
      // A key never holds more than its owner, nor more than the key that changes it.
      const grantable = grantableBy(ctx, owner.roles);
      const changes: KeyChanges = {
        ...(input.name == null ? {} : { name: input.name }),
        ...(input.scopes == null ? {} : { scopes: input.scopes }),
        ...(input.rateLimit === undefined ? {} : { rateLimit: input.rateLimit }),
        ...(input.expiresAt === undefined ? {} : { expiresAt: input.expiresAt }),
      };
      if (changes.scopes?.includes('admin') === true && !key.scopes.includes('admin')) await requireRecentVerification(ctx.services.database, ctx.viewer);
      const updated = await updateKey(ctx.services.database, ctx.services.invalidations, key, changes, grantable);
      if (updated === undefined) throw new NotFoundError('The API key');
      const before = { name: key.name, scopes: [...key.scopes], rateLimit: key.rateLimit, expiresAt: key.expiresAt?.toISOString() ?? null };
      const after = { name: updated.name, scopes: [...updated.scopes], rateLimit: updated.rateLimit, expiresAt: updated.expiresAt?.toISOString() ?? null };
      await auditAction(ctx, {
        type: 'api_key.updated', userId: key.ownerId, target: { type: 'API_KEY', id: key.id }, metadata: { before, after },
        detail: `key ${key.id} (${key.start}…) changed: ${Object.keys(changes).join(', ') || 'nothing'}`,
      });
      return updated;
    },
  }),
);
