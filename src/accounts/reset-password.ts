import type { UserDirectory } from './directory.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';
import { sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { InvalidTokenError, ValidationError } from '../errors.ts';
import { isPlausibleToken, peekEmailToken, spendEmailToken } from './email-tokens.ts';
import { hashPassword, passwordProblem } from './password.ts';
import { users } from './tables.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
interface ResetDeps {
  readonly database: Database;
  readonly users: UserDirectory;
  readonly revoker: SessionRevoker;
}

/**
 * Sets a new password with a mailed reset token. The password is checked with sign-up's rules before
 * the token is spent, so a refused password leaves the link usable. Spending the token and setting
 * the password is one statement: of concurrent attempts one wins. It also clears the failed-login
 * count, and marks the address verified (the link reached it) while it is still the account's.
 * The caller ends the account's sessions. Returns the account's id.
 */
export async function resetPassword(database: Database, input: { token: string; newPassword: string }): Promise<string> {
  const problem = passwordProblem(input.newPassword);
  if (problem !== null) throw new ValidationError(problem, 'newPassword');
  if (!isPlausibleToken(input.token)) throw new InvalidTokenError();
  const holder = await peekEmailToken(database, 'reset_password', input.token);
  if (holder === null) throw new InvalidTokenError();
  const sameAsEmail = passwordProblem(input.newPassword, holder.email);
  if (sameAsEmail !== null) throw new ValidationError(sameAsEmail, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  const [reset] = await database.rows<{ id: string }>(sql`
    with spent as (${spendEmailToken('reset_password', input.token)})
    update ${users} set password_hash = ${passwordHash}, failed_logins = 0, last_failed_login_at = null,
      email_verified = email_verified or lower(${users.email}) = lower(spent.email)
    from spent where ${users.id} = spent.user_id
    returning ${users.id}`);
  if (reset === undefined) throw new InvalidTokenError();
  return reset.id;
}

/**
 * The resetPassword use case, for the mutation and the /reset-password page alike: sets the password,
 * ends every session of the account, drops the cached account, and records password.reset. Throws
 * ValidationError (the password, link still usable) or InvalidTokenError.
 */
export async function completePasswordReset(
  services: ResetDeps, input: { token: string; newPassword: string }, meta: RequestMeta,
): Promise<{ revokedSessions: number }> {
  const userId = await resetPassword(services.database, input);
  const revokedSessions = await services.revoker.revokeAll(userId);
  await services.users.changed(userId);
  await recordAuditEvent(services.database, {
    type: 'password.reset', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `${revokedSessions} sessions ended`,
  });
  return { revokedSessions };
}
