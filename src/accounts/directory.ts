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

  constructor(database: Database, private readonly invalidations: Invalidations) {
    invalidations.on('user', (id) => this.#cache.delete(id));
    const columns = {
      id: users.id, email: users.email, emailVerified: users.emailVerified, name: users.name, roles: users.roles, createdAt: users.createdAt,
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
    if (missing.length > 0) {
      const rows = missing.length === 1 ? await this.#byId.execute({ id: missing[0] }) : await this.#byIds(missing);
      for (const row of rows) this.#cache.set(row.id, { user: Object.freeze(row), at: now });
    }
    return ids.map((id) => this.#cache.get(id)?.user);
  }

  /** Forgets a user here and on every other instance: call after any change to a user's row. */
  async changed(userId: string): Promise<void> {
    await this.invalidations.publish('user', [userId]);
  }
}
