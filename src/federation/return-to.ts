import { constantTimeEqual, hashSecret } from '../lib/secrets.ts';
import { LOGIN_STATE_LIFETIME_MS } from './limits.ts';

/**
 * Where /auth/callback/:provider sends the browser when a page of this server started the sign-in (the
 * authorization page's provider buttons), instead of FRONTEND_URL. Bound to the sign-in's state by its
 * hash, so a cookie left by an abandoned attempt steers no other sign-in; only a path on this origin.
 */
const RETURN_COOKIE = '__Host-latchkey-upstream-return';

function isLocalPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//') && !path.startsWith('/\\');
}

/** The Set-Cookie value that sends the sign-in started with `state` back to `path` on this origin. */
export function returnToCookie(state: string, path: string): string {
  if (!isLocalPath(path)) throw new Error('a return path must be a path on this origin');
  const value = `${hashSecret(state)}.${Buffer.from(path).toString('base64url')}`;
  return `${RETURN_COOKIE}=${value}; Path=/; Max-Age=${LOGIN_STATE_LIFETIME_MS / 1000}; HttpOnly; Secure; SameSite=Lax`;
}

export const CLEARED_RETURN_COOKIE = `${RETURN_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax`;

/** The path the sign-in with `state` returns to, when the browser's cookie names one for that state. */
export function readReturnTo(cookieHeader: string | null, state: string): string | null {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, value] = part.trim().split('=', 2);
    if (name !== RETURN_COOKIE || value === undefined) continue;
    const [hash, encoded] = value.split('.', 2);
    if (hash === undefined || encoded === undefined || !constantTimeEqual(hash, hashSecret(state))) return null;
    const path = Buffer.from(encoded, 'base64url').toString('utf8');
    return isLocalPath(path) ? path : null;
  }
  return null;
}
