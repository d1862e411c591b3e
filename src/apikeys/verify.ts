import { eq, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { BoundedCache } from '../lib/lru.ts';
import { hashSecret } from '../lib/secrets.ts';
import { SECOND } from '../lib/time.ts';
import { parseKey } from './format.ts';
import { toApiKeyRecord, type ApiKeyRecord } from './key.ts';
import { apiKeys } from './tables.ts';

/** Why a key is not good: the codes of the contract's ApiKeyVerification.code. */
export type KeyRefusal = 'MALFORMED' | 'NOT_FOUND' | 'REVOKED' | 'EXPIRED';

export type KeyCheck =
  | { readonly ok: true; readonly key: ApiKeyRecord }
  | { readonly ok: false; readonly code: KeyRefusal; /** The key, when it exists (REVOKED, EXPIRED). */ readonly keyId?: string };

interface Cached {
  readonly key: ApiKeyRecord | null;
  /** When an old secret of a rolled key stops working. */
  readonly validUntil: number | null;
  readonly at: number;
}

// A found key is trusted for a minute between look-ups (revoke and roll reach every instance at once
// through the invalidation channel); an unknown one is remembered briefly so that a flood of the same
// made-up key asks the database once.
const POSITIVE_TTL_MS = 60 * SECOND;
// The two commonest refusals, shared: a flood of bad keys allocates nothing for its answer.
const MALFORMED: KeyCheck = Object.freeze({ ok: false, code: 'MALFORMED' });
const NOT_FOUND: KeyCheck = Object.freeze({ ok: false, code: 'NOT_FOUND' });
const NEGATIVE_TTL_MS = 10 * SECOND;

/**
 * Checks API keys cheapest step first (DESIGN §1): shape and checksum with no I/O, then a cache by
 * hash, then one indexed look-up by hash (or by the previous hash of a key rolled with overlap).
 */
export class ApiKeyVerifier {
  readonly #cache = new BoundedCache<string, Cached>(50_000);
  readonly #secretsById = new Map<string, Set<string>>();
  readonly #lookup;

  /** `onLookup(hit)` is told whether each check was answered from the cache (for the hit-ratio metric). */
  constructor(database: Database, invalidations: Invalidations, private readonly onLookup: (hit: boolean) => void = () => {}) {
    invalidations.on('apikey', (id) => this.#forget(id));
    this.#lookup = database.db.select({ row: apiKeys, current: sql<boolean>`${apiKeys.hash} = ${sql.placeholder('hash')}` })
      .from(apiKeys)
      .where(or(eq(apiKeys.hash, sql.placeholder('hash')), eq(apiKeys.previousHash, sql.placeholder('hash'))))
      .limit(1)
      .prepare('api_key_by_hash');
  }

  async check(raw: string): Promise<KeyCheck> {
    // Keyed by the key itself (already in this process's memory): a hit costs no hashing. Only a key
    // that passed parseKey is ever cached, so a hit needs no second look at its shape and checksum.
    let entry = this.#cache.get(raw);
    if (entry === undefined && parseKey(raw) === null) return MALFORMED;
    const now = Date.now();
    if (entry !== undefined && now - entry.at <= (entry.key === null ? NEGATIVE_TTL_MS : POSITIVE_TTL_MS)) {
      this.onLookup(true);
    } else {
      this.onLookup(false);
      entry = await this.#load(raw, now);
    }
    const { key, validUntil } = entry;
    if (key === null) return NOT_FOUND;
    if (key.revokedAt !== null) return { ok: false, code: 'REVOKED', keyId: key.id };
    if ((key.expiresAt !== null && key.expiresAt.getTime() <= now) || (validUntil !== null && validUntil <= now)) {
      return { ok: false, code: 'EXPIRED', keyId: key.id };
    }
    return { ok: true, key };
  }

  async #load(raw: string, now: number): Promise<Cached> {
    const [found] = await this.#lookup.execute({ hash: hashSecret(raw) });
    const entry: Cached = found === undefined
      ? { key: null, validUntil: null, at: now }
      : {
          key: toApiKeyRecord(found.row),
          validUntil: found.current ? null : (found.row.previousHashExpiresAt?.getTime() ?? 0),
          at: now,
        };
    this.#cache.set(raw, entry);
    if (entry.key !== null) {
      const secrets = this.#secretsById.get(entry.key.id) ?? new Set<string>();
      secrets.add(raw);
      this.#secretsById.set(entry.key.id, secrets);
    }
    return entry;
  }

  #forget(keyId: string): void {
    for (const raw of this.#secretsById.get(keyId) ?? []) this.#cache.delete(raw);
    this.#secretsById.delete(keyId);
  }
}
