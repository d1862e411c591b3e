import { gt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { sessions } from './tables.ts';

/**
 * The ids of sessions ended within the last access-token lifetime, on this instance. Loaded at start
 * and kept current through the invalidation channel, so checking an access token's `sid` needs no
 * database query: a logout on any instance refuses that session's tokens everywhere as soon as the
 * notification lands.
 */
export class RevokedSessions {
  readonly #revokedAt = new Map<string, number>();
  readonly #keepMs: number;
  #timer: NodeJS.Timeout | undefined;

  private constructor(accessTokenTtlSeconds: number) {
    // A token can outlive its session by its own lifetime plus the verifier's clock tolerance.
    this.#keepMs = (accessTokenTtlSeconds + 60) * 1000;
  }

  static async start(database: Database, invalidations: Invalidations, accessTokenTtlSeconds: number): Promise<RevokedSessions> {
    const set = new RevokedSessions(accessTokenTtlSeconds);
    invalidations.on('session', (id) => set.add(id));
    const since = new Date(Date.now() - set.#keepMs);
    const rows = await database.db.select({ id: sessions.id, revokedAt: sessions.revokedAt })
      .from(sessions).where(gt(sessions.revokedAt, since));
    for (const row of rows) set.add(row.id, row.revokedAt?.getTime());
    set.#timer = setInterval(() => set.#prune(), 60_000);
    set.#timer.unref();
    return set;
  }

  has(sessionId: string): boolean {
    return this.#revokedAt.has(sessionId);
  }

  add(sessionId: string, at = Date.now()): void {
    this.#revokedAt.set(sessionId, at);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #prune(): void {
    const cutoff = Date.now() - this.#keepMs;
    for (const [id, at] of this.#revokedAt) if (at < cutoff) this.#revokedAt.delete(id);
  }
}
