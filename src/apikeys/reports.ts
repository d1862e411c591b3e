import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { DAY, HOUR, MINUTE } from '../lib/time.ts';
import { apiKeyUsageDays, apiKeyUsageHours, apiKeyUsageMinutes, type UsageTable } from './tables.ts';

export type Granularity = 'MINUTE' | 'HOUR' | 'DAY';

export interface UsageBucket {
  readonly start: Date;
  readonly requests: number;
  readonly rateLimited: number;
  readonly errors: number;
}

const TABLES: Record<Granularity, UsageTable> = { MINUTE: apiKeyUsageMinutes, HOUR: apiKeyUsageHours, DAY: apiKeyUsageDays };
const UNIT_MS: Record<Granularity, number> = { MINUTE, HOUR, DAY };
/** At most this many buckets per report, so that no request can ask for a scan of millions of rows. */
export const MAX_BUCKETS = 2000;

interface BucketRow { start: Date | string; requests: number; rate_limited: number; errors: number }

/** One key's buckets over [from, to), oldest first; empty buckets are omitted. */
export async function keyUsage(database: Database, keyId: string, from: Date, to: Date, granularity: Granularity): Promise<UsageBucket[]> {
  const unit = UNIT_MS[granularity];
  const start = new Date(Math.floor(from.getTime() / unit) * unit);
  const rows = await database.rows<BucketRow>(sql`
    select start, requests, rate_limited, errors from ${TABLES[granularity]}
    where key_id = ${keyId} and start >= ${start.toISOString()}::timestamptz and start < ${to.toISOString()}::timestamptz
    order by start limit ${MAX_BUCKETS}`);
  return rows.map((row) => ({ start: new Date(row.start), requests: row.requests, rateLimited: row.rate_limited, errors: row.errors }));
}

/** How many buckets a report over [from, to) would cover. */
export function bucketCount(from: Date, to: Date, granularity: Granularity): number {
  return Math.ceil((to.getTime() - from.getTime()) / UNIT_MS[granularity]);
}

export interface KeyTotal {
  readonly keyId: string;
  readonly requests: number;
  readonly rateLimited: number;
  readonly errors: number;
}

/**
 * The busiest keys over [from, to), exactly to the minute yet without scanning minute rows: whole
 * days come from the daily rollup, whole hours at the edges from the hourly one, and only the
 * leftover minutes at either end from the minute buckets.
 */
export async function topKeys(database: Database, from: Date, to: Date, limit: number): Promise<KeyTotal[]> {
  const parts = segments(floorTo(from.getTime(), MINUTE), floorTo(to.getTime(), MINUTE))
    .map(({ table, start, end }) => sql`
      select key_id, requests, rate_limited, errors from ${table}
      where start >= ${new Date(start).toISOString()}::timestamptz and start < ${new Date(end).toISOString()}::timestamptz`);
  if (parts.length === 0) return [];
  const rows = await database.rows<{ key_id: string; requests: number; rate_limited: number; errors: number }>(sql`
    select key_id, sum(requests)::int as requests, sum(rate_limited)::int as rate_limited, sum(errors)::int as errors
    from (${sql.join(parts, sql` union all `)}) as usage
    group by key_id order by requests desc, key_id limit ${limit}`);
  return rows.map((row) => ({ keyId: row.key_id, requests: row.requests, rateLimited: row.rate_limited, errors: row.errors }));
}

interface Segment { table: UsageTable; start: number; end: number }

function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

function ceilTo(ms: number, unit: number): number {
  return Math.ceil(ms / unit) * unit;
}

/** Splits [from, to) into the coarsest aligned pieces: minutes, then hours, days, hours, minutes. */
export function segments(from: number, to: number): Segment[] {
  if (from >= to) return [];
  const out: Segment[] = [];
  const add = (table: UsageTable, start: number, end: number) => {
    if (start < end) out.push({ table, start, end });
  };
  const hourStart = Math.min(ceilTo(from, HOUR), to);
  const hourEnd = Math.max(floorTo(to, HOUR), hourStart);
  add(TABLES.MINUTE, from, hourStart);
  const dayStart = Math.min(ceilTo(hourStart, DAY), hourEnd);
  const dayEnd = Math.max(floorTo(hourEnd, DAY), dayStart);
  add(TABLES.HOUR, hourStart, dayStart);
  add(TABLES.DAY, dayStart, dayEnd);
  add(TABLES.HOUR, dayEnd, hourEnd);
  add(TABLES.MINUTE, hourEnd, to);
  return out;
}
