import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { Database } from '../db/client.ts';
import type { Invalidations } from '../db/notify.ts';
import { DAY, HOUR, MINUTE } from '../lib/time.ts';
import { signingKeys } from './tables.ts';

export type SigningAlg = 'EdDSA' | 'RS256';

interface VerificationKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly key: CryptoKey;
}

export interface SigningKey extends VerificationKey {
  readonly privateKey: CryptoKey;
}

/**
 * A new key is in the JWKS this long before it signs anything, so that relying parties that cache the
 * JWKS (we say max-age=300) know it before the first token it signed reaches them.
 */
export const KEY_PUBLISH_LEAD_MS = 10 * MINUTE;
/** A retired key stays in the JWKS this long after it last signed: longer than any token we issue lives. */
export const RETIRED_KEY_RETENTION_MS = DAY;
const CHECK_INTERVAL_MS = HOUR;

// Serialises key creation and rotation between instances sharing one database.
const KEY_LOCK = 7_412_032;

/** What an admin may see of a key: never its private part. */
export interface SigningKeyInfo {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly createdAt: Date;
  /** Whether it signs new tokens now. */
  readonly current: boolean;
  /** When it stops (or stopped) signing; null while no newer key is planned. */
  readonly retiredAt: Date | null;
}

interface LoadedKey extends VerificationKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly createdAt: number;
  /** When it stops signing (a newer key takes over then); null while current. */
  readonly retiredAt: number | null;
}

/**
 * The keys of this deployment, shared by every instance through the database: per algorithm the key
 * that signs now, and every key a token still in circulation may name. Rotation (`rotate`, and
 * `rotateIfDue` every hour when SIGNING_KEY_ROTATION_DAYS is set) overlaps: the new key is published
 * KEY_PUBLISH_LEAD_MS before it signs, and the old one is served until RETIRED_KEY_RETENTION_MS after it
 * stopped, then deleted. Every instance reloads on the `keys` invalidation.
 */
export class KeyRing {
  #keys: readonly LoadedKey[] = [];
  #byKid: ReadonlyMap<string, VerificationKey> = new Map();
  #jwks: { readonly keys: readonly JWK[] } = { keys: [] };
  #timer: NodeJS.Timeout | undefined;
  /** The reload the last `keys` notification started (this instance's own ones included). */
  #reloading: Promise<void> = Promise.resolve();
  readonly #onRemoved: (() => void)[] = [];

  private constructor(
    private readonly database: Database,
    private readonly algs: readonly SigningAlg[],
    private readonly invalidations: Invalidations,
  ) {}

  /** Loads the keys, creating the first key of each algorithm on first start. */
  static async load(database: Database, algs: readonly SigningAlg[], invalidations: Invalidations): Promise<KeyRing> {
    const ring = new KeyRing(database, algs, invalidations);
    await ring.#locked(async (tx) => {
      const current = await tx.select({ alg: signingKeys.alg }).from(signingKeys).where(isNull(signingKeys.retiredAt));
      for (const alg of algs.filter((a) => !current.some((row) => row.alg === a))) await tx.insert(signingKeys).values(await generateKey(alg));
    });
    await ring.reload();
    invalidations.on('keys', () => {
      ring.#reloading = ring.reload();
      ring.#reloading.catch(() => {});
    });
    return ring;
  }

  /** The key that signs `alg` now: the newest one published long enough ago (on first start, the only one). */
  signer(alg: SigningAlg): SigningKey {
    const now = Date.now();
    const live = this.#keys.filter((k) => k.alg === alg && (k.retiredAt === null || k.retiredAt > now));
    const key = live.find((k) => k.createdAt + KEY_PUBLISH_LEAD_MS <= now) ?? live.at(-1);
    if (key === undefined) throw new Error(`no ${alg} signing key loaded`);
    return key;
  }

  /** Every key a token may name, by kid. */
  get byKid(): ReadonlyMap<string, VerificationKey> {
    return this.#byKid;
  }

  /**
   * The key a token's `kid` names, only when it is a key of `alg`: each kind of token is verified with
   * the one algorithm it is signed with, so a key of another kind (the RS256 ID-token key) never vouches
   * for it (RFC 8725 §3.1, §3.12).
   */
  verificationKey(kid: unknown, alg: SigningAlg): VerificationKey | undefined {
    const key = typeof kid === 'string' ? this.#byKid.get(kid) : undefined;
    return key?.alg === alg ? key : undefined;
  }

  /** The public keys, as /.well-known/jwks.json serves them: upcoming, current and recently retired. */
  get jwks(): { readonly keys: readonly JWK[] } {
    return this.#jwks;
  }

  /** The keys in the ring, newest first, as an admin sees them. */
  list(): SigningKeyInfo[] {
    const current = new Set(this.algs.map((alg) => this.signer(alg).kid));
    return this.#keys.map((k) => ({
      kid: k.kid, alg: k.alg, createdAt: new Date(k.createdAt), current: current.has(k.kid),
      retiredAt: k.retiredAt === null ? null : new Date(k.retiredAt),
    }));
  }

  /** Calls `listener` whenever a reload finds a key gone: what it signed must no longer be trusted from a cache. */
  onRemoved(listener: () => void): void {
    this.#onRemoved.push(listener);
  }

  /** Reads the keys again from the database (after a rotation here or on another instance). */
  async reload(): Promise<void> {
    const cutoff = new Date(Date.now() - RETIRED_KEY_RETENTION_MS);
    const rows = await this.database.db.select().from(signingKeys)
      .where(or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, cutoff)))
      .orderBy(desc(signingKeys.createdAt));
    const keys: LoadedKey[] = [];
    for (const row of rows) {
      const alg = row.alg as SigningAlg;
      const publicJwk = JSON.parse(row.publicJwk) as JWK;
      keys.push({
        kid: row.kid, alg, publicJwk,
        key: (await importJWK(publicJwk, alg)) as CryptoKey,
        privateKey: (await importJWK(JSON.parse(row.privateJwk) as JWK, alg)) as CryptoKey,
        createdAt: row.createdAt.getTime(),
        retiredAt: row.retiredAt?.getTime() ?? null,
      });
    }
    const removed = this.#keys.some((old) => !keys.some((k) => k.kid === old.kid));
    this.#keys = keys;
    this.#byKid = new Map(keys.map((k) => [k.kid, { kid: k.kid, alg: k.alg, key: k.key }]));
    this.#jwks = { keys: keys.map((k) => k.publicJwk) };
    if (removed) for (const listener of this.#onRemoved) listener();
  }

  /**
   * Makes a new key for `alg`, published now and signing after KEY_PUBLISH_LEAD_MS; the current key
   * signs until then. Tells every instance.
   */
  async rotate(alg: SigningAlg): Promise<string> {
    const kid = await this.#locked((tx) => rotateIn(tx, alg));
    await this.#tellEveryInstance();
    return kid;
  }

  /**
   * Rotates every algorithm now. With `revokeCurrent` (a key leaked), the old keys are deleted instead of
   * retired: the new ones sign at once, the JWKS stops serving the old ones, and every token they signed
   * is refused from the next request on, here and (on the `keys` notification) on every instance.
   */
  async rotateAll(revokeCurrent: boolean): Promise<void> {
    await this.#locked(async (tx) => {
      for (const alg of this.algs) {
        if (revokeCurrent) {
          await tx.delete(signingKeys).where(eq(signingKeys.alg, alg));
          await tx.insert(signingKeys).values(await generateKey(alg));
        } else {
          await rotateIn(tx, alg);
        }
      }
    });
    await this.#tellEveryInstance();
  }

  /** Rotates each algorithm whose newest key is older than `intervalMs`, and deletes keys past retention. */
  async rotateIfDue(intervalMs: number): Promise<SigningAlg[]> {
    const rotated = await this.#locked(async (tx) => {
      await tx.delete(signingKeys).where(lt(signingKeys.retiredAt, new Date(Date.now() - RETIRED_KEY_RETENTION_MS)));
      const due: SigningAlg[] = [];
      for (const alg of this.algs) {
        const [newest] = await tx.select({ createdAt: signingKeys.createdAt }).from(signingKeys)
          .where(eq(signingKeys.alg, alg)).orderBy(desc(signingKeys.createdAt)).limit(1);
        if (newest === undefined || newest.createdAt.getTime() + intervalMs <= Date.now()) {
          await rotateIn(tx, alg);
          due.push(alg);
        }
      }
      return due;
    });
    // Nothing rotated: reload all the same, in case a notification from another instance was missed.
    if (rotated.length > 0) await this.#tellEveryInstance();
    else await this.reload();
    return rotated;
  }

  /** Checks now and every hour whether a key is older than `days` (SIGNING_KEY_ROTATION_DAYS); null: never. */
  startRotation(days: number | null, onError: (error: unknown) => void): void {
    if (days === null) return;
    const check = () => void this.rotateIfDue(days * DAY).catch(onError);
    check();
    this.#timer = setInterval(check, CHECK_INTERVAL_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Publishes the change (one message, one reload per instance); returns once this instance has reloaded. */
  async #tellEveryInstance(): Promise<void> {
    await this.invalidations.publish('keys', ['changed']);
    await this.#reloading;
  }

  #locked<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${KEY_LOCK})`);
      return work(tx);
    });
  }
}

type Transaction = Parameters<Parameters<Database['db']['transaction']>[0]>[0];

/** Inserts a new key and retires the current ones of `alg` at the moment it takes over. */
async function rotateIn(tx: Transaction, alg: SigningAlg): Promise<string> {
  const key = await generateKey(alg);
  const takesOver = new Date(key.createdAt.getTime() + KEY_PUBLISH_LEAD_MS);
  await tx.update(signingKeys).set({ retiredAt: takesOver }).where(and(eq(signingKeys.alg, alg), isNull(signingKeys.retiredAt)));
  await tx.insert(signingKeys).values(key);
  return key.kid;
}

/**
 * RSA keys of 3072 bits: 2048-bit keys are disallowed for signing after 2030 (NIST SP 800-57 Part 1 Rev. 5,
 * table 4). A 2048-bit key made before is replaced at its next rotation.
 */
const RSA_MODULUS_BITS = 3072;

async function generateKey(alg: SigningAlg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : { modulusLength: RSA_MODULUS_BITS }),
  });
  const kid = randomUUID();
  // Set here rather than by the database's clock: rotateIn times the hand-over with this same clock.
  const createdAt = new Date();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, createdAt, privateJwk: JSON.stringify(privateJwk), publicJwk: JSON.stringify(publicJwk) };
}
