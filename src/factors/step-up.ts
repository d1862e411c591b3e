import type { Database } from '../db/client.ts';
import { findSession } from '../sessions/find.ts';
import { hasSession, type Viewer } from '../viewer.ts';
import { ReauthenticationRequiredError } from '../errors.ts';

/** How recent a sign-in or re-verification must be for a sensitive operation (OWASP ASVS 6.2.x re-authentication). */
const STEP_UP_WINDOW_MS = 10 * 60 * 1000;

/**
 * Refuses a sensitive operation (remove a factor, change the password, make an admin key, rotate
 * signing keys...) unless the caller's session signed in or re-verified within the last 10 minutes.
 * API keys hold no session and cannot re-verify: they are always refused.
 */
export async function requireRecentVerification(database: Database, viewer: Viewer): Promise<void> {
  if (!hasSession(viewer)) throw new ReauthenticationRequiredError();
  const session = await findSession(database, viewer.sessionId);
  if (session === undefined || Date.now() - session.verifiedAt.getTime() > STEP_UP_WINDOW_MS) {
    throw new ReauthenticationRequiredError();
  }
}
