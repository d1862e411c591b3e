import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { DAY, HOUR, MINUTE } from '../lib/time.ts';
import { MAX_BUCKETS, type Granularity } from './reports.ts';
import { apiKeys } from './tables.ts';

const TABLES: Record<Granularity, string> = { MINUTE: 'api_key_usage', HOUR: 'api_key_usage_hourly', DAY: 'api_key_usage_daily' };
export const UNIT_MS: Record<Granularity, number> = { MINUTE, HOUR, DAY };

/** Every outcome of one bucket. */
export interface SeriesBucket {
  readonly start: Date;
  readonly requests: number;
  readonly rateLimited: number;
  readonly errors: number;
  readonly revoked: number;
  readonly expired: number;
  readonly unknown: number;
}

/** Whose keys a series sums: one key, one owner's keys, or every key (and the unknown ones) of the deployment. */
export type SeriesScope = { readonly keyId: string } | { readonly ownerId: string } | { readonly all: true };

export interface Series {
  /** `from` floored to its bucket: the first instant the series covers. */
  readonly from: Date;
  /** `to` raised to a bucket's end: the instant after the last bucket. */
  readonly to: Date;
  readonly buckets: SeriesBucket[];
}

/** [from, to) widened to whole buckets, and how many buckets that is. */
export function alignPeriod(from: Date, to: Date, granularity: Granularity): { from: Date; to: Date; buckets: number } {
  const unit = UNIT_MS[granularity];
  const start = Math.floor(from.getTime() / unit) * unit;
  const end = Math.ceil(to.getTime() / unit) * unit;
  return { from: new Date(start), to: new Date(end), buckets: (end - start) / unit };
}

/**
 * Requests by bucket over [from, to) widened to whole buckets, summed over the scope's keys, oldest
 * first; with `fill`, every bucket of the period is there, zeros included. At most MAX_BUCKETS buckets
 * (the caller checks the period first).
 */
export async function usageSeries(database: Database, scope: SeriesScope, from: Date, to: Date, granularity: Granularity, fill: boolean): Promise<Series> {
  const period = alignPeriod(from, to, granularity);
  let where: SQL;
  if ('keyId' in scope) where = sql`key_id = ${scope.keyId}::uuid`;
  else if ('ownerId' in scope) where = sql`key_id in (select ${apiKeys.id} from ${apiKeys} where ${apiKeys.ownerId} = ${scope.ownerId}::uuid)`;
  else where = sql`true`;
  const rows = await database.rows<{ start: Date | string; requests: number; rate_limited: number; errors: number; revoked: number; expired: number; unknown: number }>(sql`
    select start, sum(requests)::int as requests, sum(rate_limited)::int as rate_limited, sum(errors)::int as errors,
      sum(revoked)::int as revoked, sum(expired)::int as expired, sum(unknown)::int as unknown
    from ${sql.identifier(TABLES[granularity])}
    where ${where} and start >= ${period.from.toISOString()}::timestamptz and start < ${period.to.toISOString()}::timestamptz
    group by start order by start limit ${MAX_BUCKETS}`);
  const found = rows.map((row) => ({
    start: new Date(row.start), requests: row.requests, rateLimited: row.rate_limited, errors: row.errors,
    revoked: row.revoked, expired: row.expired, unknown: row.unknown,
  }));
  if (!fill) return { from: period.from, to: period.to, buckets: found };
  const byStart = new Map(found.map((bucket) => [bucket.start.getTime(), bucket]));
  const unit = UNIT_MS[granularity];
  const buckets: SeriesBucket[] = [];
  for (let at = period.from.getTime(); at < period.to.getTime(); at += unit) {
    buckets.push(byStart.get(at) ?? { start: new Date(at), requests: 0, rateLimited: 0, errors: 0, revoked: 0, expired: 0, unknown: 0 });
  }
  return { from: period.from, to: period.to, buckets };
}
