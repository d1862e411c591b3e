import type { UserDirectory } from './directory.ts';
import type { SessionRevoker } from '../sessions/revoke.ts';
import type { Mailer } from '../mail/send.ts';
import { eq, sql } from 'drizzle-orm';
import { recordAuditEvent, type RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { EmailTakenError, InvalidTokenError } from '../errors.ts';
import { hashSecret } from '../lib/secrets.ts';
import { isPlausibleToken } from './email-tokens.ts';
import { emailChangedNotice } from './recovery-mails.ts';
import { emailTokens, users } from './tables.ts';
import { toUserRecord, type UserRecord } from './users.ts';

/** What this use case needs of the app's long-lived parts (the edges pass their Services). */
export interface ConfirmEmailChangeDeps {
  readonly database: Database;
  readonly users: UserDirectory;
  readonly revoker: SessionRevoker;
  readonly mail: Mailer;
}

export interface EmailChangeConfirmation {
  readonly token: string;
  /** The session the request came with, if any: kept when it is the changed account's own. */
  readonly caller: { readonly userId: string; readonly sessionId: string } | null;
}

interface Switched {
  readonly userId: string;
  readonly previousEmail: string;
  readonly email: string;
}

/**
 * Spends a change_email token and moves its account to the address the link was mailed to, in one
 * statement: the token is spent, the address set and marked verified (the link reached it), and every
 * other live link of the account retired (a reset link mailed to the old address must not outlive
 * it). While another account holds the address nothing happens (the link stays usable); if one takes
 * it at this very moment the unique index refuses the whole statement. Null when nothing was switched.
 */
async function switchEmail(database: Database, token: string): Promise<Switched | 'taken' | null> {
  const hash = hashSecret(token);
  try {
    const [row] = await database.rows<{ user_id: string; previous_email: string; email: string }>(sql`
      with spent as (
        update ${emailTokens} set used_at = now()
        where hash = ${hash}::text and purpose = 'change_email' and used_at is null and expires_at > now()
          and not exists (select 1 from ${users} holder where lower(holder.email) = lower(${emailTokens.email}))
        returning user_id, email
      ), previous as (
        select ${users.id} as id, ${users.email} as email from ${users} join spent on ${users.id} = spent.user_id
      ), retired as (
        update ${emailTokens} set used_at = now()
        where user_id in (select user_id from spent) and used_at is null and hash <> ${hash}::text
      ), switched as (
        update ${users} set email = spent.email, email_verified = true from spent where ${users.id} = spent.user_id
        returning ${users.id} as id
      )
      select previous.id as user_id, previous.email as previous_email, spent.email
      from spent join previous on previous.id = spent.user_id join switched on switched.id = spent.user_id`);
    return row === undefined ? null : { userId: row.user_id, previousEmail: row.previous_email, email: row.email };
  } catch (error) {
    if (isUniqueViolation(error)) return 'taken';
    throw error;
  }
}

/** The account and new address of a live change_email token, without spending it. */
async function findLiveChange(database: Database, token: string): Promise<{ userId: string; email: string } | null> {
  const [row] = await database.rows<{ user_id: string; email: string }>(sql`
    select user_id, email from ${emailTokens}
    where hash = ${hashSecret(token)}::text and purpose = 'change_email' and used_at is null and expires_at > now()`);
  return row === undefined ? null : { userId: row.user_id, email: row.email };
}

/**
 * The confirmEmailChange use case, for the mutation and the /confirm-email-change page alike: switches
 * the address (see switchEmail), then ends every other session of the account (OWASP Session
 * Management Cheat Sheet: renew sessions when the account's credentials change; ASVS 3.3.3), keeping
 * the caller's own session when it is the account's; drops the cached account on every instance;
 * mails a notice to the old address; and records email.changed. InvalidTokenError for a bad, spent or
 * expired link; EmailTakenError, with nothing written, when another account holds the address now.
 */
export async function confirmEmailChange(
  deps: ConfirmEmailChangeDeps, input: EmailChangeConfirmation, meta: RequestMeta,
): Promise<{ user: UserRecord; revokedSessions: number }> {
  if (!isPlausibleToken(input.token)) throw new InvalidTokenError();
  const switched = await switchEmail(deps.database, input.token);
  if (switched === null || switched === 'taken') {
    const live = await findLiveChange(deps.database, input.token);
    if (live === null) throw new InvalidTokenError();
    await recordAuditEvent(deps.database, {
      type: 'email.change_failed', userId: live.userId, ip: meta.ip, userAgent: meta.userAgent, detail: 'the new address belongs to another account',
      actorUserId: input.caller?.userId ?? null, target: { type: 'USER', id: live.userId },
      metadata: { reason: 'EMAIL_TAKEN', stage: 'confirm', newEmail: live.email },
    });
    throw new EmailTakenError();
  }
  const { userId } = switched;
  const keep = input.caller?.userId === userId ? input.caller.sessionId : undefined;
  const revokedSessions = await deps.revoker.revokeAll(userId, keep);
  await deps.users.changed(userId);
  deps.mail.queue(emailChangedNotice(switched.previousEmail, switched.email));
  await recordAuditEvent(deps.database, {
    type: 'email.changed', userId, ip: meta.ip, userAgent: meta.userAgent, detail: `from ${switched.previousEmail} to ${switched.email}`,
    actorUserId: input.caller?.userId ?? null, target: { type: 'USER', id: userId },
    metadata: { from: switched.previousEmail, to: switched.email, revokedSessions },
  });
  const [row] = await deps.database.db.select().from(users).where(eq(users.id, userId));
  return { user: toUserRecord(row!), revokedSessions };
}
