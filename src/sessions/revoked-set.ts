import { gt } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { sessions } from './tables.ts';

/** The NOTIFY channel on which every instance hears of ended sessions (and, later, revoked keys). */
export const REVOCATION_CHANNEL = 'latchkey_revocations';

/**
 * The ids of sessions ended within the last access-token lifetime, on this instance. Loaded at start
 * and kept current through LISTEN, so checking an access token's `sid` needs no database query: a
 * logout on any instance refuses that session's tokens everywhere as soon as the notification lands.
 */
export class RevokedSessions {
  readonly #revokedAt = new Map<string, number>();
  readonly #keepMs: number;
  #timer: NodeJS.Timeout | undefined;

  private constructor(accessTokenTtlSeconds: number) {
    // A token can outlive its session by its own lifetime plus the verifier's clock tolerance.
    this.#keepMs = (accessTokenTtlSeconds + 60) * 1000;
  }

  static async start(database: Database, accessTokenTtlSeconds: number): Promise<RevokedSessions> {
    const set = new RevokedSessions(accessTokenTtlSeconds);
    await database.listen(REVOCATION_CHANNEL, (payload) => set.#onMessage(payload));
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

  #onMessage(payload: string): void {
    const [kind, id] = payload.split(':');
    if (kind === 'session' && id !== undefined) this.add(id);
  }

  #prune(): void {
    const cutoff = Date.now() - this.#keepMs;
    for (const [id, at] of this.#revokedAt) if (at < cutoff) this.#revokedAt.delete(id);
  }
}

export function sessionRevokedMessage(sessionId: string): string {
  return `session:${sessionId}`;
}
