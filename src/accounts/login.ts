import { eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { InvalidCredentialsError, RateLimitedError, ValidationError } from '../graphql/errors.ts';
import { normalizeEmail } from './email.ts';
import { dummyPasswordHash, hashPassword, needsRehash, PASSWORD_MAX_LENGTH, verifyPassword } from './password.ts';
import { users } from './tables.ts';
import { ACCOUNT_BASE_DELAY_SECONDS, ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY_SECONDS, accountDelaySeconds, type AddressThrottle } from './throttle.ts';
import { toUserRecord, type UserRecord } from './users.ts';

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly ip: string;
}

/**
 * Checks an email and password. Unknown emails are verified against a dummy hash, so they cost the
 * same time and get the same InvalidCredentialsError as a wrong password. Attempts are counted per
 * address and per account before the hash is checked; a success resets the account's count and
 * rehashes a password stored with outdated parameters.
 */
export async function login(database: Database, throttle: AddressThrottle, input: LoginInput): Promise<UserRecord> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new ValidationError('That is not an email address.', 'email');
  if (input.password.length > PASSWORD_MAX_LENGTH * 4) throw new InvalidCredentialsError();
  await throttle.take(input.ip);
  const user = await claimAttempt(database, email);
  if (user === undefined) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    throw new InvalidCredentialsError();
  }
  const ok = user.passwordHash !== null && (await verifyPassword(user.passwordHash, input.password));
  if (!ok) throw new InvalidCredentialsError();
  await throttle.giveBack(input.ip);
  await database.db.update(users).set({
    failedLogins: 0,
    lastFailedLoginAt: null,
    ...(needsRehash(user.passwordHash!) ? { passwordHash: await hashPassword(input.password) } : {}),
  }).where(eq(users.id, user.id));
  return toUserRecord(user);
}

/**
 * Counts an attempt against an account, atomically, unless the account is waiting out a delay (then
 * RateLimitedError). Returns the account, or undefined when no account has that email.
 */
export async function claimAttempt(database: Database, email: string) {
  const delay = sql`least(${ACCOUNT_BASE_DELAY_SECONDS} * power(2, ${users.failedLogins} - ${ACCOUNT_FREE_FAILURES}), ${ACCOUNT_MAX_DELAY_SECONDS}) * interval '1 second'`;
  const [claimed] = await database.db.update(users)
    .set({ failedLogins: sql`${users.failedLogins} + 1`, lastFailedLoginAt: sql`now()` })
    .where(sql`lower(${users.email}) = ${email.toLowerCase()} and not (
      ${users.failedLogins} >= ${ACCOUNT_FREE_FAILURES} and ${users.lastFailedLoginAt} + ${delay} > now())`)
    .returning();
  if (claimed !== undefined) return claimed;
  const [waiting] = await database.db.select({ failedLogins: users.failedLogins, lastFailedLoginAt: users.lastFailedLoginAt })
    .from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
  if (waiting === undefined) return undefined;
  const until = (waiting.lastFailedLoginAt?.getTime() ?? Date.now()) + accountDelaySeconds(waiting.failedLogins) * 1000;
  throw new RateLimitedError(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
}
