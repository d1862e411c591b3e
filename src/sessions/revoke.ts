import { and, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { sessions } from './tables.ts';

/**
 * Ends sessions and tells every instance at once (NOTIFY), so their access tokens and cookies are
 * refused from the next request on, without any instance asking the database per request.
 */
export class SessionRevoker {
  constructor(private readonly database: Database, private readonly invalidations: Invalidations) {}

  /** Ends one session of a user; false when it was not theirs or had already ended. */
  async revokeOne(userId: string, sessionId: string): Promise<boolean> {
    const ended = await this.database.db.update(sessions).set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await this.#announce(ended.map((row) => row.id));
    return ended.length > 0;
  }

  /** Ends a session whatever its owner (refresh-token reuse). */
  async revokeById(sessionId: string): Promise<void> {
    const ended = await this.database.db.update(sessions).set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await this.#announce(ended.map((row) => row.id));
  }

  /** Ends a user's OAuth grant to one client (all its sessions); returns how many ended. */
  async revokeClient(userId: string, clientId: string): Promise<number> {
    const ended = await this.database.db.update(sessions).set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, userId), eq(sessions.clientId, clientId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await this.#announce(ended.map((row) => row.id));
    return ended.length;
  }

  /** Ends every session of a user, but `except` when given; returns how many ended. */
  async revokeAll(userId: string, except?: string): Promise<number> {
    const ended = await this.database.db.update(sessions).set({ revokedAt: sql`now()` })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), sql`${sessions.expiresAt} > now()`,
        except === undefined ? undefined : ne(sessions.id, except)))
      .returning({ id: sessions.id });
    await this.#announce(ended.map((row) => row.id));
    return ended.length;
  }

  /** Also ends the grants that end with these sessions (no offline_access, OIDC Core §11), then tells every instance. */
  async #announce(sessionIds: readonly string[]): Promise<void> {
    const dependents = sessionIds.length === 0 ? [] : await this.database.db.update(sessions).set({ revokedAt: sql`now()` })
      .where(and(inArray(sessions.endsWithSessionId, [...sessionIds]), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    await this.invalidations.publish('session', [...sessionIds, ...dependents.map((row) => row.id)]);
  }
}
