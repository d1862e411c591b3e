import type { Database } from '../db/client.ts';
import { hashSecret, randomSecret } from '../lib/secrets.ts';
import { after } from '../lib/time.ts';
import { COOKIE_ABSOLUTE_MS, COOKIE_IDLE_MS, REFRESH_ABSOLUTE_MS, REFRESH_IDLE_MS } from './lifetimes.ts';
import { toSessionRecord, type SessionRecord } from './session.ts';
import { refreshTokens, sessions } from './tables.ts';

export type Delivery = 'TOKENS' | 'COOKIE';

type StartedSession =
  | { readonly delivery: 'TOKENS'; readonly session: SessionRecord; readonly refreshToken: string; readonly refreshTokenExpiresAt: Date }
  | { readonly delivery: 'COOKIE'; readonly session: SessionRecord; readonly cookie: string; readonly cookieExpiresAt: Date };

interface StartSessionInput {
  readonly userId: string;
  readonly delivery: Delivery;
  readonly scopes: readonly string[];
  readonly userAgent: string | null;
  readonly ip: string | null;
  /** The OAuth client of a grant (an OAuth grant is a session with a client); omitted for first-party sessions. */
  readonly clientId?: string | null;
  /** For a grant: when the user signed in to consent (default: now). */
  readonly authTime?: Date | null;
  /** RFC 8176 authentication methods of the sign-in (default: `pwd`). */
  readonly amr?: readonly string[];
  /** For a grant without offline_access: the user's session it ends with (see `sessions.ends_with_session_id`). */
  readonly endsWithSessionId?: string | null;
  /** For a grant whose refresh tokens are bound to a DPoP key (RFC 9449 §5): its RFC 7638 thumbprint. */
  readonly dpopJkt?: string | null;
}

/**
 * Starts a signed-in session. TOKENS: the session's first refresh token (idle 14 days, absolute 90).
 * COOKIE: an opaque cookie value (idle 7 days, absolute 30). Only hashes of either are stored.
 */
export async function startSession(database: Database, input: StartSessionInput): Promise<StartedSession> {
  const now = new Date();
  const secret = randomSecret();
  const common = {
    userId: input.userId,
    clientId: input.clientId ?? null,
    scopes: [...input.scopes],
    userAgent: input.userAgent?.slice(0, 512) ?? null,
    ip: input.ip,
    createdAt: now,
    lastUsedAt: now,
    authTime: input.authTime ?? null,
    amr: [...(input.amr ?? ['pwd'])],
    endsWithSessionId: input.endsWithSessionId ?? null,
    dpopJkt: input.dpopJkt ?? null,
  };
  if (input.delivery === 'COOKIE') {
    const expiresAt = after(COOKIE_ABSOLUTE_MS, now);
    const [row] = await database.db.insert(sessions).values({
      ...common, cookieHash: hashSecret(secret), idleExpiresAt: after(COOKIE_IDLE_MS, now), expiresAt,
    }).returning();
    return { delivery: 'COOKIE', session: toSessionRecord(row!), cookie: secret, cookieExpiresAt: expiresAt };
  }
  const refreshTokenExpiresAt = after(REFRESH_IDLE_MS, now);
  const row = await database.db.transaction(async (tx) => {
    const [session] = await tx.insert(sessions).values({
      ...common, idleExpiresAt: refreshTokenExpiresAt, expiresAt: after(REFRESH_ABSOLUTE_MS, now),
    }).returning();
    await tx.insert(refreshTokens).values({ sessionId: session!.id, hash: hashSecret(secret), expiresAt: refreshTokenExpiresAt });
    return session!;
  });
  return { delivery: 'TOKENS', session: toSessionRecord(row), refreshToken: secret, refreshTokenExpiresAt };
}
