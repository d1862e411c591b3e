import { sql } from 'drizzle-orm';
import { recordAuditEvent } from '../audit/record.ts';
import type { RequestMeta } from '../audit/record.ts';
import type { Database } from '../db/client.ts';
import { hashSecret, hmac, isPlausibleSecret } from '../lib/secrets.ts';
import { REFRESH_GRACE_MS, REFRESH_IDLE_MS } from './lifetimes.ts';
import { toSessionRecord, type SessionRecord } from './session.ts';

type RefreshOutcome =
  | { readonly ok: true; readonly session: SessionRecord; readonly refreshToken: string; readonly refreshTokenExpiresAt: Date }
  | { readonly ok: false; readonly reason: 'invalid' }
  /** A token retired longer ago than the grace window came back: the session has been revoked. */
  | { readonly ok: false; readonly reason: 'reused'; readonly sessionId: string; readonly userId: string };

interface RotatedRow {
  id: string; user_id: string; client_id: string | null; scopes: string[]; created_at: Date; auth_time: Date | null; amr: string[]; verified_at: Date | null; last_used_at: Date | null;
  idle_expires_at: Date; expires_at: Date; user_agent: string | null; ip: string | null; dpop_jkt: string | null; token_expires_at: Date;
}

// Parsing and planning the CTE on every call was some two thirds of the database's CPU per refresh.
const PREPARED = { prepare: true } as const;

interface RetiredRow {
  session_id: string; user_id: string; used_at: Date | null; in_grace: boolean; session_live: boolean;
}

/**
 * Exchanges a refresh token for its successor (RFC 9700 §4.14). The successor is HMAC(key, token):
 * it can be recomputed instead of stored, so a retry or a second tab presenting the same token within
 * the grace window gets the very same successor back and the family never forks. Retiring the old
 * token and inserting the successor is one statement: of any number of concurrent calls, one wins.
 * A token retired longer ago than the grace window revokes the whole session (`revokeSession`).
 * A token of another client's grant is unknown here: an OAuth refresh token is only good at the
 * token endpoint, with its client's authentication.
 */
export async function rotateRefreshToken(
  database: Database,
  key: Buffer,
  token: string,
  revokeSession: (sessionId: string) => Promise<void>,
  /** Whose grant the token must belong to: null for first-party sessions, else the OAuth client. */
  clientId: string | null = null,
): Promise<RefreshOutcome> {
  if (!isPlausibleSecret(token)) return { ok: false, reason: 'invalid' };
  const hash = hashSecret(token);
  const successor = hmac(key, token);
  const idle = `${REFRESH_IDLE_MS / 1000} seconds`;
  const [rotated] = await database.rows<RotatedRow>(sql`
    with old as (
      update refresh_tokens rt set used_at = now()
      from sessions s
      where rt.hash = ${hash} and rt.used_at is null and rt.expires_at > now()
        and s.id = rt.session_id and s.revoked_at is null and s.expires_at > now()
        and s.client_id is not distinct from ${clientId}::text
        and (s.ends_with_session_id is null or exists (select 1 from sessions p where p.id = s.ends_with_session_id
          and p.revoked_at is null and p.expires_at > now() and p.idle_expires_at > now()))
      returning rt.id, rt.session_id, s.expires_at as session_expires_at
    ), successor as (
      insert into refresh_tokens (session_id, hash, parent_id, expires_at)
      select session_id, ${hashSecret(successor)}, id, least(now() + ${idle}::interval, session_expires_at) from old
      returning session_id, expires_at
    ), touched as (
      update sessions set last_used_at = now(), idle_expires_at = successor.expires_at
      from successor where sessions.id = successor.session_id
      returning sessions.*, successor.expires_at as token_expires_at
    )
    select id, user_id, client_id, scopes, created_at, auth_time, amr, verified_at, last_used_at, idle_expires_at, expires_at, user_agent, ip, dpop_jkt, token_expires_at
    from touched`, PREPARED);
  if (rotated !== undefined) return { ok: true, ...fromRotated(rotated), refreshToken: successor };

  const [retired] = await database.rows<RetiredRow>(sql`
    select rt.session_id, s.user_id, rt.used_at,
      (now() - rt.used_at) <= ${`${REFRESH_GRACE_MS} milliseconds`}::interval as in_grace,
      (s.revoked_at is null and s.expires_at > now()) as session_live
    from refresh_tokens rt join sessions s on s.id = rt.session_id
    where rt.hash = ${hash} and s.client_id is not distinct from ${clientId}::text`, PREPARED);
  if (retired === undefined || retired.used_at === null || !retired.session_live) return { ok: false, reason: 'invalid' };
  if (!retired.in_grace) {
    await revokeSession(retired.session_id);
    return { ok: false, reason: 'reused', sessionId: retired.session_id, userId: retired.user_id };
  }
  const [again] = await database.rows<RotatedRow>(sql`
    select s.id, s.user_id, s.client_id, s.scopes, s.created_at, s.auth_time, s.amr, s.verified_at, s.last_used_at, s.idle_expires_at, s.expires_at,
      s.user_agent, s.ip, s.dpop_jkt, rt.expires_at as token_expires_at
    from refresh_tokens rt join sessions s on s.id = rt.session_id
    where rt.hash = ${hashSecret(successor)} and s.revoked_at is null`, PREPARED);
  if (again === undefined) return { ok: false, reason: 'invalid' };
  return { ok: true, ...fromRotated(again), refreshToken: successor };
}

function fromRotated(row: RotatedRow) {
  return {
    session: toSessionRecord({
      id: row.id, userId: row.user_id, clientId: row.client_id, scopes: row.scopes, cookieHash: null,
      createdAt: new Date(row.created_at), authTime: row.auth_time && new Date(row.auth_time),
      amr: row.amr, verifiedAt: row.verified_at && new Date(row.verified_at), lastUsedAt: row.last_used_at && new Date(row.last_used_at),
      idleExpiresAt: new Date(row.idle_expires_at), expiresAt: new Date(row.expires_at), revokedAt: null,
      userAgent: row.user_agent, ip: row.ip, endsWithSessionId: null, dpopJkt: row.dpop_jkt,
    }),
    refreshTokenExpiresAt: new Date(row.token_expires_at),
  };
}

/** Writes refresh.reuse_detected for a retired token that came back (its session is already revoked). */
export function recordRefreshReuse(
  database: Database, reuse: { readonly sessionId: string; readonly userId: string }, meta: RequestMeta, clientId: string | null = null,
): Promise<void> {
  const what = clientId === null ? `session ${reuse.sessionId}` : `client ${clientId}: grant ${reuse.sessionId}`;
  return recordAuditEvent(database, {
    type: 'refresh.reuse_detected', userId: reuse.userId, ip: meta.ip, userAgent: meta.userAgent,
    detail: `${what} revoked: a refresh token retired earlier was presented again`,
  });
}
