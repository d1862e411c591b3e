import { inArray, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { BoundedCache } from '../lib/lru.ts';
import { users } from './tables.ts';
import type { UserRecord } from './users.ts';

// Users change rarely and every change is announced on the invalidation channel; the TTL only bounds
// how long a lost notification (a dropped LISTEN connection) could leave a stale copy.
const TTL_MS = 60_000;

/**
 * Users by id for the request path: an in-process cache in front of one prepared statement, so that
 * `viewer { user { … } }` with a verified access token usually needs no database round trip.
 */
export class UserDirectory {
  readonly #cache = new BoundedCache<string, { user: UserRecord; at: number }>(50_000);
  readonly #byId;
  readonly #byIds;
  readonly #inFlight = new Map<string, Promise<void>>();

  constructor(database: Database, private readonly invalidations: Invalidations) {
    invalidations.on('user', (id) => this.#cache.delete(id));
    const columns = {
      id: users.id, email: users.email, emailVerified: users.emailVerified, name: users.name, roles: users.roles, createdAt: users.createdAt,
      disabledAt: users.disabledAt,
    };
    this.#byId = database.db.select(columns).from(users).where(sql`${users.id} = ${sql.placeholder('id')}`).prepare('user_by_id');
    this.#byIds = (ids: string[]) => database.db.select(columns).from(users).where(inArray(users.id, ids));
  }

  /** Users in the order asked, undefined where unknown: the shape DataLoader wants. */
  async load(ids: readonly string[]): Promise<(UserRecord | undefined)[]> {
    const now = Date.now();
    const missing = ids.filter((id) => {
      const hit = this.#cache.get(id);
      return hit === undefined || now - hit.at > TTL_MS;
    });
    if (missing.length > 0) await this.#fetch(missing, now);
    return ids.map((id) => this.#cache.get(id)?.user);
  }

  /** Sync read of a fresh cached user, so the hot path needs no promise when the cache has it. */
  peek(id: string): UserRecord | undefined {
    const hit = this.#cache.get(id);
    return hit !== undefined && Date.now() - hit.at <= TTL_MS ? hit.user : undefined;
  }

  // Concurrent requests for the same expired user share one query instead of stampeding.
  async #fetch(ids: readonly string[], now: number): Promise<void> {
    const waiting = ids.map((id) => this.#inFlight.get(id)).filter((p): p is Promise<void> => p !== undefined);
    const toFetch = ids.filter((id) => !this.#inFlight.has(id));
    if (toFetch.length > 0) {
      const query = (async () => {
        const rows = toFetch.length === 1 ? await this.#byId.execute({ id: toFetch[0] }) : await this.#byIds(toFetch);
        const found = new Set(rows.map((row) => row.id));
        for (const row of rows) this.#cache.set(row.id, { user: Object.freeze(row), at: now });
        for (const id of toFetch) if (!found.has(id)) this.#cache.delete(id);
      })().finally(() => {
        for (const id of toFetch) this.#inFlight.delete(id);
      });
      for (const id of toFetch) this.#inFlight.set(id, query);
      waiting.push(query);
    }
    await Promise.all(waiting);
  }

  /** Forgets a user here and on every other instance: call after any change to a user's row. */
  async changed(userId: string): Promise<void> {
    await this.invalidations.publish('user', [userId]);
  }
}
