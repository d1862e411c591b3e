import { GraphQLError } from 'graphql';
import type { Context } from '../context.ts';
import { isAdmin } from '../graphql/admin.ts';
import { builder } from '../graphql/builder.ts';
import { badInput } from '../graphql/pagination.ts';
import { isUuid } from '../lib/secrets.ts';
import { isSignedIn } from '../viewer.ts';
import { ApiKeyRef, UsageGranularityEnum } from './graphql.ts';
import { MAX_BUCKETS, type Granularity } from './reports.ts';
import { alignPeriod, usageSeries, type Series, type SeriesBucket, type SeriesScope } from './series.ts';

const UsageSeriesBucketRef = builder.objectRef<SeriesBucket>('UsageSeriesBucket').implement({
  description: 'What happened in one time bucket, by outcome.',
  fields: (t) => ({
    start: t.expose('start', { type: 'DateTime', description: 'The bucket\'s first instant (a whole minute, hour or day, UTC).' }),
    requests: t.exposeInt('requests', { description: 'Requests made with a good key: served + rateLimited.' }),
    served: t.int({ description: 'Requests answered (errors included): requests − rateLimited.', resolve: (b) => b.requests - b.rateLimited }),
    rateLimited: t.exposeInt('rateLimited', { description: 'Requests refused by the key\'s rate limit.' }),
    errors: t.exposeInt('errors', { description: 'Served requests whose response carried errors.' }),
    revoked: t.exposeInt('revoked', { description: 'Presentations of a revoked key, refused (not in requests).' }),
    expired: t.exposeInt('expired', { description: 'Presentations of an expired key, or of a rolled-away secret past its overlap, refused (not in requests).' }),
    unknown: t.exposeInt('unknown', {
      description: 'Well-formed keys that match no key (made up, or deleted with their account), refused. They have no owner: only the deployment-wide series (no ownerId) counts them; elsewhere 0.',
    }),
  }),
});

const UsageSeriesRef = builder.objectRef<Series & { granularity: Granularity }>('UsageSeries').implement({
  description: 'Usage over a period, bucket by bucket, oldest first. The period is widened to whole buckets, and says so: `from` and `to` are the bounds actually covered.',
  fields: (t) => ({
    from: t.expose('from', { type: 'DateTime', description: 'The first instant covered: the asked `from`, floored to its bucket.' }),
    to: t.expose('to', { type: 'DateTime', description: 'The instant after the last bucket: the asked `to`, raised to a bucket\'s end.' }),
    granularity: t.expose('granularity', { type: UsageGranularityEnum, description: 'The size of a bucket.' }),
    buckets: t.field({ type: [UsageSeriesBucketRef], description: 'The buckets, oldest first: every one of the period with fillEmpty, else only those with counts.', resolve: (s) => s.buckets }),
  }),
});

async function series(ctx: Context, scope: SeriesScope, args: { from: Date; to: Date; granularity: Granularity; fillEmpty?: boolean | null }) {
  if (args.to <= args.from) throw badInput('to must be after from.');
  if (alignPeriod(args.from, args.to, args.granularity).buckets > MAX_BUCKETS) {
    throw badInput(`That period holds more than ${MAX_BUCKETS} ${args.granularity.toLowerCase()} buckets.`);
  }
  const result = await usageSeries(ctx.services.database, scope, args.from, args.to, args.granularity, args.fillEmpty ?? false);
  return { ...result, granularity: args.granularity };
}

builder.objectField(ApiKeyRef, 'usageSeries', (t) =>
  t.field({
    type: UsageSeriesRef,
    description: `The key's usage over a period, with every outcome (revoked and expired presentations too), optionally zero-filled. At most ${MAX_BUCKETS} buckets.`,
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'The period\'s first instant; floored to its bucket (see UsageSeries.from).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'The instant after the period; raised to a bucket\'s end.' }),
      granularity: t.arg({ type: UsageGranularityEnum, required: true, description: 'The size of a bucket.' }),
      fillEmpty: t.arg.boolean({ defaultValue: false, description: 'Answer every bucket of the period, with zeros where nothing happened (for charts).' }),
    },
    resolve: (key, args, ctx) => series(ctx, { keyId: key.id }, args),
  }),
);

builder.queryField('apiKeyUsageSeries', (t) =>
  t.field({
    type: UsageSeriesRef,
    description: `Usage summed over many keys: every key of the deployment (admins; unknown keys included), or one owner's keys (admins, or the owner). At most ${MAX_BUCKETS} buckets.`,
    authScopes: { scope: 'apikeys:manage' },
    args: {
      from: t.arg({ type: 'DateTime', required: true, description: 'The period\'s first instant; floored to its bucket (see UsageSeries.from).' }),
      to: t.arg({ type: 'DateTime', required: true, description: 'The instant after the period; raised to a bucket\'s end.' }),
      granularity: t.arg({ type: UsageGranularityEnum, required: true, description: 'The size of a bucket.' }),
      fillEmpty: t.arg.boolean({ defaultValue: false, description: 'Answer every bucket of the period, with zeros where nothing happened (for charts).' }),
      ownerId: t.arg.id({ description: 'Only this account\'s keys (as they are now: keys deleted with an account are in the deployment-wide series only). Omit for every key (admins).' }),
    },
    resolve: async (_root, args, ctx) => {
      const ownerId = args.ownerId == null ? null : String(args.ownerId);
      const own = ownerId !== null && isSignedIn(ctx.viewer) && ctx.viewer.userId === ownerId;
      if (!own && !(await isAdmin(ctx))) {
        throw new GraphQLError('Only an admin may read the usage of every key or of another account.', { extensions: { code: 'FORBIDDEN' } });
      }
      if (ownerId !== null && !isUuid(ownerId)) throw badInput('ownerId is not an id.');
      return series(ctx, ownerId === null ? { all: true } : { ownerId }, args);
    },
  }),
);
