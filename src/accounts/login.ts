import { eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { AccountDisabledError, InvalidCredentialsError, RateLimitedError, ValidationError } from '../errors.ts';
import { normalizeEmail } from './email.ts';
import { dummyPasswordHash, hashPassword, needsRehash, PASSWORD_MAX_LENGTH, verifyPassword } from './password.ts';
import { users } from './tables.ts';
import { ACCOUNT_BASE_DELAY_SECONDS, ACCOUNT_FREE_FAILURES, ACCOUNT_MAX_DELAY_SECONDS, accountDelaySeconds, type SignInBudget } from './sign-in-budget.ts';
import { toUserRecord, type UserRecord } from './users.ts';

export interface LoginInput {
  readonly email: string;
  readonly password: string;
  readonly ip: string;
  /**
   * True when the account still has to pass a second factor: its failure count then stays until that
   * passes too (clearFailedLogins), so knowing the password never resets the throttle on codes.
   */
  readonly secondFactorPending?: (userId: string) => Promise<boolean>;
}

/**
 * Checks an email and password. Unknown emails are verified against a dummy hash, so they cost the
 * same time and get the same InvalidCredentialsError as a wrong password. Attempts are counted per
 * address and per account before the hash is checked; a success resets the account's count and
 * rehashes a password stored with outdated parameters.
 */
export async function login(database: Database, budget: SignInBudget, input: LoginInput): Promise<UserRecord> {
  const email = normalizeEmail(input.email);
  if (email === null) throw new ValidationError('That is not an email address.', 'email');
  if (input.password.length > PASSWORD_MAX_LENGTH * 4) throw new InvalidCredentialsError();
  await budget.take(input.ip);
  const user = await claimAttempt(database, email);
  if (user === undefined) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    throw new InvalidCredentialsError();
  }
  const ok = user.passwordHash !== null && (await verifyPassword(user.passwordHash, input.password));
  if (!ok) throw new WrongPasswordError(user.id);
  await budget.giveBack(input.ip);
  // Said only after the password was right: a guesser learns nothing about the account.
  if (user.disabledAt !== null) throw new AccountDisabledError();
  const pending = (await input.secondFactorPending?.(user.id)) ?? false;
  const changes = {
    // A right password with a second factor still to pass: only this attempt's count is given back.
    ...(pending ? { failedLogins: sql`greatest(${users.failedLogins} - 1, 0)` } : { failedLogins: 0, lastFailedLoginAt: null }),
    ...(needsRehash(user.passwordHash!) ? { passwordHash: await hashPassword(input.password) } : {}),
  };
  await database.db.update(users).set(changes).where(eq(users.id, user.id));
  return toUserRecord(user);
}

/**
 * A wrong password for an account that exists: the caller sees the same InvalidCredentialsError as for
 * an unknown email, while the audit log records the attacked account as the event's user.
 */
export class WrongPasswordError extends InvalidCredentialsError {
  constructor(readonly accountId: string) {
    super();
  }
}

/** The account a failed login attacked, when the email belonged to one (for the audit log only). */
export function attackedAccount(error: unknown): string | null {
  return error instanceof WrongPasswordError ? error.accountId : null;
}

/**
 * Counts an attempt against an account, atomically, unless the account is waiting out a delay (then
 * RateLimitedError). Returns the account, or undefined when no account has that email.
 */
export function claimAttempt(database: Database, email: string) {
  return claimAttemptWhere(database, sql`lower(${users.email}) = ${email.toLowerCase()}`);
}

/** claimAttempt by account id: second factors and re-verification count toward the same budget and delay as passwords. */
export async function claimAttemptById(database: Database, userId: string): Promise<void> {
  if ((await claimAttemptWhere(database, sql`${users.id} = ${userId}`)) === undefined) throw new InvalidCredentialsError();
}

/** Resets an account's consecutive failures once the whole sign-in (or re-verification) has passed. */
export async function clearFailedLogins(database: Database, userId: string): Promise<void> {
  await database.db.update(users).set({ failedLogins: 0, lastFailedLoginAt: null }).where(eq(users.id, userId));
}

/** Checks the password of an account known by id (re-verification), throttled like a login. */
export async function verifyPasswordOf(database: Database, budget: SignInBudget, userId: string, password: string, ip: string): Promise<void> {
  if (password.length > PASSWORD_MAX_LENGTH * 4) throw new InvalidCredentialsError();
  await budget.take(ip);
  const user = await claimAttemptWhere(database, sql`${users.id} = ${userId}`);
  if (user?.passwordHash == null || !(await verifyPassword(user.passwordHash, password))) throw new InvalidCredentialsError();
  await budget.giveBack(ip);
}

async function claimAttemptWhere(database: Database, account: SQL) {
  const delay = sql`least(${ACCOUNT_BASE_DELAY_SECONDS} * power(2, ${users.failedLogins} - ${ACCOUNT_FREE_FAILURES}), ${ACCOUNT_MAX_DELAY_SECONDS}) * interval '1 second'`;
  const [claimed] = await database.db.update(users)
    .set({ failedLogins: sql`${users.failedLogins} + 1`, lastFailedLoginAt: sql`now()` })
    .where(sql`${account} and not (
      ${users.failedLogins} >= ${ACCOUNT_FREE_FAILURES} and ${users.lastFailedLoginAt} + ${delay} > now())`)
    .returning();
  if (claimed !== undefined) return claimed;
  const [waiting] = await database.db.select({ failedLogins: users.failedLogins, lastFailedLoginAt: users.lastFailedLoginAt })
    .from(users).where(account);
  if (waiting === undefined) return undefined;
  const until = (waiting.lastFailedLoginAt?.getTime() ?? Date.now()) + accountDelaySeconds(waiting.failedLogins) * 1000;
  throw new RateLimitedError(Math.max(1, Math.ceil((until - Date.now()) / 1000)));
}
