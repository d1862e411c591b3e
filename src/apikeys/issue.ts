import type { Database } from '../db/client.ts';
import { ValidationError } from '../errors.ts';
import { hashSecret } from '../lib/secrets.ts';
import { DAY } from '../lib/time.ts';
import { SCOPES, type Scope } from '../scopes.ts';
import { generateKey, keyStart, type KeyEnvironment } from './format.ts';
import { toApiKeyRecord, type ApiKeyRecord } from './key.ts';
import { apiKeys } from './tables.ts';

export const NAME_MAX_LENGTH = 100;
const MAX_RATE_LIMIT = 1_000_000;
const MAX_WINDOW_SECONDS = 86_400;
const MAX_LIFETIME_MS = 5 * 365 * DAY;

interface IssueKeyInput {
  readonly ownerId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly environment: KeyEnvironment;
  readonly expiresAt: Date | null;
  readonly rateLimit: { readonly limit: number; readonly windowSeconds: number } | null;
}

export interface IssuedKey {
  readonly key: ApiKeyRecord;
  /** The whole secret: shown this once, stored only as its hash. */
  readonly secret: string;
}

/**
 * Checks a new key's settings; throws a ValidationError naming the input field. `grantable` is what
 * the creator may hand on: a key never holds more than its owner.
 */
export function validateKeyInput(input: IssueKeyInput, grantable: readonly string[]): IssueKeyInput {
  const name = input.name.trim();
  if (name === '' || name.length > NAME_MAX_LENGTH || /\p{Cc}/u.test(name)) {
    throw new ValidationError(`The name must have 1 to ${NAME_MAX_LENGTH} characters and no control characters.`, 'name');
  }
  const scopes = [...new Set(input.scopes)];
  const unknown = scopes.find((scope) => !(scope in SCOPES));
  if (unknown !== undefined) throw new ValidationError(`Unknown scope "${unknown.slice(0, 50)}".`, 'scopes');
  const beyond = scopes.find((scope) => !grantable.includes(scope as Scope));
  if (beyond !== undefined) throw new ValidationError(`You may not grant the scope "${beyond}".`, 'scopes');
  if (input.expiresAt !== null) {
    const ms = input.expiresAt.getTime() - Date.now();
    if (ms <= 0) throw new ValidationError('The expiry must be in the future.', 'expiresAt');
    if (ms > MAX_LIFETIME_MS) throw new ValidationError('A key may live five years at most.', 'expiresAt');
  }
  if (input.rateLimit !== null) {
    const { limit, windowSeconds } = input.rateLimit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RATE_LIMIT) {
      throw new ValidationError(`The limit must be a whole number from 1 to ${MAX_RATE_LIMIT}.`, 'rateLimit.limit');
    }
    if (!Number.isInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > MAX_WINDOW_SECONDS) {
      throw new ValidationError(`The window must be from 1 to ${MAX_WINDOW_SECONDS} seconds.`, 'rateLimit.windowSeconds');
    }
  }
  return { ...input, name, scopes };
}

/** Creates a key for its owner and returns the secret, which nobody can see again. */
export async function issueKey(database: Database, input: IssueKeyInput): Promise<IssuedKey> {
  const secret = generateKey(input.environment);
  const [row] = await database.db.insert(apiKeys).values({
    ownerId: input.ownerId,
    name: input.name,
    hash: hashSecret(secret),
    start: keyStart(secret),
    environment: input.environment,
    scopes: [...input.scopes],
    rateLimit: input.rateLimit?.limit ?? null,
    rateWindowSeconds: input.rateLimit?.windowSeconds ?? null,
    expiresAt: input.expiresAt,
  }).returning();
  return { key: toApiKeyRecord(row!), secret };
}
