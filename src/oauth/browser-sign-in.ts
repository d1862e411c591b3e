import type { Database } from '../db/client.ts';
import { readSessionCookie, type CookieSessions } from '../sessions/cookie.ts';
import { findSession } from '../sessions/find.ts';
import type { AuthorizationRequest } from './authorize.ts';

/** The browser's first-party session, as the authorization page sees it. */
export interface BrowserSession {
  readonly userId: string;
  readonly sessionId: string;
  /** When the user signed in to this session: the ID token's auth_time. */
  readonly authTime: Date;
  /** How the user signed in to this session (RFC 8176). */
  readonly amr: readonly string[];
}

async function signInOf(database: Database, session: { sessionId: string; userId: string }): Promise<BrowserSession | undefined> {
  const record = await findSession(database, session.sessionId);
  return record === undefined ? undefined : { userId: session.userId, sessionId: session.sessionId, authTime: record.createdAt, amr: record.amr };
}

/** Signed in longer ago than the client's max_age allows (OIDC Core §3.1.2.1). */
export function isStale(session: BrowserSession, request: AuthorizationRequest): boolean {
  return request.maxAgeMs !== null && Date.now() - session.authTime.getTime() > request.maxAgeMs;
}

/** The browser's live session from its cookie, if it has one (a revoked or unknown cookie counts as none). */
export async function browserSignIn(database: Database, cookieSessions: CookieSessions, cookieHeader: string | null): Promise<BrowserSession | undefined> {
  const sessionCookie = readSessionCookie(cookieHeader);
  const found = sessionCookie === undefined ? undefined : await cookieSessions.find(sessionCookie);
  return typeof found === 'object' ? signInOf(database, found) : undefined;
}
