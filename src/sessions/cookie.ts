import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { BoundedCache } from '../lib/lru.ts';
import { readCookie } from '../lib/headers.ts';
import { hashSecret, isPlausibleSecret } from '../lib/secrets.ts';
import { MINUTE, SECOND } from '../lib/time.ts';
import { COOKIE_IDLE_MS } from './lifetimes.ts';
import type { RevokedSessions } from './revoked-set.ts';
import { sessions } from './tables.ts';

/** `__Host-`: the browser only accepts it Secure, from the exact host, for Path=/ (no subdomain can plant it). */
export const SESSION_COOKIE = '__Host-latchkey-session';

export function sessionCookieHeader(value: string, expiresAt: Date): string {
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Lax`;
}

export function clearedSessionCookieHeader(): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;
}

/** The session cookie's value from a Cookie header, if there is one. */
export function readSessionCookie(header: string | null): string | undefined {
  return readCookie(header, SESSION_COOKIE);
}

interface CookieSession {
  readonly sessionId: string;
  readonly userId: string;
  readonly scopes: readonly string[];
}

interface Cached extends CookieSession {
  readonly checkedAt: number;
}

// A cookie looked up recently is trusted for this long without asking the database again; ending a
// session still takes effect at once, through the revoked set checked on every request.
const RECHECK_MS = 30 * SECOND;
const TOUCH_EVERY_MS = MINUTE;

/** Finds the live session of a cookie, sliding its idle expiry forward (at most once a minute). */
export class CookieSessions {
  readonly #cache = new BoundedCache<string, Cached>(20_000);
  readonly #inFlight = new Map<string, Promise<CookieSession | 'revoked' | 'invalid'>>();

  constructor(private readonly database: Database, private readonly revoked: RevokedSessions) {}

  /** The live session of a cookie; 'revoked' when it was ended or expired, 'invalid' when unknown. */
  async find(cookie: string): Promise<CookieSession | 'revoked' | 'invalid'> {
    if (!isPlausibleSecret(cookie)) return 'invalid';
    // Keyed by the cookie itself (it is in this process's memory anyway): a hit costs no hashing.
    const cached = this.#cache.get(cookie);
    if (cached !== undefined && Date.now() - cached.checkedAt < RECHECK_MS) {
      return this.revoked.has(cached.sessionId) ? 'revoked' : cached;
    }
    // Concurrent requests with the same cookie share one look-up rather than queue on the row.
    let pending = this.#inFlight.get(cookie);
    if (pending === undefined) {
      pending = this.#lookUp(cookie).finally(() => this.#inFlight.delete(cookie));
      this.#inFlight.set(cookie, pending);
    }
    return pending;
  }

  async #lookUp(cookie: string): Promise<CookieSession | 'revoked' | 'invalid'> {
    const [row] = await this.database.db.select({
      sessionId: sessions.id, userId: sessions.userId, scopes: sessions.scopes, lastUsedAt: sessions.lastUsedAt,
      live: sql<boolean>`${sessions.revokedAt} is null and ${sessions.expiresAt} > now() and ${sessions.idleExpiresAt} > now()`,
    }).from(sessions).where(eq(sessions.cookieHash, hashSecret(cookie)));
    if (row === undefined || !row.live || this.revoked.has(row.sessionId)) {
      this.#cache.delete(cookie);
      return row === undefined ? 'invalid' : 'revoked';
    }
    if (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await this.database.db.update(sessions).set({
        lastUsedAt: sql`now()`,
        idleExpiresAt: sql`least(now() + ${`${COOKIE_IDLE_MS / 1000} seconds`}::interval, ${sessions.expiresAt})`,
      }).where(eq(sessions.id, row.sessionId));
    }
    const found: Cached = { sessionId: row.sessionId, userId: row.userId, scopes: row.scopes, checkedAt: Date.now() };
    this.#cache.set(cookie, found);
    return found;
  }
}
