import { recordAuditEvent } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { MINUTE } from '../lib/time.ts';

/**
 * Writes `api_key.rate_limited` audit events, sampled: at most one per key per minute, so that a key
 * hammering its limit leaves a trace without turning the audit log into a request log.
 */
export class RateLimitAudit {
  readonly #lastMinute = new Map<string, number>();

  constructor(private readonly database: Database) {}

  async refused(key: { id: string; ownerId: string; start: string }, ip: string | null): Promise<void> {
    const minute = Math.floor(Date.now() / MINUTE);
    if (this.#lastMinute.get(key.id) === minute) return;
    this.#lastMinute.set(key.id, minute);
    if (this.#lastMinute.size > 10_000) this.#lastMinute.clear();
    await recordAuditEvent(this.database, {
      type: 'api_key.rate_limited', userId: key.ownerId, ip,
      detail: `key ${key.id} (${key.start}…) over its rate limit (sampled: one event per key per minute)`,
    });
  }
}
