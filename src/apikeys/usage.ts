import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../db/client.ts';
import { MINUTE } from '../lib/time.ts';

/**
 * What happened to a presentation of a key. The first three are requests made with a good key (they
 * count in `requests`); the others were refused before any work and count only in their own column.
 */
export type UsageOutcome = 'served' | 'rate_limited' | 'errors' | 'revoked' | 'expired' | 'unknown';

/** The key id that presentations of unknown keys are counted under: they have no key, hence no owner. */
export const UNKNOWN_KEY_ID = '00000000-0000-0000-0000-000000000000';

interface Counts {
  keyId: string;
  minute: number;
  requests: number;
  rateLimited: number;
  errors: number;
  revoked: number;
  expired: number;
  unknown: number;
  /** The last counted request; 0 when only refused presentations were seen (they never move last_used_at). */
  lastUsedAt: number;
}

/**
 * Counts API-key requests in memory per (key, minute) and writes them in one statement per flush:
 * upserts that add to the minute, hour and day buckets (commutative, so any number of instances may
 * flush into the same rows) and move `last_used_at` forward. A failed flush keeps its counts for the
 * next one; `close` flushes what is left. Nothing is lost, nothing is counted twice.
 */
export class UsageRecorder {
  #pending = new Map<string, Counts>();
  #flushing: Promise<void> = Promise.resolve();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly database: Database, private readonly logger: Logger, flushEveryMs: number) {
    this.#timer = setInterval(() => void this.flush(), flushEveryMs);
    this.#timer.unref();
  }

  record(keyId: string, outcome: UsageOutcome, at = Date.now()): void {
    const minute = at - (at % MINUTE);
    const id = `${keyId}|${minute}`;
    let counts = this.#pending.get(id);
    if (counts === undefined) {
      counts = { keyId, minute, requests: 0, rateLimited: 0, errors: 0, revoked: 0, expired: 0, unknown: 0, lastUsedAt: 0 };
      this.#pending.set(id, counts);
    }
    if (outcome === 'revoked' || outcome === 'expired' || outcome === 'unknown') {
      counts[outcome] += 1;
      return;
    }
    counts.requests += 1;
    if (outcome === 'rate_limited') counts.rateLimited += 1;
    if (outcome === 'errors') counts.errors += 1;
    counts.lastUsedAt = Math.max(counts.lastUsedAt, at);
  }

  /** Writes everything counted so far; flushes never overlap. */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flushOnce());
    return this.#flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #flushOnce(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      await this.database.rows(flushStatement(batch));
    } catch (error) {
      this.logger.error({ err: error, buckets: batch.length }, 'usage flush failed; keeping the counts for the next one');
      for (const counts of batch) this.#merge(counts);
    }
  }

  #merge(counts: Counts): void {
    const id = `${counts.keyId}|${counts.minute}`;
    const pending = this.#pending.get(id);
    if (pending === undefined) {
      this.#pending.set(id, counts);
      return;
    }
    pending.requests += counts.requests;
    pending.rateLimited += counts.rateLimited;
    pending.errors += counts.errors;
    pending.revoked += counts.revoked;
    pending.expired += counts.expired;
    pending.unknown += counts.unknown;
    pending.lastUsedAt = Math.max(pending.lastUsedAt, counts.lastUsedAt);
  }
}

function flushStatement(batch: readonly Counts[]) {
  const values = sql.join(batch.map((c) => sql`(${c.keyId}::uuid, ${new Date(c.minute).toISOString()}::timestamptz,
    ${c.requests}::int, ${c.rateLimited}::int, ${c.errors}::int, ${c.revoked}::int, ${c.expired}::int, ${c.unknown}::int,
    ${new Date(c.lastUsedAt).toISOString()}::timestamptz)`), sql`, `);
  const rollup = (table: string, unit: string) => sql`
    insert into ${sql.identifier(table)} (key_id, start, requests, rate_limited, errors, revoked, expired, unknown)
    select key_id, date_trunc(${unit}, start, 'UTC'), sum(requests), sum(rate_limited), sum(errors), sum(revoked), sum(expired), sum(unknown)
    from counted group by 1, 2
    on conflict (key_id, start) do update set
      requests = ${sql.identifier(table)}.requests + excluded.requests,
      rate_limited = ${sql.identifier(table)}.rate_limited + excluded.rate_limited,
      errors = ${sql.identifier(table)}.errors + excluded.errors,
      revoked = ${sql.identifier(table)}.revoked + excluded.revoked,
      expired = ${sql.identifier(table)}.expired + excluded.expired,
      unknown = ${sql.identifier(table)}.unknown + excluded.unknown`;
  return sql`
    with counted (key_id, start, requests, rate_limited, errors, revoked, expired, unknown, last_used_at) as (values ${values}),
    minutes as (${rollup('api_key_usage', 'minute')}),
    hours as (${rollup('api_key_usage_hourly', 'hour')}),
    days as (${rollup('api_key_usage_daily', 'day')}),
    used as (
      update api_keys set last_used_at = greatest(coalesce(api_keys.last_used_at, '-infinity'), latest.at)
      from (select key_id, max(last_used_at) as at from counted where requests > 0 group by key_id) latest
      where api_keys.id = latest.key_id
    )
    select 1 as flushed`;
}
