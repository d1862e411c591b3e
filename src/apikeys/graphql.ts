import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { UserRef } from '../accounts/graphql.ts';
import type { Context } from '../context.ts';
import { isAdmin } from '../graphql/admin.ts';
import { builder } from '../graphql/builder.ts';
import { badInput, connection, decodeCursor, PageInfoRef, pageSize } from '../graphql/pagination.ts';
import { ViewerRef } from '../graphql/viewer.ts';
import { isUuid } from '../lib/secrets.ts';
import { isSignedIn } from '../viewer.ts';
import type { ApiKeyRecord } from './key.ts';
import { findKeys, listKeys } from './list.ts';
import { bucketCount, keyUsage, MAX_BUCKETS, topKeys, type KeyTotal, type UsageBucket } from './reports.ts';


export const ApiKeyEnvironmentEnum = builder.enumType('ApiKeyEnvironment', {
  description: 'Which kind of traffic a key is for; its secret starts with sk_live_ or sk_test_.',
  values: { LIVE: { description: 'Production traffic (sk_live_).' }, TEST: { description: 'Tests and development (sk_test_).' } } as const,
});

export const UsageGranularityEnum = builder.enumType('UsageGranularity', {
  description: 'The size of a usage bucket.',
  values: { MINUTE: { description: 'One minute.' }, HOUR: { description: 'One hour (UTC).' }, DAY: { description: 'One day (UTC).' } } as const,
});

const RateLimitRef = builder.objectRef<{ limit: number; windowSeconds: number }>('RateLimit').implement({
  description: 'A budget of requests per sliding window.',
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: 'Requests allowed per window.' }),
    windowSeconds: t.exposeInt('windowSeconds', { description: 'The window\'s length in seconds.' }),
  }),
});

export const RateLimitInput = builder.inputType('RateLimitInput', {
  description: 'A budget of requests per sliding window.',
  fields: (t) => ({
    limit: t.int({ required: true, description: 'Requests allowed per window, from 1 to 1,000,000.' }),
    windowSeconds: t.int({ required: true, description: 'The window\'s length, from 1 to 86,400 seconds.' }),
  }),
});

const UsageBucketRef = builder.objectRef<UsageBucket>('UsageBucket').implement({
  description: 'Requests made with one key in one time bucket, by outcome.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'The bucket\'s first instant.' }),
    requests: t.exposeInt('requests', { description: 'Every request made with the key.' }),
    rateLimited: t.exposeInt('rateLimited', { description: 'Requests refused by the key\'s rate limit.' }),
    errors: t.exposeInt('errors', { description: 'Requests whose response carried errors.' }),
  }),
});

/** May the caller see this key: its owner, or an admin. */
export async function canSee(ctx: Context, key: ApiKeyRecord): Promise<boolean> {
  if (!isSignedIn(ctx.viewer)) return false;
  return key.ownerId === ctx.viewer.userId || (await isAdmin(ctx));
}

export const ApiKeyRef = builder.objectRef<ApiKeyRecord>('ApiKey').implement({
  description: 'A secret that lets a program call the API for its owner, within the key\'s scopes.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The key\'s stable id (it survives a roll).' }),
    name: t.exposeString('name', { description: 'What the owner calls the key.' }),
    start: t.exposeString('start', { description: 'The secret\'s first characters, e.g. sk_live_4f9Q: enough to recognise it, useless to an attacker.' }),
    environment: t.field({ type: ApiKeyEnvironmentEnum, description: 'LIVE or TEST.', resolve: (key) => (key.environment === 'live' ? 'LIVE' : 'TEST') }),
    scopes: t.stringList({ description: 'What the key may do.', resolve: (key) => [...key.scopes] }),
    rateLimit: t.field({ type: RateLimitRef, nullable: true, description: 'Its budget; null when unlimited.', resolve: (key) => key.rateLimit }),
    owner: t.field({
      type: UserRef,
      description: 'The account the key acts for.',
      resolve: async (key, _args, ctx) => {
        const owner = await ctx.loaders.users.load(key.ownerId);
        if (owner === undefined) throw new Error(`owner ${key.ownerId} of key ${key.id} is missing`);
        return owner;
      },
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the key was made.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', nullable: true, description: 'When it stops working; null for never.' }),
    lastUsedAt: t.expose('lastUsedAt', { type: 'DateTime', nullable: true, description: 'When it was last used, to within the usage flush interval.' }),
    revokedAt: t.expose('revokedAt', { type: 'DateTime', nullable: true, description: 'When it was revoked; null while live.' }),
    usage: t.field({
      type: [UsageBucketRef],
      description: `Requests by bucket over [from, to), oldest first; empty buckets are omitted. At most ${MAX_BUCKETS} buckets.`,
      args: {
        from: t.arg({ type: 'DateTime', required: true, description: 'The period\'s first instant.' }),
        to: t.arg({ type: 'DateTime', required: true, description: 'The instant after the period.' }),
        granularity: t.arg({ type: UsageGranularityEnum, required: true, description: 'The size of a bucket.' }),
      },
      resolve: (key, { from, to, granularity }, ctx) => {
        if (to <= from) throw badInput('to must be after from.');
        if (bucketCount(from, to, granularity) > MAX_BUCKETS) throw badInput(`That period holds more than ${MAX_BUCKETS} ${granularity.toLowerCase()} buckets.`);
        return keyUsage(ctx.services.database, key.id, from, to, granularity);
      },
    }),
  }),
});

const ApiKeyEdgeRef = builder.objectRef<{ cursor: string; node: ApiKeyRecord }>('ApiKeyEdge').implement({
  description: 'A key in a list.',
  fields: (t) => ({
    cursor: t.exposeString('cursor', { description: 'Pass it as `after` to continue after this key.' }),
    node: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (edge) => edge.node }),
  }),
});

export const ApiKeyConnectionRef = builder.objectRef<ReturnType<typeof connection<ApiKeyRecord>>>('ApiKeyConnection').implement({
  description: 'A page of keys, newest first.',
  fields: (t) => ({
    edges: t.field({ type: [ApiKeyEdgeRef], description: 'The keys of this page.', resolve: (c) => c.edges }),
    pageInfo: t.field({ type: PageInfoRef, description: 'Where this page stands.', resolve: (c) => c.pageInfo }),
  }),
});

const ApiKeyUsageTotalRef = builder.objectRef<KeyTotal & { key: ApiKeyRecord }>('ApiKeyUsageTotal').implement({
  description: 'One key\'s totals over a period, for admin reports.',
  fields: (t) => ({
    apiKey: t.field({ type: ApiKeyRef, description: 'The key.', resolve: (total) => total.key }),
    requests: t.exposeInt('requests', { description: 'Every request made with the key in the period.' }),
    rateLimited: t.exposeInt('rateLimited', { description: 'Requests refused by its rate limit.' }),
    errors: t.exposeInt('errors', { description: 'Requests whose response carried errors.' }),
  }),
});

builder.objectField(ViewerRef, 'apiKey', (t) =>
  t.field({
    type: ApiKeyRef,
    nullable: true,
    description: 'The key, when the request was made with an API key.',
    resolve: async (viewer, _args, ctx) =>
      viewer.credential === 'API_KEY' ? ((await findKeys(ctx.services.database, [viewer.apiKeyId]))[0] ?? null) : null,
  }),
);

builder.queryFields((t) => ({
  apiKeys: t.field({
    type: ApiKeyConnectionRef,
    description: 'The caller\'s keys, newest first; an admin may pass ownerId to see another account\'s.',
    authScopes: { scope: 'apikeys:manage' },
    args: {
      first: t.arg.int({ description: 'Page size, 1 to 100 (default 20).' }),
      after: t.arg.string({ description: 'The endCursor of the previous page.' }),
      ownerId: t.arg.id({ description: 'Admins only: whose keys.' }),
      includeRevoked: t.arg.boolean({ defaultValue: false, description: 'Also list revoked keys.' }),
    },
    resolve: async (_root, args, ctx) => {
      if (!isSignedIn(ctx.viewer)) throw badInput('Sign in to list keys.');
      const size = pageSize(args.first);
      const after = args.after == null ? null : decodeCursor(args.after);
      let ownerId = ctx.viewer.userId;
      if (args.ownerId != null && String(args.ownerId) !== ownerId) {
        if (!(await isAdmin(ctx))) throw new GraphQLError('Only an admin may list another account\'s keys.', { extensions: { code: 'FORBIDDEN' } });
        if (!isUuid(String(args.ownerId))) throw badInput('ownerId is not an id.');
        ownerId = String(args.ownerId);
      }
      const rows = await listKeys(ctx.services.database, { ownerId, includeRevoked: args.includeRevoked ?? false, after, limit: size + 1 });
      return connection(rows, size, (key) => ({ at: key.createdAt, id: key.id }), after !== null);
    },
  }),
  apiKey: t.field({
    type: ApiKeyRef,
    nullable: true,
    description: 'One key by id: the caller\'s own, or any for an admin; null otherwise.',
    authScopes: { scope: 'apikeys:manage' },
    args: { id: t.arg.id({ required: true, description: 'The key\'s id.' }) },
    resolve: async (_root, { id }, ctx) => {
      if (!isUuid(String(id))) return null;
      const [key] = await findKeys(ctx.services.database, [String(id)]);
      return key !== undefined && (await canSee(ctx, key)) ? key : null;
    },
  }),
  topApiKeys: t.field({
    type: [ApiKeyUsageTotalRef],
    description: 'Admin only: the busiest keys over [from, to), by requests, exact to the minute.',
    authScopes: { admin: true },
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'The period\'s first instant.' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'The instant after the period.' }),
      limit: t.arg.int({ defaultValue: 10, description: 'How many keys, 1 to 100.' }),
    },
    resolve: async (_root, { from, to, limit }, ctx) => {
      const count = limit ?? 10;
      if (to <= from) throw badInput('to must be after from.');
      if (!Number.isInteger(count) || count < 1 || count > 100) throw badInput('limit must be from 1 to 100.');
      const totals = await topKeys(ctx.services.database, from, to, count);
      const keys = new DataLoader((ids: readonly string[]) => findKeys(ctx.services.database, ids));
      const withKeys = await Promise.all(totals.map(async (total) => ({ ...total, key: await keys.load(total.keyId) })));
      return withKeys.filter((total): total is KeyTotal & { key: ApiKeyRecord } => total.key !== undefined);
    },
  }),
}));
